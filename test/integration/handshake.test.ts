/**
 * The handshake as seen by middlewares, and middleware rejections, with the reference client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from './helpers.js';
import type { Handshake } from '../../src/server/index.js';

async function captureHandshake(
  clientOpts: Record<string, unknown>,
  serverOpts: Record<string, unknown> = {},
): Promise<{ handshake: Handshake; port: number }> {
  const h = await startServer(serverOpts);
  try {
    const seen = new Promise<Handshake>((resolve) => {
      h.io.use((socket, next) => {
        resolve(socket.handshake);
        next();
      });
    });
    const c = h.client('/', clientOpts);
    const handshake = await seen;
    await waitFor(c, 'connect');
    return { handshake, port: h.port };
  } finally {
    await h.close();
  }
}

describe('handshake', () => {
  it('exposes every field over polling: headers, extraHeaders, cookie, query, auth, address, url, time', async () => {
    const before = Date.now();
    const { handshake, port } = await captureHandshake({
      transports: ['polling'],
      extraHeaders: { 'x-custom': 'polling-value', cookie: 'session=abc; theme=dark' },
      query: { room: 'lobby', n: '42' },
      auth: { token: 'secret', nested: { a: 1 } },
    });
    assert.equal(handshake.headers['x-custom'], 'polling-value');
    assert.equal(handshake.headers.cookie, 'session=abc; theme=dark');
    assert.equal(handshake.headers.host, `127.0.0.1:${port}`);
    assert.equal(handshake.query.room, 'lobby');
    assert.equal(handshake.query.n, '42');
    assert.equal(handshake.query.EIO, '4');
    assert.equal(handshake.query.transport, 'polling');
    assert.equal(typeof handshake.query.t, 'string');
    assert.deepEqual(handshake.auth, { token: 'secret', nested: { a: 1 } });
    assert.match(handshake.address, /127\.0\.0\.1$/);
    assert.match(handshake.url, /^\/socket\.io\/\?room=lobby&n=42&EIO=4&transport=polling&t=/);
    assert.equal(handshake.xdomain, false);
    assert.equal(handshake.secure, false);
    assert.ok(handshake.issued >= before && handshake.issued <= Date.now());
    assert.equal(handshake.time, new Date(handshake.issued).toString());
  });

  it('exposes extraHeaders on a websocket-only connection from Node', async () => {
    const { handshake } = await captureHandshake({
      transports: ['websocket'],
      extraHeaders: { 'x-custom': 'ws-value', cookie: 'a=1' },
      query: { q: 'ws' },
    });
    assert.equal(handshake.headers['x-custom'], 'ws-value');
    assert.equal(handshake.headers.cookie, 'a=1');
    assert.equal(handshake.headers.upgrade, 'websocket');
    assert.equal(handshake.query.transport, 'websocket');
    assert.equal(handshake.query.q, 'ws');
    assert.deepEqual(handshake.auth, {});
  });

  it('exposes v2-style transportOptions.polling.extraHeaders', async () => {
    const { handshake } = await captureHandshake({
      transports: ['polling'],
      transportOptions: { polling: { extraHeaders: { 'x-legacy': 'v2-style' } } },
    });
    assert.equal(handshake.headers['x-legacy'], 'v2-style');
  });

  it('sets xdomain when an Origin header is present', async () => {
    const { handshake } = await captureHandshake({ extraHeaders: { origin: 'http://example.com' } }, { allowedOrigins: 'http://example.com' });
    assert.equal(handshake.xdomain, true);
    assert.equal(handshake.headers.origin, 'http://example.com');
  });
});

describe('middlewares', () => {
  it('a rejection reaches the client as connect_error with message and data', async () => {
    const h = await startServer();
    try {
      h.io.use((socket, next) => {
        const err = new Error('not authorized') as Error & { data?: unknown };
        err.data = { code: 401, reason: socket.handshake.auth.token };
        next(err);
      });
      let connected = false;
      h.io.on('connection', () => (connected = true));
      const c = h.client('/', { auth: { token: 'bad' } });
      const [err] = await waitFor<[Error & { data?: unknown }]>(c, 'connect_error');
      assert.equal(err.message, 'not authorized');
      assert.deepEqual(err.data, { code: 401, reason: 'bad' });
      assert.equal(connected, false);
      assert.equal(h.io.sockets.sockets.size, 0);
    } finally {
      await h.close();
    }
  });

  it('a rejection without data has no data', async () => {
    const h = await startServer();
    try {
      h.io.use((_socket, next) => next(new Error('nope')));
      const c = h.client('/');
      const [err] = await waitFor<[Error & { data?: unknown }]>(c, 'connect_error');
      assert.equal(err.message, 'nope');
      assert.equal(err.data, undefined);
    } finally {
      await h.close();
    }
  });

  it('runs middlewares in order, async, and sets socket.data', async () => {
    const h = await startServer();
    try {
      const order: string[] = [];
      h.io.use((socket, next) => {
        order.push('first');
        setTimeout(() => {
          socket.data.user = 'alice';
          next();
        }, 10);
      });
      h.io.use((socket, next) => {
        order.push('second:' + socket.data.user);
        next();
      });
      const conn = waitFor(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      await waitFor(c, 'connect');
      assert.deepEqual(order, ['first', 'second:alice']);
      assert.equal(socket.data.user, 'alice');
    } finally {
      await h.close();
    }
  });

  it('per-namespace middleware only applies to its namespace', async () => {
    const h = await startServer();
    try {
      h.io.of('/admin').use((socket, next) =>
        socket.handshake.auth.role === 'admin' ? next() : next(new Error('admins only')),
      );
      const main = h.client('/', { auth: { role: 'user' } });
      await waitFor(main, 'connect');
      const admin = h.client('/admin', { auth: { role: 'user' } });
      const [err] = await waitFor<[Error]>(admin, 'connect_error');
      assert.equal(err.message, 'admins only');
      const admin2 = h.client('/admin', { auth: { role: 'admin' } });
      await waitFor(admin2, 'connect');
      assert.equal(h.io.of('/admin').sockets.size, 1);
    } finally {
      await h.close();
    }
  });
});
