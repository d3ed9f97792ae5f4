/**
 * Credentials and connection state recovery: the credentials of a reconnection are verified BEFORE the session is
 * restored, so a client whose token was revoked gets `connect_error` and none of the packets it missed, and no
 * event of it is handled. Run with the in-memory adapter and with the Redis adapter (sessions stored in Redis).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { io as officialClient } from 'socket.io-client';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { createAdapter } from '../../src/server/adapters/redis/index.js';
import { authenticate, credentialsOf } from '../../src/server/auth/index.js';
import { RedisServer } from '../cluster/redis.js';
import { openRaw, type RawPeer } from './raw.js';
import { waitFor } from './helpers.js';

interface Backend {
  name: string;
  /** server options (the adapter) and the cleanup */
  setup(): Promise<{ opts: Partial<ServerOptions>; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'memory adapter', setup: async () => ({ opts: {}, stop: async () => {} }) },
  {
    name: 'Redis adapter',
    setup: async () => {
      const redis = await RedisServer.start();
      const pub = new Redis(redis.url);
      const sub = pub.duplicate();
      return {
        opts: { adapter: createAdapter(pub, sub) as ServerOptions['adapter'] },
        async stop() {
          pub.disconnect();
          sub.disconnect();
          await redis.stop();
        },
      };
    },
  },
];

/** Tokens: `user` by token; deleting a token revokes it. */
async function start(backend: Backend, tokens: Map<string, string>, verifyDelay = 0) {
  const { opts, stop } = await backend.setup();
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, connectionStateRecovery: {}, ...opts });
  const verified: string[] = [];
  const handled: unknown[] = [];
  const auth = authenticate(io, {
    verify: async ({ token }) => {
      verified.push(String(token));
      if (verifyDelay > 0) await new Promise((r) => setTimeout(r, verifyDelay));
      const user = tokens.get(String(token));
      if (user === undefined) throw Object.assign(new Error('revoked'), { data: { code: 'REVOKED' } });
      return { data: { userId: user, token }, expiresAt: Date.now() + 60000 };
    },
  });
  const reasons: string[] = [];
  io.on('connection', (socket) => {
    void socket.join('private:' + socket.data.userId);
    // an event gives the client an offset to recover from
    socket.emit('hello');
    socket.on('work', (n: unknown) => handled.push(n));
    socket.on('disconnect', (r) => reasons.push(r));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    auth,
    verified,
    handled,
    reasons,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await io.close();
      http.closeAllConnections();
      await stop();
    },
  };
}

type Harness = Awaited<ReturnType<typeof start>>;

/** Drops the client's WebSocket as a network failure would. */
function dropTransport(client: { io: { engine: unknown } }): void {
  (client.io.engine as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A raw client connected with `token`, which received `hello` (with its offset), then lost its connection;
 * meanwhile the server sent three events to its private room.
 * @returns the pid and offset to recover with
 */
async function connectThenMissThree(h: Harness, token: string, user: string): Promise<{ sid: string; session: { pid: string; offset: string } }> {
  const peer = await openRaw(h.port);
  peer.send('40' + JSON.stringify({ token }));
  const connect = JSON.parse((await peer.next((m) => m.startsWith('40'))).slice(2)) as { sid: string; pid: string };
  const hello = JSON.parse((await peer.next((m) => m.startsWith('42'))).slice(2)) as [string, string];
  assert.equal(hello[0], 'hello');
  const before = h.reasons.length;
  peer.close();
  await until(() => h.reasons.length > before);
  assert.equal(h.reasons.at(-1), 'transport close');
  for (let i = 1; i <= 3; i++) h.io.to('private:' + user).emit('secret' as never, i as never);
  // the Redis adapter stores the packets asynchronously
  await new Promise((r) => setTimeout(r, 100));
  return { sid: connect.sid, session: { pid: connect.pid, offset: hello[1] } };
}

/** Waits a moment, then returns the text messages of a raw peer other than pings. */
async function settle(peer: RawPeer): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 200));
  return peer.messages.filter((m): m is string => typeof m === 'string' && m !== '2');
}

