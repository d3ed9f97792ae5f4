/**
 * Messages keep their order and none is lost across the polling → WebSocket upgrade, in both directions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, countdown, sleep } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

const TOTAL = 1000;

/** Calls send(i) for i in [0, TOTAL), 10 per timer tick, so the sends span the upgrade. */
function paced(send: (i: number) => void, transportName: () => string): Promise<string[]> {
  return new Promise((resolve) => {
    const used = new Set<string>();
    let i = 0;
    const tick = () => {
      for (let k = 0; k < 10 && i < TOTAL; k++, i++) {
        used.add(transportName());
        send(i);
      }
      if (i < TOTAL) setTimeout(tick, 1);
      else resolve([...used]);
    };
    tick();
  });
}

describe('upgrade', () => {
  it(`${TOTAL} numbered messages each way across the upgrade arrive complete and in order`, async () => {
    const h = await startServer({ pingInterval: 5000, pingTimeout: 5000 });
    try {
      const serverGot: number[] = [];
      const clientGot: number[] = [];
      const all = countdown(2 * TOTAL, 10000);
      // both sides start sending at once, while the session is still on polling
      const serverSide = new Promise<{ socket: Socket; transports: Promise<string[]>; upgraded: Promise<unknown> }>(
        (resolve) => {
          h.io.on('connection', (socket) => {
            socket.on('n', (n: number) => {
              serverGot.push(n);
              all.done();
            });
            const upgraded = waitFor(socket.conn, 'upgrade', 5000);
            const transports = paced(
              (i) => socket.emit('n', i),
              () => socket.conn.transport.name,
            );
            resolve({ socket, transports, upgraded });
          });
        },
      );
      const c = h.client('/');
      c.on('n', (n: number) => {
        clientGot.push(n);
        all.done();
      });
      const engine = c.io.engine as unknown as { transport: { name: string } };
      const clientTransports = await paced(
        (i) => c.emit('n', i),
        () => engine.transport.name,
      );
      const { socket, transports, upgraded } = await serverSide;
      const serverTransports = await transports;
      await upgraded;
      await all.promise;
      const expected = Array.from({ length: TOTAL }, (_, i) => i);
      assert.deepEqual(serverGot, expected);
      assert.deepEqual(clientGot, expected);
      assert.ok(serverTransports.includes('polling') && serverTransports.includes('websocket'), String(serverTransports));
      assert.ok(clientTransports.includes('polling') && clientTransports.includes('websocket'), String(clientTransports));
      assert.equal(socket.conn.transport.name, 'websocket');
    } finally {
      await h.close();
    }
  });

  it('acks and binary keep working across the upgrade', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => socket.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v)));
      const c = h.client('/');
      await waitFor(c, 'connect');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => c.timeout(3000).emitWithAck('echo', Buffer.from([i]))),
      );
      const engine = c.io.engine as unknown as { transport: { name: string } };
      for (let i = 0; i < 200 && engine.transport.name !== 'websocket'; i++) await sleep(10);
      results.forEach((r, i) => assert.deepEqual([...new Uint8Array(r as ArrayBuffer)], [i]));
      const after = await c.timeout(3000).emitWithAck('echo', Buffer.from([255]));
      assert.deepEqual([...new Uint8Array(after as ArrayBuffer)], [255]);
      assert.equal(engine.transport.name, 'websocket');
    } finally {
      await h.close();
    }
  });
});
