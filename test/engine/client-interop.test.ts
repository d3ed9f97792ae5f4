/**
 * The reference Engine.IO v4 client (engine.io-client@6) against this engine.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Socket as EioClient } from 'engine.io-client';
import { startEngine, nextConnection } from './helpers.js';

describe('engine.io-client@6 interop', () => {
  for (const transports of [['polling', 'websocket'], ['polling'], ['websocket']] as const) {
    test(`transports ${transports.join('+')}: messages, binary, heartbeat, close`, async () => {
      const h = await startEngine({ pingInterval: 80, pingTimeout: 10_000 });
      try {
        const conn = nextConnection(h.engine);
        const client = new EioClient(`http://127.0.0.1:${h.port}`, { path: '/engine.io', transports: [...transports] });
        const fromServer: unknown[] = [];
        const gotAll = new Promise<void>((resolve) =>
          client.on('message', (m) => {
            fromServer.push(m);
            if (fromServer.length === 2) resolve();
          }),
        );
        await new Promise<void>((resolve) => client.once('open', () => resolve()));
        const socket = await conn;
        if (transports.length === 2) {
          await new Promise<void>((resolve) => socket.once('upgrade', () => resolve()));
          assert.equal(socket.transport.name, 'websocket');
        }
        const fromClient: unknown[] = [];
        const gotClient = new Promise<void>((resolve) =>
          socket.on('message', (m) => {
            fromClient.push(m);
            if (fromClient.length === 2) resolve();
          }),
        );
        client.send('hello');
        client.send(new Uint8Array([1, 2, 3]));
        socket.send('world');
        socket.send(Buffer.from([4, 5]));
        await Promise.all([gotAll, gotClient]);
        assert.deepEqual(fromClient, ['hello', Buffer.from([1, 2, 3])]);
        assert.equal(fromServer[0], 'world');
        assert.deepEqual(Buffer.from(fromServer[1] as Uint8Array), Buffer.from([4, 5]));
        let heartbeats = 0;
        socket.on('heartbeat', () => heartbeats++);
        // two heartbeats go by (every 80 ms; the generous ping timeout keeps a busy machine from cutting the session)
        const deadline = Date.now() + 10_000;
        while (heartbeats < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(heartbeats >= 2, String(heartbeats));
        const reason = new Promise((resolve) => client.once('close', resolve));
        socket.close();
        assert.equal(await reason, 'transport close');
      } finally {
        await h.close();
      }
    });
  }
});
