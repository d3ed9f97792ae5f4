/**
 * The reference Socket.IO server layer bound to this engine (`io.bind(engine)`), driven by the
 * reference clients: socket.io-client@4 (Engine.IO v4) and socket.io-client@2 (Engine.IO v3).
 * This checks the engine API against what a Socket.IO layer relies on.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Server as ReferenceIo } from 'socket.io';
import { io as ioV4 } from 'socket.io-client';
import { EngineServer } from '../../src/engine/server.js';
import type { EngineOptions } from '../../src/engine/options.js';

const require = createRequire(import.meta.url);
const ioV2 = require('socket.io-client-v2') as (url: string, opts: Record<string, unknown>) => any;

async function setup(opts: EngineOptions) {
  const http = createServer();
  const engine = new EngineServer(opts);
  engine.attach(http, { path: '/socket.io' });
  const io = new ReferenceIo();
  io.bind(engine as never);
  io.on('connection', (socket) => {
    socket.on('echo', (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.emit('welcome', { v: socket.conn.protocol }, Buffer.from([1, 2]));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    engine,
    io,
    close: async () => {
      io.close();
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

describe('reference Socket.IO layer on this engine', () => {
  for (const transports of [['polling', 'websocket'], ['websocket'], ['polling']]) {
    test(`socket.io-client@4 over ${transports.join('+')}: events, acks, binary, broadcast`, async () => {
      const s = await setup({ pingInterval: 200, pingTimeout: 400 });
      try {
        const client = ioV4(`http://127.0.0.1:${s.port}`, { transports, forceNew: true });
        const [welcome, bin] = await new Promise<[{ v: number }, Buffer]>((resolve) =>
          client.once('welcome', (w: { v: number }, b: Buffer) => resolve([w, b])),
        );
        assert.deepEqual(welcome, { v: 4 });
        assert.deepEqual(Buffer.from(bin), Buffer.from([1, 2]));
        const reply = await client.emitWithAck('echo', 'a', Buffer.from([3]), { n: 1 });
        assert.equal(reply, 'a');
        const [a, b, c] = await new Promise<unknown[]>((resolve) =>
          client.emit('echo', 'x', Buffer.from([3]), { n: 1 }, (...r: unknown[]) => resolve(r)),
        );
        assert.deepEqual([a, Buffer.from(b as Uint8Array), c], ['x', Buffer.from([3]), { n: 1 }]);
        const got = new Promise((resolve) => client.once('news', resolve));
        s.io.emit('news', 'all');
        assert.equal(await got, 'all');
        client.disconnect();
      } finally {
        await s.close();
      }
    });
  }

  test('socket.io-client@2 (Engine.IO v3) with allowEIO3: connect, events, acks, binary', async () => {
    const s = await setup({ allowEIO3: true, pingInterval: 200, pingTimeout: 400 });
    try {
      const client = ioV2(`http://127.0.0.1:${s.port}`, { forceNew: true, reconnection: false });
      const [welcome, bin] = await new Promise<[{ v: number }, Buffer]>((resolve) =>
        client.on('welcome', (w: { v: number }, b: Buffer) => resolve([w, b])),
      );
      assert.deepEqual(welcome, { v: 3 });
      assert.deepEqual(Buffer.from(bin), Buffer.from([1, 2]));
      const reply = await new Promise<unknown[]>((resolve) =>
        client.emit('echo', 'v2', Buffer.from([9]), (...r: unknown[]) => resolve(r)),
      );
      assert.equal(reply[0], 'v2');
      assert.deepEqual(Buffer.from(reply[1] as Uint8Array), Buffer.from([9]));
      // stays up across several v3 heartbeats (client pings)
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(client.connected, true);
      assert.equal(s.engine.clientsCount, 1);
      const transport = [...s.engine.clients.values()][0]!.transport.name;
      assert.equal(transport, 'websocket');
      client.close();
    } finally {
      await s.close();
    }
  });
});