for (const backend of backends) {
  test(`${backend.name}: a revoked token with pid/offset gets connect_error and none of the missed packets`, async () => {
    const tokens = new Map([
      ['a1', 'alice'],
      ['a2', 'alice'],
    ]);
    const h = await start(backend, tokens);
    try {
      // control: a valid token recovers, with the missed packets, after its verification
      const ok = await connectThenMissThree(h, 'a1', 'alice');
      const good = await openRaw(h.port);
      good.send('40' + JSON.stringify({ token: 'a2', ...ok.session }));
      await good.next((m) => m.startsWith('40'));
      const received = await settle(good);
      const secrets = received.filter((m) => m.startsWith('42["secret"'));
      assert.equal(secrets.length, 3, received.join(' | '));
      // missed packets go out right before the CONNECT reply, as with socket.io
      assert.ok(received.findIndex((m) => m.startsWith('40')) > received.findIndex((m) => m.startsWith('42["secret"')));
      assert.equal(JSON.parse(received.find((m) => m.startsWith('40'))!.slice(2)).sid, ok.sid);
      good.close();

      // a revoked token: CONNECT_ERROR only, nothing missed is sent
      const missed = await connectThenMissThree(h, 'a1', 'alice');
      tokens.delete('a1');
      tokens.delete('a2');
      const before = h.verified.length;
      const bad = await openRaw(h.port);
      bad.send('40' + JSON.stringify({ token: 'a2', ...missed.session }));
      const error = JSON.parse((await bad.next((m) => m.startsWith('44'))).slice(2));
      assert.deepEqual(error, { message: 'revoked', data: { code: 'REVOKED' } });
      const messages = await settle(bad);
      assert.deepEqual(messages.filter((m) => m.startsWith('42')), [], messages.join(' | '));
      assert.deepEqual(h.verified.slice(before), ['a2']);
      assert.equal(h.io.sockets.sockets.size, 0);
      bad.close();
    } finally {
      await h.close();
    }
  });
}

test('no event of a recovering client is handled before its credentials are verified', async () => {
  const tokens = new Map([['b1', 'bob']]);
  // a slow verification: the event below arrives while it runs
  const h = await start(backends[0]!, tokens, 150);
  try {
    const missed = await connectThenMissThree(h, 'b1', 'bob');
    tokens.delete('b1');
    const peer = await openRaw(h.port);
    peer.send('40' + JSON.stringify({ token: 'b1', ...missed.session }));
    // the first reply of the namespace: an event sent right after it would be handled by a connected socket
    const reply = await peer.next((m) => m.startsWith('4'));
    peer.send('42["work",1]');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(reply.slice(0, 2), '44');
    const messages = peer.messages.filter((m): m is string => typeof m === 'string');
    assert.deepEqual(messages.filter((m) => m.startsWith('42')), []);
    assert.deepEqual(h.handled, []);
    assert.equal(h.io.sockets.sockets.size, 0);
  } finally {
    await h.close();
  }
});

test('official client: recovered with the credentials of its reconnection, refused with connect_error once revoked', async () => {
  const tokens = new Map([
    ['t1', 'carol'],
    ['t2', 'carol'],
  ]);
  const h = await start(backends[0]!, tokens);
  let n = 0;
  const client = officialClient(h.url, {
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 50,
    auth: (cb) => cb({ token: ['t1', 't2', 't3'][n++] }),
  });
  const secrets: unknown[] = [];
  client.on('secret' as never, (v: unknown) => {
    secrets.push(v);
  });
  try {
    await Promise.all([waitFor(client, 'connect'), waitFor(client, 'hello')]);
    const id = client.id;
    // the transport drops: the server keeps the session, the client reconnects with its next token
    const lost = h.reasons.length;
    dropTransport(client);
    await until(() => h.reasons.length > lost);
    h.io.to('private:carol').emit('secret' as never, 1 as never);
    await waitFor(client, 'connect');
    assert.equal(client.recovered, true);
    assert.equal(client.id, id);
    await until(() => secrets.length === 1);
    assert.deepEqual(h.verified, ['t1', 't2']);
    const socket = h.io.sockets.sockets.get(id!)!;
    assert.equal(socket.data.token, 't2');
    assert.ok(credentialsOf(socket)!.expiresAt! > new Date());
    assert.ok(socket.rooms.has('private:carol'));

    // the next token is revoked: connect_error, and the session is not restored
    const cut = waitFor<[string]>(client, 'disconnect', 5000);
    const refused = waitFor<[Error & { data?: unknown }]>(client, 'connect_error', 5000);
    const lost2 = h.reasons.length;
    dropTransport(client);
    assert.equal((await cut)[0], 'transport close');
    await until(() => h.reasons.length > lost2);
    h.io.to('private:carol').emit('secret' as never, 2 as never);
    const [err] = await refused;
    assert.equal(err.message, 'revoked');
    assert.deepEqual(err.data, { code: 'REVOKED' });
    assert.deepEqual(h.verified, ['t1', 't2', 't3']);
    assert.equal(client.connected, false);
    assert.deepEqual(secrets, [1]);
    assert.equal(h.io.sockets.sockets.size, 0);
  } finally {
    client.disconnect();
    await h.close();
  }
});
