/**
 * Scenario `slow-reader`: N clients join one room and all but the publisher stop reading (their TCP sockets are
 * paused); the publisher sends B broadcasts of P bytes (`42["broadcast",…]`, W in flight, the next sent when its
 * own copy comes back) and the server sends each to the whole room. Reports how much the server's memory grew
 * (RSS and heap after full garbage collections) while the non-readers held their copies: what backpressure bounds.
 * Checks that the publisher, who reads, got every broadcast, in order.
 */
import type { Socket } from 'node:net';
import { CorrectnessError, sleep, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { joinAll } from './fanout.js';
import { closeAll, connectMany, type Conn } from './wire.js';

export interface SlowReaderParams {
  /** Clients in the room, the publisher included (the others never read). */
  clients: number;
  broadcasts: number;
  /** Broadcasts the publisher keeps in flight. */
  window: number;
  payloadBytes: number;
  timeoutMs: number;
}

export const SLOW_READER_FULL: SlowReaderParams = { clients: 21, broadcasts: 300, window: 4, payloadBytes: 100 * 1024, timeoutMs: 120_000 };
export const SLOW_READER_SMOKE: SlowReaderParams = { clients: 3, broadcasts: 10, window: 2, payloadBytes: 1024, timeoutMs: 10_000 };

/** The TCP socket of a connection (a private field of `ws`). */
function tcp(conn: Conn): Socket {
  return (conn.ws as unknown as { _socket: Socket })._socket;
}

/** Publishes the broadcasts; resolves once the publisher got its own copy of each. */
function publish(publisher: Conn, p: SlowReaderParams, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    const next = (): void => {
      publisher.send('42["broadcast",{"s":' + sent + ',"p":"' + payload + '"}]');
      sent++;
    };
    publisher.onFrame = (frame) => {
      const expected = '42["tick",{"s":' + received + ',"p":"' + payload + '"}]';
      if (frame !== expected) return reject(new CorrectnessError(`slow-reader: the publisher expected tick ${received}, got ${frame.slice(0, 60)}`));
      received++;
      if (sent < p.broadcasts) next();
      if (received === p.broadcasts) resolve();
    };
    publisher.onClose = (code) => reject(new CorrectnessError(`slow-reader: the publisher closed (${code}) after ${received}/${p.broadcasts}`));
    for (let i = 0; i < Math.min(p.window, p.broadcasts); i++) next();
  });
}

/** Runs the slow-reader scenario. */
export async function slowReaderScenario(ctx: ScenarioContext, p: SlowReaderParams): Promise<ScenarioResult> {
  const payload = 'z'.repeat(p.payloadBytes);
  const conns = await connectMany(ctx.target, p.clients, 20);
  const [publisher, ...readers] = conns;
  try {
    await withTimeout(joinAll(conns, 'slow-reader'), p.timeoutMs, 'slow-reader join');
    for (const c of readers) {
      c.onFrame = () => {};
      c.onClose = () => {};
      tcp(c).pause();
    }
    await sleep(100);
    const before = await ctx.serverMemory();
    await withTimeout(publish(publisher!, p, payload), p.timeoutMs, 'slow-reader');
    await sleep(200);
    const after = await ctx.serverMemory();
    return {
      metrics: {
        broadcasts: p.broadcasts,
        nonReaders: readers.length,
        rssGrowthBytes: after.rss - before.rss,
        heapGrowthBytes: after.heapUsed - before.heapUsed,
        externalGrowthBytes: after.external - before.external,
        sentPerNonReaderBytes: p.broadcasts * p.payloadBytes,
      },
    };
  } finally {
    // the non-readers would never complete a closing handshake: cut them
    for (const c of readers) c.ws.terminate();
    publisher!.onClose = () => {};
    await closeAll(conns);
  }
}
