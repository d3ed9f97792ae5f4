/**
 * Leak cycles: a client connects, emits an event the server acks, receives a server emit, and disconnects, over
 * and over, against a Socketeer server in this process; the heap after a full collection is compared with the
 * heap after the warm-up and half-way. The figure is the growth per cycle over the second half: a one-time growth
 * (code compiled late, pools and tables reaching their working size) settles during the first half, while a leak
 * keeps growing at the same rate in both halves.
 *
 * Nothing here depends on time: each cycle waits for its own completion, and the measurement waits until the
 * server has forgotten every connection before collecting.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { io as ioc } from 'socket.io-client';
import { Server } from '../../src/server/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface LeakResult {
  transport: 'polling' | 'websocket';
  cycles: number;
  /** Heap growth per cycle in bytes over the second half of the cycles (after GC). */
  bytesPerCycle: number;
  /** Heap growth per cycle in bytes over all cycles, one-time growth included. */
  bytesPerCycleOverall: number;
  baseline: number;
  /** heap after the first half of the cycles */
  middle: number;
  after: number;
}

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Runs the cycles on one transport.
 * @param transport the only transport the client may use
 * @param warmup cycles before the baseline
 * @param cycles measured cycles
 */
export async function leakCycles(transport: 'polling' | 'websocket', warmup: number, cycles: number): Promise<LeakResult> {
  const http = createServer();
  const io = new Server(http, { pingInterval: 60_000, pingTimeout: 60_000 });
  io.on('connection', (socket) => {
    socket.join('room-' + (socket.id.length % 3));
    socket.on('echo', (x: unknown, cb: (x: unknown) => void) => {
      cb(x);
      socket.emit('pushed', { n: 1 });
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const payload = { text: 'hello', list: [1, 2, 3], bin: Buffer.from([1, 2, 3, 4]) };

  const cycle = async (): Promise<void> => {
    const c = ioc(url, { forceNew: true, reconnection: false, transports: [transport] });
    const pushed = new Promise<void>((resolve) => c.once('pushed', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      c.once('connect', resolve);
      c.once('connect_error', reject);
    });
    const reply = (await c.timeout(10_000).emitWithAck('echo', payload)) as typeof payload;
    if (reply.text !== 'hello') throw new Error('bad echo');
    await pushed;
    c.disconnect();
  };
  /** Waits until the server holds no connection (the last disconnections are processed asynchronously). */
  const drained = async (): Promise<void> => {
    while (io.engine.clientsCount > 0 || io.sockets.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
  };

  try {
    for (let i = 0; i < warmup; i++) await cycle();
    await drained();
    const baseline = await settleHeap();
    const half = Math.floor(cycles / 2);
    for (let i = 0; i < half; i++) await cycle();
    await drained();
    const middle = await settleHeap();
    for (let i = half; i < cycles; i++) await cycle();
    await drained();
    const after = await settleHeap();
    return {
      transport,
      cycles,
      bytesPerCycle: (after - middle) / (cycles - half),
      bytesPerCycleOverall: (after - baseline) / cycles,
      baseline,
      middle,
      after,
    };
  } finally {
    await io.close();
    http.closeAllConnections();
  }
}
