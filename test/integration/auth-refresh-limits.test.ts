/**
 * The credentials extension under abuse: refresh floods (single flight, a rate for unsolicited refreshes),
 * identity switches (same principal by default), and refresh packets from clients that did not announce the
 * extension (an ordinary event of the application).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as officialClient } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { io as socketeerClient, type Socket as ClientSocket } from '../../src/client/index.js';
import { authenticate, credentialsOf, rateLimit, type AuthenticateOptions } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh, type CredentialsError, type RefreshableSocket } from '../../src/client/auth/index.js';
import { openRaw } from './raw.js';
import { waitFor } from './helpers.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/**
 * A server whose tokens are `<user>:<n>`; `verify` records every token it sees (`connects`: at CONNECT,
 * `refreshes`: on connected sockets) and takes `refreshDelay` ms for refreshes.
 */
async function start(opts: Partial<AuthenticateOptions> = {}, refreshDelay = 0, withRateLimit = false) {
  const http = createServer();
  // default heartbeat: a busy machine must not time the clients out during the flood
  const io = new Server(http);
  const connects: string[] = [];
  const refreshes: string[] = [];
  const revoked = new Set<string>();
  if (withRateLimit) io.use(rateLimit({ points: 10, duration: 1000, tolerance: 10 }));
  const auth = authenticate(io, {
    async verify({ token }, socket) {
      const t = String(token);
      (socket.connected ? refreshes : connects).push(t);
      if (socket.connected && refreshDelay > 0) await sleep(refreshDelay);
      const user = t.split(':')[0];
      if (!user || revoked.has(t)) throw Object.assign(new Error('invalid token'), { data: { code: 'INVALID' } });
      return { data: { userId: user, token: t }, expiresAt: Date.now() + 3_600_000 };
    },
    ...opts,
  });
  const disconnects: string[] = [];
  const appEvents: unknown[][] = [];
  const anyEvents: string[] = [];
  io.on('connection', (socket) => {
    void socket.join('user:' + socket.data.userId);
    socket.on('work', (n: number, ack: (r: unknown) => void) => ack({ ok: n }));
    socket.on('disconnect', (r) => disconnects.push(socket.data.userId + ':' + r));
    // what an application listening to every event sees
    socket.onAny((ev: string) => anyEvents.push(ev));
    // an application event of that name, on sockets that did not announce the extension
    if (!credentialsOf(socket)!.refreshable) socket.on('$credentials:refresh' as never, ((...args: unknown[]) => {
      appEvents.push(args);
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (v: unknown) => void)({ app: true });
    }) as never);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients: Array<{ disconnect(): unknown }> = [];
  return {
    io,
    auth,
    port,
    url,
    connects,
    refreshes,
    revoked,
    disconnects,
    appEvents,
    anyEvents,
    socketeer(auth: () => Record<string, unknown>): RefreshableSocket<ClientSocket> {
      const socket = enableCredentialsRefresh(
        socketeerClient(url, { forceNew: true, reconnection: false, autoConnect: false, auth: (cb) => cb(auth()) }),
      );
      clients.push(socket);
      socket.connect();
      return socket;
    },
    official(auth: Record<string, unknown>) {
      const socket = officialClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
      http.closeAllConnections();
    },
  };
}

test('a flood of 1,500 refreshes from one socket: verify runs a bounded number of times, the socket and the others carry on', async () => {
  // refreshes take 30 ms to verify; rateLimit installed (refreshes of announcing sockets are exempt from it)
  const h = await start({}, 30, true);
  try {
    const polite = h.socketeer(() => ({ token: 'bob:1' }));
    await waitFor(polite, 'connect');
    const peer = await openRaw(h.port);
    peer.send('40' + JSON.stringify({ token: 'eve:1', $credentials: 1 }));
    await peer.next((m) => m.startsWith('40'));
    const N = 1500;
    for (let i = 0; i < N; i++) peer.send(`42${i}["$credentials:refresh",{"auth":{"token":"eve:${i + 2}"}}]`);
    // meanwhile another client is served
    assert.deepEqual(await polite.timeout(5000).emitWithAck('work' as never, 1 as never), { ok: 1 });
    // every refresh is answered
    await until(() => peer.messages.filter((m) => typeof m === 'string' && m.startsWith('43')).length === N, 30000);
    const acks = peer.messages.filter((m): m is string => typeof m === 'string' && m.startsWith('43')).map((m) => JSON.parse(m.replace(/^43\d+/, ''))[0]);
    const outcome = (a: { expiresAt?: number; error?: { message: string } }) => (a.error ? a.error.message : 'accepted');
    const counts: Record<string, number> = {};
    for (const a of acks) counts[outcome(a)] = (counts[outcome(a)] ?? 0) + 1;
    // at most maxRefreshesPerMinute (6) verifications, one at a time; the rest refused without verify
    assert.ok(h.refreshes.length >= 1 && h.refreshes.length <= 6, `verify ran ${h.refreshes.length} times`);
    assert.equal(counts.accepted, h.refreshes.length);
    assert.ok((counts['refresh in progress'] ?? 0) > 0, JSON.stringify(counts));
    assert.equal((counts['refresh in progress'] ?? 0) + (counts['too many refreshes'] ?? 0) + counts.accepted!, N, JSON.stringify(counts));
    assert.equal(h.auth.stats().refreshThrottled, N - counts.accepted!);
    // refreshes sent one at a time after the flood: accepted until the budget is spent, then refused
    let last: { expiresAt?: number; error?: { message: string; data?: { retryAfter: number } } } = {};
    for (let i = 0; i < 7 && !last.error; i++) {
      peer.send(`42${N + i}["$credentials:refresh",{"auth":{"token":"eve:x${i}"}}]`);
      last = JSON.parse((await peer.next((m) => m.startsWith('43' + (N + i) + '['))).replace(/^43\d+/, ''))[0];
    }
    assert.equal(last.error?.message, 'too many refreshes');
    assert.ok(last.error!.data!.retryAfter > 0 && last.error!.data!.retryAfter <= 60000);
    assert.ok(h.refreshes.length <= 6, `verify ran ${h.refreshes.length} times`);
    // the flooding socket is still connected, and its ordinary events are served (its bucket is untouched)
    assert.deepEqual(h.disconnects, []);
    const eve = [...h.io.sockets.sockets.values()].find((s) => s.data.userId === 'eve')!;
    assert.equal(eve.connected, true);
    peer.send('42999999["work",7]');
    assert.equal(await peer.next((m) => m.startsWith('43999999')), '43999999[{"ok":7}]');
    assert.deepEqual(await polite.timeout(5000).emitWithAck('work' as never, 2 as never), { ok: 2 });
    peer.close();
  } finally {
    await h.close();
  }
});

test('unsolicited refreshes are limited by maxRefreshesPerMinute; a server request can always be answered once', async () => {
  const h = await start({ maxRefreshesPerMinute: 1 });
  try {
    let n = 1;
    const client = h.socketeer(() => ({ token: `ann:${n++}` }));
    await waitFor(client, 'connect');
    const socket = h.io.sockets.sockets.get(client.id!)!;
    await client.refreshCredentials();
    await assert.rejects(client.refreshCredentials(), (err: CredentialsError) => {
      assert.equal(err.message, 'too many refreshes');
      assert.ok((err.data as { retryAfter: number }).retryAfter > 0);
      return true;
    });
    assert.deepEqual(h.refreshes, ['ann:2']);
    assert.equal(client.connected, true);
    // a re-verification asks the client: its answer is accepted although the budget is spent
    const refreshed = waitFor(client, 'credentials_refresh');
    assert.deepEqual(await h.auth.reverify(socket), { kept: 1, disconnected: 0 });
    assert.deepEqual(h.refreshes, ['ann:2', 'ann:4']);
    assert.equal(socket.data.token, 'ann:4');
    assert.equal(credentialsOf(socket)!.refreshes, 2);
    // answered once: the next one is unsolicited again
    await refreshed;
    await sleep(10); // the client's own refresh promise settles after the event
    await assert.rejects(client.refreshCredentials(), /too many refreshes/);
    assert.deepEqual(h.refreshes, ['ann:2', 'ann:4']);
    assert.deepEqual(h.disconnects, []);
  } finally {
    await h.close();
  }
});

test('maxRefreshesPerMinute: 0 refuses every unsolicited refresh; a second refresh while one is verified is refused', async () => {
  const h = await start({ maxRefreshesPerMinute: 0 }, 200);
  try {
    const client = h.socketeer(() => ({ token: 'kim:1' }));
    await waitFor(client, 'connect');
    await assert.rejects(client.refreshCredentials(), (err: CredentialsError) => {
      assert.equal(err.message, 'too many refreshes');
      assert.deepEqual(err.data, { retryAfter: null });
      return true;
    });
    assert.deepEqual(h.refreshes, []);
    // a refresh request of the server; while its answer is verified (200 ms), another refresh is refused
    const socket = h.io.sockets.sockets.get(client.id!)!;
    const kept = h.auth.reverify(socket);
    await until(() => h.refreshes.length === 1);
    const second = await (client as unknown as ClientSocket)
      .timeout(2000)
      .emitWithAck('$credentials:refresh' as never, { auth: { token: 'kim:9' } } as never);
    assert.deepEqual(second, { error: { message: 'refresh in progress' } });
    assert.deepEqual(await kept, { kept: 1, disconnected: 0 });
    assert.deepEqual(h.refreshes, ['kim:1']);
  } finally {
    await h.close();
  }
});

test('same principal: alice refreshed with bob’s token is refused and stays alice, in her rooms, with her data', async () => {
  const h = await start();
  try {
    let token = 'alice:1';
    const client = h.socketeer(() => ({ token }));
    await waitFor(client, 'connect');
    const socket = h.io.sockets.sockets.get(client.id!)!;
    const dataBefore = structuredClone(socket.data);
    assert.equal(credentialsOf(socket)!.principal, 'alice');

    token = 'bob:1';
    await assert.rejects(client.refreshCredentials(), (err: CredentialsError) => err.message === 'principal changed');
    assert.deepEqual(h.refreshes, ['bob:1']);
    assert.equal(client.connected, true);
    assert.equal(socket.connected, true);
    assert.deepEqual(socket.data, dataBefore);
    assert.equal(credentialsOf(socket)!.principal, 'alice');
    assert.equal(credentialsOf(socket)!.refreshes, 0);
    assert.ok(socket.rooms.has('user:alice') && !socket.rooms.has('user:bob'));
    assert.equal(h.auth.stats().principalChanged, 1);
    const note = waitFor<[string]>(client, 'note');
    h.io.to('user:alice').emit('note' as never, 'for alice' as never);
    assert.deepEqual(await note, ['for alice']);

    // a re-verification checks the successor of alice's token, not bob's
    token = 'alice:2';
    assert.deepEqual(await h.auth.reverify(socket), { kept: 1, disconnected: 0 });
    assert.deepEqual(h.refreshes, ['bob:1', 'alice:2']);
    assert.equal(socket.data.token, 'alice:2');
    assert.equal(socket.data.userId, 'alice');
    assert.deepEqual(h.disconnects, []);
  } finally {
    await h.close();
  }
});

test('samePrincipal: false allows switching; a function decides; verify may name the principal', async () => {
  const open = await start({ samePrincipal: false });
  try {
    let token = 'alice:1';
    const client = open.socketeer(() => ({ token }));
    await waitFor(client, 'connect');
    const socket = open.io.sockets.sockets.get(client.id!)!;
    token = 'bob:1';
    await client.refreshCredentials();
    assert.equal(socket.data.userId, 'bob');
    assert.equal(credentialsOf(socket)!.principal, 'bob');
  } finally {
    await open.close();
  }

  // the principal is the tenant named by verify; switching users within a tenant is allowed by the rule
  const seen: Array<[unknown, unknown]> = [];
  const http = createServer();
  const io = new Server(http);
  authenticate(io, {
    verify: ({ token }) => {
      const [tenant, user] = String(token).split('/');
      return { data: { userId: user }, principal: tenant };
    },
    samePrincipal: (before, after) => {
      seen.push([before, after]);
      return before === after;
    },
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  let token = 'acme/alice';
  const client = enableCredentialsRefresh(
    socketeerClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      auth: (cb) => cb({ token }),
    }),
  );
  try {
    client.connect();
    await waitFor(client, 'connect');
    const socket = io.sockets.sockets.get(client.id!)!;
    token = 'acme/bob';
    await client.refreshCredentials();
    assert.equal(socket.data.userId, 'bob');
    token = 'globex/bob';
    await assert.rejects(client.refreshCredentials(), /principal changed/);
    assert.equal(credentialsOf(socket)!.principal, 'acme');
    assert.deepEqual(seen, [
      ['acme', 'acme'],
      ['acme', 'globex'],
    ]);
  } finally {
    client.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});

test('a client that did not announce the extension: $credentials:refresh is an ordinary event, verify is not called', async () => {
  const h = await start();
  try {
    const official = h.official({ token: 'olga:1' });
    await waitFor(official, 'connect');
    const answer = await official.timeout(2000).emitWithAck('$credentials:refresh', { auth: { token: 'mallory:1' } });
    assert.deepEqual(answer, { app: true });
    // the Socketeer client without enableCredentialsRefresh: the same
    const plain = socketeerClient(h.url, { forceNew: true, reconnection: false, auth: { token: 'paul:1' } });
    try {
      await waitFor(plain, 'connect');
      assert.deepEqual(await plain.timeout(2000).emitWithAck('$credentials:refresh' as never, { auth: { token: 'mallory:2' } } as never), { app: true });
    } finally {
      plain.disconnect();
    }
    assert.deepEqual(h.refreshes, []);
    assert.equal(h.appEvents.length, 2);
    assert.deepEqual(h.anyEvents, ['$credentials:refresh', '$credentials:refresh']);
    const socket = [...h.io.sockets.sockets.values()].find((s) => s.data.userId === 'olga')!;
    assert.equal(socket.data.token, 'olga:1');
    assert.equal(credentialsOf(socket)!.refreshes, 0);
  } finally {
    await h.close();
  }
});
