/**
 * Per-socket event rate limit: a client sending ten times the allowed rate gets the defined answer, and the
 * server stays responsive to the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as officialClient, type Socket as OfficialSocket } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { io as socketeerClient } from '../../src/client/index.js';
import { authenticate, rateLimit, type RateLimitOptions } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh } from '../../src/client/auth/index.js';
import { waitFor } from './helpers.js';

async function start(opts: RateLimitOptions) {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000 });
  const limiter = rateLimit(opts);
  io.use(limiter);
  const handled = new Map<string, number>();
  const errors = new Map<string, string[]>();
  const reasons: string[] = [];
  io.on('connection', (socket) => {
    socket.on('work', (n: number, ack: (r: unknown) => void) => {
      handled.set(socket.id, (handled.get(socket.id) ?? 0) + 1);
      if (typeof ack === 'function') ack({ ok: n });
    });
    socket.on('error', (err) => errors.set(socket.id, [...(errors.get(socket.id) ?? []), err.message]));
    socket.on('disconnect', (r) => reasons.push(r));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: OfficialSocket[] = [];
  return {
    io,
    limiter,
    handled,
    errors,
    reasons,
    client() {
      const c = officialClient(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
      clients.push(c);
      return c;
    },
    url,
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
      http.closeAllConnections();
    },
  };
}

test('10x the allowed rate: excess events are dropped with a "rate limited" ack, others are served meanwhile', async () => {
  // 10 events per 5 s (one more every 500 ms): the flood is far above 10x that rate
  const h = await start({ points: 10, duration: 5000, tolerance: Infinity });
  try {
    const abuser = h.client();
    const polite = h.client();
    await Promise.all([waitFor(abuser, 'connect'), waitFor(polite, 'connect')]);
    // 100 events at once from the abuser
    const answers = Promise.all(Array.from({ length: 100 }, (_, i) => abuser.timeout(3000).emitWithAck('work', i)));
    // the polite client is answered while the flood is handled
    const t0 = Date.now();
    const politeAnswers = await Promise.all([1, 2, 3].map((i) => polite.timeout(2000).emitWithAck('work', i)));
    const politeLatency = Date.now() - t0;
    assert.deepEqual(politeAnswers, [{ ok: 1 }, { ok: 2 }, { ok: 3 }]);
    assert.ok(politeLatency < 1000, `polite client answered in ${politeLatency} ms`);
    const results = await answers;
    const accepted = results.filter((r) => r.ok !== undefined);
    const limited = results.filter((r) => r.error === 'rate limited');
    assert.equal(accepted.length, 10);
    assert.equal(limited.length, 90);
    assert.ok(limited.every((r) => typeof r.retryAfter === 'number' && r.retryAfter > 0 && r.retryAfter <= 500));
    assert.deepEqual(accepted.map((r) => r.ok), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the first events pass, in order');
    assert.equal(h.handled.get(abuser.id!), 10, 'listeners never saw the dropped events');
    assert.equal(h.errors.get(abuser.id!)!.length, 90);
    assert.equal(h.errors.get(polite.id!), undefined);
    assert.deepEqual(h.limiter.stats(), { limited: 90, disconnected: 0, sockets: 2 });
    // after a while the bucket has refilled
    await new Promise((r) => setTimeout(r, 550));
    assert.deepEqual(await abuser.timeout(1000).emitWithAck('work', 'again'), { ok: 'again' });
    assert.equal(abuser.connected, true);
  } finally {
    await h.close();
  }
});

test('sustained abuse disconnects the socket with the reason "rate limited"; events without ack are dropped silently', async () => {
  const h = await start({ points: 5, duration: 1000, tolerance: 5 });
  try {
    const abuser = h.client();
    const polite = h.client();
    await Promise.all([waitFor(abuser, 'connect'), waitFor(polite, 'connect')]);
    const disconnected = waitFor<[string]>(abuser, 'disconnect');
    for (let i = 0; i < 50; i++) abuser.emit('work', i, () => {});
    const [reason] = await disconnected;
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(h.reasons, ['rate limited']);
    assert.equal(h.handled.get(abuser.id ?? '') ?? 5, 5);
    assert.equal(h.limiter.stats().disconnected, 1);
    assert.equal(h.limiter.stats().sockets, 1);
    assert.deepEqual(await polite.timeout(1000).emitWithAck('work', 1), { ok: 1 });
  } finally {
    await h.close();
  }
});

test('the Socketeer client gets the same answer; events without ack are dropped without reply', async () => {
  const h = await start({ points: 2, duration: 1000, tolerance: Infinity });
  const client = socketeerClient(h.url, { forceNew: true, reconnection: false });
  try {
    await waitFor(client, 'connect');
    client.emit('work', 'no-ack-1' as never);
    client.emit('work', 'no-ack-2' as never);
    client.emit('work', 'no-ack-3' as never);
    const r = await client.timeout(1000).emitWithAck('work' as never, 'x' as never);
    assert.equal((r as { error: string }).error, 'rate limited');
    assert.equal(h.handled.get(client.id!), 2);
    assert.equal(h.limiter.stats().limited, 2);
  } finally {
    client.disconnect();
    await h.close();
  }
});

test('refused sockets are not counted, credentials refreshes are exempt, recovered sockets are limited too', async () => {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, connectionStateRecovery: {} });
  const limiter = rateLimit({ points: 2, duration: 10000, tolerance: Infinity });
  io.use(limiter);
  authenticate(io, { verify: ({ token }) => (token === 'ok' ? { expiresAt: Date.now() + 60000 } : Promise.reject(new Error('no'))) });
  io.on('connection', (socket) => {
    socket.on('work', (n: number, ack: (r: unknown) => void) => ack({ ok: n }));
    socket.emit('hello'); // an offset for connection state recovery
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const refused = officialClient(url, { forceNew: true, reconnection: false, auth: { token: 'bad' } });
  const client = enableCredentialsRefresh(
    socketeerClient(url, { forceNew: true, reconnection: false, autoConnect: false, auth: { token: 'ok' } }),
  );
  const recovering = officialClient(url, {
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 50,
    auth: { token: 'ok' },
  });
  try {
    client.connect();
    await Promise.all([waitFor(refused, 'connect_error'), waitFor(client, 'connect'), waitFor(recovering, 'hello')]);
    assert.equal(limiter.stats().sockets, 2);
    // two events use the bucket; refreshes of credentials still pass
    assert.deepEqual(await client.timeout(1000).emitWithAck('work' as never, 1 as never), { ok: 1 });
    assert.deepEqual(await client.timeout(1000).emitWithAck('work' as never, 2 as never), { ok: 2 });
    assert.equal(((await client.timeout(1000).emitWithAck('work' as never, 3 as never)) as { error: string }).error, 'rate limited');
    await client.refreshCredentials();
    await client.refreshCredentials();
    assert.equal(client.connected, true);

    // a recovered socket skips middlewares: it is limited all the same
    const id = recovering.id;
    (recovering.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
    await waitFor(recovering, 'connect');
    assert.equal(recovering.recovered, true);
    assert.equal(recovering.id, id);
    const answers = await Promise.all([1, 2, 3, 4].map((n) => recovering.timeout(1000).emitWithAck('work', n)));
    assert.deepEqual(answers.map((a) => (a.ok !== undefined ? 'ok' : a.error)), ['ok', 'ok', 'rate limited', 'rate limited']);
    assert.equal(limiter.stats().sockets, 2);
  } finally {
    refused.disconnect();
    client.disconnect();
    recovering.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});

test('exempt events take no token: 50 of them, then an ordinary event is accepted', async () => {
  const h = await start({ points: 3, duration: 60000, tolerance: Infinity, exempt: (ev) => ev.startsWith('$credentials:') || ev === 'typing' });
  try {
    const client = h.client();
    await waitFor(client, 'connect');
    for (let i = 0; i < 25; i++) client.emit('$credentials:whatever', i);
    for (let i = 0; i < 25; i++) client.emit('typing', i);
    assert.deepEqual(await client.timeout(2000).emitWithAck('work', 1), { ok: 1 });
    assert.equal(h.limiter.stats().limited, 0);
    assert.deepEqual([...h.errors.values()], []);
  } finally {
    await h.close();
  }
});

test('by default, refreshes of clients that announced the extension are exempt; the same event from other clients counts', async () => {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000 });
  const limiter = rateLimit({ points: 3, duration: 60000, tolerance: Infinity });
  io.use(limiter);
  const verified: string[] = [];
  authenticate(io, {
    verify: ({ token }) => {
      verified.push(String(token));
      return { data: { userId: 'u' }, expiresAt: Date.now() + 60000 };
    },
  });
  io.on('connection', (socket) => socket.on('work', (n: number, ack: (r: unknown) => void) => ack({ ok: n })));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const announced = enableCredentialsRefresh(socketeerClient(url, { forceNew: true, reconnection: false, autoConnect: false, auth: { token: 'a' } }));
  const plain = officialClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: 'b' } });
  try {
    announced.connect();
    await Promise.all([waitFor(announced, 'connect'), waitFor(plain, 'connect')]);
    // 50 refreshes (most refused by the authenticator's own limits), then ordinary events still have their tokens
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => announced.timeout(3000).emitWithAck('$credentials:refresh' as never, { auth: { token: 'a' } } as never)),
    );
    assert.ok(answers.every((a) => a !== null && typeof a === 'object' && !('retryAfter' in (a as object))), JSON.stringify(answers.slice(0, 3)));
    assert.ok(verified.length <= 1 + 6);
    for (let n = 1; n <= 3; n++) assert.deepEqual(await announced.timeout(2000).emitWithAck('work' as never, n as never), { ok: n });
    // from a client that did not announce it, $credentials:refresh is an ordinary event: it takes a token
    for (let i = 0; i < 3; i++) plain.emit('$credentials:refresh', { auth: { token: 'x' } });
    assert.equal(((await plain.timeout(2000).emitWithAck('work', 1)) as { error: string }).error, 'rate limited');
  } finally {
    announced.disconnect();
    plain.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});
