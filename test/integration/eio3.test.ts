/**
 * Socket.IO v2 clients (Engine.IO v3) with `allowEIO3`: implicit main namespace, namespace query in CONNECT,
 * bare-string CONNECT_ERROR, v2-style socket ids.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer, waitFor, until } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

type V2Socket = {
  id: string;
  connected: boolean;
  on(ev: string, fn: (...args: any[]) => void): V2Socket;
  once(ev: string, fn: (...args: any[]) => void): V2Socket;
  emit(ev: string, ...args: any[]): V2Socket;
  close(): void;
};

// socket.io-client@2 ships no type declarations
const ioV2 = createRequire(import.meta.url)('socket.io-client-v2') as (url: string, opts: object) => V2Socket;

const openV2 = (url: string, opts: Record<string, unknown> = {}): V2Socket =>
  ioV2(url, { forceNew: true, reconnection: false, ...opts });

for (const transports of [['polling'], ['websocket']]) {
  describe(`Socket.IO v2 clients over ${transports[0]}`, () => {
    it('connect to the main namespace implicitly; events, acks and binary both ways', async () => {
      const h = await startServer({ allowEIO3: true });
      const clients: V2Socket[] = [];
      try {
        const conn = waitFor<[Socket]>(h.io, 'connection');
        const c = openV2(h.url, { transports, query: { q: 'v2' } });
        clients.push(c);
        const [socket] = await conn;
        await waitFor(c, 'connect');
        assert.equal(socket.conn.protocol, 3);
        assert.equal(socket.id, socket.conn.id);
        assert.equal(c.id, socket.id);
        assert.equal(socket.handshake.query.q, 'v2');
        assert.equal(socket.handshake.query.EIO, '3');
        assert.deepEqual(socket.handshake.auth, {});
        socket.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v));
        const echoed = await new Promise((resolve) => c.emit('echo', { n: 1, b: Buffer.from([1, 2]) }, resolve));
        assert.equal((echoed as any).n, 1);
        assert.deepEqual([...(echoed as any).b], [1, 2]);
        const got = waitFor(c, 'bin');
        socket.emit('bin', Buffer.from([3, 4]), 'text');
        const [b, t] = await got;
        assert.deepEqual([...b], [3, 4]);
        assert.equal(t, 'text');
        const answer = new Promise((resolve) => socket.emit('ask', resolve));
        c.on('ask', (cb: (v: string) => void) => cb('answer'));
        assert.equal(await answer, 'answer');
      } finally {
        clients.forEach((c) => c.close());
        await h.close();
      }
    });

    it('a namespace query reaches handshake.auth and handshake.query, also on a shared connection', async () => {
      const h = await startServer({ allowEIO3: true });
      const clients: V2Socket[] = [];
      try {
        const conn = waitFor<[Socket]>(h.io.of('/team'), 'connection');
        const main = openV2(h.url, { transports });
        clients.push(main);
        await waitFor(main, 'connect');
        // same manager: the engine URL has no token, only the namespace CONNECT carries it
        const team = (main as unknown as { io: { socket(nsp: string, opts: object): V2Socket } }).io.socket('/team', {
          query: { token: 't1' },
        });
        clients.push(team);
        const [socket] = await conn;
        assert.deepEqual({ ...socket.handshake.auth }, { token: 't1' });
        assert.equal(socket.handshake.query.token, 't1');
        assert.equal(socket.handshake.query.EIO, '3');
      } finally {
        clients.forEach((c) => c.close());
        await h.close();
      }
    });

    it('namespace CONNECT carries its query into handshake.auth; middleware errors are bare strings', async () => {
      const h = await startServer({ allowEIO3: true });
      const clients: V2Socket[] = [];
      try {
        const admin = h.io.of('/admin');
        admin.use((s, next) =>
          s.handshake.auth.token === 'good' ? next() : next(Object.assign(new Error('refused'), { data: 'bad token' })),
        );
        const conn = waitFor<[Socket]>(admin, 'connection');
        const ok = openV2(h.url + '/admin', { transports, query: { token: 'good' } });
        clients.push(ok);
        const [socket] = await conn;
        await waitFor(ok, 'connect');
        assert.deepEqual({ ...socket.handshake.auth }, { token: 'good' });
        assert.equal(socket.handshake.query.token, 'good');
        assert.equal(socket.handshake.query.EIO, '3');
        assert.equal(socket.id, '/admin#' + socket.conn.id);
        assert.equal(ok.id, socket.id);
        const bad = openV2(h.url + '/admin', { transports, query: { token: 'bad' } });
        clients.push(bad);
        assert.deepEqual(await waitFor(bad, 'error'), ['bad token']);
        const noData = openV2(h.url + '/other', { transports });
        clients.push(noData);
        h.io.of('/other').use((_s, next) => next(new Error('just a message')));
        assert.deepEqual(await waitFor(noData, 'error'), ['just a message']);
        const nope = openV2(h.url + '/nope', { transports });
        clients.push(nope);
        assert.deepEqual(await waitFor(nope, 'error'), [{ message: 'Invalid namespace' }]);
      } finally {
        clients.forEach((c) => c.close());
        await h.close();
      }
    });

    it('disconnects: client namespace disconnect and server disconnect', async () => {
      const h = await startServer({ allowEIO3: true });
      const clients: V2Socket[] = [];
      try {
        const conn = waitFor<[Socket]>(h.io, 'connection');
        const c = openV2(h.url, { transports });
        clients.push(c);
        const [socket] = await conn;
        await waitFor(c, 'connect');
        const reason = waitFor(c, 'disconnect');
        socket.disconnect();
        assert.equal((await reason)[0], 'io server disconnect');
        const conn2 = waitFor<[Socket]>(h.io, 'connection');
        const c2 = openV2(h.url, { transports });
        clients.push(c2);
        const [socket2] = await conn2;
        await waitFor(c2, 'connect');
        const serverReason = waitFor(socket2, 'disconnect');
        c2.close();
        assert.match((await serverReason)[0], /client namespace disconnect|transport close/);
        await until(() => h.io.sockets.sockets.size === 0);
      } finally {
        clients.forEach((c) => c.close());
        await h.close();
      }
    });
  });
}

it('without allowEIO3, v2 clients cannot connect', async () => {
  const h = await startServer();
  const c = openV2(h.url, { transports: ['polling'] });
  try {
    const [err] = await waitFor(c, 'connect_error');
    assert.ok(err);
    assert.equal(h.io.sockets.sockets.size, 0);
  } finally {
    c.close();
    await h.close();
  }
});
