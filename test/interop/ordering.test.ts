/**
 * Ordering of incoming packets, against the reference: socket.io hands each incoming event to its listeners on
 * a later tick, so an EVENT followed by a DISCONNECT read at once (one polling payload, or two WebSocket
 * frames in one TCP write) is not handled — the socket has left by then. The same raw conversation is held
 * with `socket.io` and with Socketeer; what the server-side listeners observe must be the same.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { Server as Reference } from 'socket.io';
import { Server as Ours } from '../../src/server/index.js';
import { sleep, until } from './helpers.js';

type Transport = 'polling' | 'websocket';

interface Observed {
  /** the events (and catch-all calls) the server-side listeners saw, in order */
  seen: string[];
  /** the disconnect reason, if the socket left */
  reason: string | null;
}

/** A client text frame, masked (with a zero key, so the payload reads as is). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('short frames only');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/**
 * Opens a session and joins the main namespace by hand, then sends the given packets at once.
 * @param impl the server class
 * @param transport how the packets travel
 * @param packets Socket.IO packets, sent in one payload / one write
 */
async function run(impl: 'reference' | 'socketeer', transport: Transport, packets: string[]): Promise<Observed> {
  const http = createServer();
  const io: any = impl === 'reference' ? new Reference(http) : new Ours(http);
  const observed: Observed = { seen: [], reason: null };
  let connected = false;
  io.on('connection', (socket: any) => {
    connected = true;
    socket.onAny((ev: string) => observed.seen.push(`any:${ev}`));
    socket.on('x', () => observed.seen.push('x'));
    socket.on('y', () => observed.seen.push('y'));
    socket.on('disconnect', (reason: string) => (observed.reason = reason));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/socket.io/?EIO=4`;
  let ws: WebSocket | undefined;
  try {
    if (transport === 'polling') {
      const open = await (await fetch(`${base}&transport=polling`)).text();
      const sid = JSON.parse(open.slice(1)).sid as string;
      const url = `${base}&transport=polling&sid=${sid}`;
      assert.equal(await (await fetch(url, { method: 'POST', body: '40' })).text(), 'ok');
      assert.match(await (await fetch(url)).text(), /^40\{"sid"/);
      await until(() => connected, 3000, 'the connection');
      // every packet in one payload, separated by the record separator
      assert.equal(await (await fetch(url, { method: 'POST', body: packets.map((p) => '4' + p).join('\x1e') })).text(), 'ok');
    } else {
      ws = new WebSocket(`${base.replace('http', 'ws')}&transport=websocket`);
      const messages: string[] = [];
      ws.on('message', (data) => messages.push(data.toString()));
      await until(() => messages.length > 0, 3000, 'the open packet');
      ws.send('40');
      await until(() => messages.some((m) => m.startsWith('40{')), 3000, 'the CONNECT reply');
      await until(() => connected, 3000, 'the connection');
      // two frames, one write: the server reads them from the same chunk
      const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.write(Buffer.concat(packets.map((p) => clientFrame('4' + p))));
    }
    // the server has everything; give both implementations time to run whatever they will run
    await sleep(100);
    // a copy: closing the server below fires `disconnect` for a socket still connected
    return { seen: [...observed.seen], reason: observed.reason };
  } finally {
    ws?.terminate();
    io.close();
    http.closeAllConnections?.();
  }
}

describe('ordering of packets read at once: same result as socket.io', () => {
  const scenarios: Array<[string, string[]]> = [
    ['an event alone', ['2["x"]']],
    ['an event then a DISCONNECT', ['2["x"]', '1']],
    ['two events then a DISCONNECT', ['2["x"]', '2["y"]', '1']],
    ['a DISCONNECT then an event', ['1', '2["x"]']],
  ];
  for (const transport of ['polling', 'websocket'] as const) {
    for (const [name, packets] of scenarios) {
      it(`${name} (${transport})`, async () => {
        const reference = await run('reference', transport, packets);
        const ours = await run('socketeer', transport, packets);
        assert.deepEqual(ours, reference);
      });
    }
  }

  it('the reference drops an event followed by a DISCONNECT (the scenario is meaningful)', async () => {
    const reference = await run('reference', 'polling', ['2["x"]', '1']);
    assert.deepEqual(reference, { seen: ['any:x'], reason: 'client namespace disconnect' });
    const alone = await run('reference', 'polling', ['2["x"]']);
    assert.deepEqual(alone, { seen: ['any:x', 'x'], reason: null });
  });
});
