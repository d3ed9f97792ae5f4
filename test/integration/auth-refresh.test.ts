/**
 * Credentials with a lifetime, end to end: the Socketeer client refreshing in place against the Socketeer
 * server, refusals, clients that never answer, and the official socket.io-client as the fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { io as officialClient, type Socket as OfficialSocket } from 'socket.io-client';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { io as socketeerClient, type Socket as ClientSocket } from '../../src/client/index.js';
import { authenticate, credentialsOf, type AuthenticateOptions, type Authenticator } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh, type CredentialsError, type RefreshableSocket } from '../../src/client/auth/index.js';
import { waitFor } from './helpers.js';

/** An in-memory token issuer: random tokens valid for a given time, revocable. */
class Tokens {
  private readonly tokens = new Map<string, { user: string; expiresAt: number }>();
  issued = 0;
  issue(user: string, ttl: number): string {
    const token = randomUUID();
    this.tokens.set(token, { user, expiresAt: Date.now() + ttl });
    this.issued++;
    return token;
  }
  revoke(token: string): void {
    this.tokens.delete(token);
  }
  /** The verify function of the server. */
  verify = async (auth: Record<string, any>): Promise<{ data: { user: string; token: string }; expiresAt: number }> => {
    const t = this.tokens.get(String(auth.token));
    if (!t) throw Object.assign(new Error('invalid token'), { data: { code: 'INVALID' } });
    return { data: { user: t.user, token: String(auth.token) }, expiresAt: t.expiresAt };
  };
}

interface Harness {
  io: Server;
  auth: Authenticator;
  url: string;
  tokens: Tokens;
  socketeer(opts?: Record<string, unknown>): RefreshableSocket<ClientSocket>;
  official(opts?: Record<string, unknown>): OfficialSocket;
  close(): Promise<void>;
}

async function start(authOpts: Partial<AuthenticateOptions> = {}, serverOpts: Partial<ServerOptions> = {}): Promise<Harness> {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, ...serverOpts });
  const tokens = new Tokens();
  const auth = authenticate(io, { verify: tokens.verify, refreshBefore: 1000, refreshTimeout: 1000, ...authOpts });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: Array<{ disconnect(): unknown; io: { engine?: { close(): unknown } } }> = [];
  return {
    io,
    auth,
    url,
    tokens,
    socketeer(opts = {}) {
      const socket = enableCredentialsRefresh(socketeerClient(url, { forceNew: true, reconnection: false, autoConnect: false, ...opts }));
      clients.push(socket as never);
      socket.connect();
      return socket;
    },
    official(opts = {}) {
      const socket = officialClient(url, { forceNew: true, reconnection: false, ...opts });
      clients.push(socket as never);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await io.close();
      http.closeAllConnections();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('a token expiring in 2 s is refreshed in place: same session and id, rooms kept, in-flight ack delivered, no disconnect', async () => {
  const h = await start({ refreshBefore: 1000, refreshTimeout: 1000 });
  try {
    const serverEvents: string[] = [];
    h.io.on('connection', (socket) => {
      socket.join('room-a');
      socket.on('disconnect', (reason) => serverEvents.push('disconnect:' + reason));
      // an ack answered 1.5 s later: in flight across the refresh
      socket.on('slow', (n: number, ack: (v: number) => void) => setTimeout(() => ack(n * 2), 1500));
    });
    let authCalls = 0;
    const client = h.socketeer({
      auth: (cb: (d: object) => void) => {
        authCalls++;
        cb({ token: h.tokens.issue('alice', 2000) });
      },
    });
    const events: string[] = [];
    client.on('disconnect', (reason) => events.push('disconnect:' + reason));
    client.on('credentials_refresh', (info) => events.push(info.expiresAt instanceof Date ? 'refresh' : 'refresh without expiry'));
    await waitFor(client, 'connect');
    const id = client.id;
    const engineId = client.io.engine!.id;
    const serverSocket = h.io.sockets.sockets.get(id!)!;
    assert.equal(credentialsOf(serverSocket)!.refreshable, true);
    assert.equal(serverSocket.data.user, 'alice');
    const firstToken = serverSocket.data.token;

    await sleep(700);
    const acked = new Promise<number>((resolve) => client.emit('slow', 21, resolve));
    const received: unknown[] = [];
    client.on('news', (v: unknown) => received.push(v));
    // the first token would expire at 2000 ms; stay connected well past it
    await sleep(2600);
    assert.equal(await acked, 42);
    h.io.to('room-a').emit('news', 'after refresh');
    await sleep(100);

    assert.deepEqual(received, ['after refresh']);
    assert.equal(client.connected, true);
    assert.equal(client.id, id);
    assert.equal(client.io.engine!.id, engineId);
    assert.ok(!events.some((e) => e.startsWith('disconnect')), events.join());
    assert.deepEqual(serverEvents, []);
    assert.ok(events.filter((e) => e === 'refresh').length >= 2, events.join());
    assert.ok(authCalls >= 3, `auth called ${authCalls} times`);
    const creds = credentialsOf(serverSocket)!;
    assert.ok(creds.refreshes >= 2);
    assert.ok(creds.expiresAt!.getTime() > Date.now());
    assert.ok(creds.refreshedAt instanceof Date);
    assert.notEqual(serverSocket.data.token, firstToken, 'socket.data is updated by the refresh');
    assert.deepEqual([...serverSocket.rooms].sort(), [id, 'room-a'].sort());
    assert.ok(client.credentialsExpiresAt instanceof Date && client.credentialsExpiresAt.getTime() === creds.expiresAt!.getTime());
    assert.equal(h.auth.stats().expired, 0);
    assert.ok(h.auth.stats().refreshed >= 2);
  } finally {
    await h.close();
  }
});

test('the announcement is not visible in handshake.auth, and verify does not see it', async () => {
  const seen: Array<Record<string, unknown>> = [];
  const h = await start({
    verify: async (auth) => {
      seen.push({ ...auth });
      return {};
    },
  });
  try {
    const handshakes: Array<Record<string, unknown>> = [];
    h.io.on('connection', (socket) => handshakes.push(socket.handshake.auth));
    const client = h.socketeer({ auth: { token: 'abc' } });
    await waitFor(client, 'connect');
    assert.deepEqual(seen, [{ token: 'abc' }]);
    assert.deepEqual(handshakes, [{ token: 'abc' }]);
    assert.equal(credentialsOf(h.io.sockets.sockets.get(client.id!)!)!.expiresAt, null);
  } finally {
    await h.close();
  }
});

test('a refresh the server refuses ends the connection with the server message and data', async () => {
  const h = await start({ refreshBefore: 1000, refreshTimeout: 1000 });
  try {
    let serverReason = '';
    h.io.on('connection', (socket) => socket.on('disconnect', (r) => (serverReason = r)));
    let calls = 0;
    const client = h.socketeer({
      // the first token is valid for 1.5 s; the next ones are unknown to the server
      auth: (cb: (d: object) => void) => cb({ token: calls++ === 0 ? h.tokens.issue('bob', 1500) : 'forged' }),
    });
    const order: string[] = [];
    let error: CredentialsError | undefined;
    client.on('credentials_error', (err) => {
      error = err;
      order.push('credentials_error');
    });
    client.on('disconnect', (reason) => order.push('disconnect:' + reason));
    await waitFor(client, 'connect');
    const start = Date.now();
    await waitFor(client, 'disconnect', 3000);
    assert.ok(Date.now() - start < 1500, 'cut as soon as the refresh is refused');
    assert.deepEqual(order, ['credentials_error', 'disconnect:credentials refused']);
    assert.equal(error!.message, 'invalid token');
    assert.deepEqual(error!.data, { code: 'INVALID' });
    assert.equal(error!.reason, 'credentials refused');
    assert.equal(serverReason, 'credentials refused');
    assert.equal(client.active, false, 'no automatic reconnection with refused credentials');
    assert.equal(h.auth.stats().refreshRefused, 1);
  } finally {
    await h.close();
  }
});

test('refreshCredentials(): explicit refresh resolves with the new expiry, or rejects with the server error', async () => {
  const h = await start({ refreshBefore: 1000 });
  try {
    let token = h.tokens.issue('carol', 60000);
    const client = h.socketeer({ auth: (cb: (d: object) => void) => cb({ token }) });
    await waitFor(client, 'connect');
    const serverSocket = h.io.sockets.sockets.get(client.id!)!;
    token = h.tokens.issue('carol', 120000);
    const refreshed = waitFor<[{ expiresAt: Date }]>(client, 'credentials_refresh');
    const info = await client.refreshCredentials();
    assert.ok(Math.abs(info.expiresAt!.getTime() - (Date.now() + 120000)) < 1000);
    assert.equal((await refreshed)[0].expiresAt!.getTime(), info.expiresAt!.getTime());
    assert.equal(credentialsOf(serverSocket)!.refreshes, 1);
    assert.equal(serverSocket.data.token, token);

    token = 'bogus';
    const errorEvent = waitFor<[CredentialsError]>(client, 'credentials_error');
    const disconnected = waitFor<[string]>(client, 'disconnect');
    await assert.rejects(client.refreshCredentials(), (err: CredentialsError) => err.message === 'invalid token' && (err.data as { code: string }).code === 'INVALID');
    assert.equal((await errorEvent)[0].message, 'invalid token');
    assert.equal((await disconnected)[0], 'credentials refused');
    await assert.rejects(client.refreshCredentials(), /not connected/);
  } finally {
    await h.close();
  }
});

test('a client that announced refresh but never answers is cut at expiry', async () => {
  const h = await start({ refreshBefore: 1000, refreshTimeout: 5000 });
  try {
    let serverReason = '';
    h.io.on('connection', (socket) => socket.on('disconnect', (r) => (serverReason = r)));
    // the official client speaks the extension's CONNECT announcement but never answers a refresh request
    const issuedAt = Date.now();
    const token = h.tokens.issue('dave', 1500);
    const client = h.official({ auth: { token, $credentials: 1 } });
    const events: unknown[][] = [];
    client.onAny((...args) => events.push(args));
    await waitFor(client, 'connect');
    const [reason] = await waitFor<[string]>(client, 'disconnect', 4000);
    // cut at the expiry of the token (not before), whatever the refresh timeout
    const elapsed = Date.now() - issuedAt;
    assert.ok(elapsed >= 1490 && elapsed < 2500, `cut ${elapsed} ms after the token was issued`);
    assert.equal(reason, 'io server disconnect');
    assert.equal(serverReason, 'credentials expired');
    // the refresh request, the disconnect details, then the error event (the official client shows them as plain events)
    assert.equal(events.length, 3);
    assert.equal(events[0]![0], '$credentials:refresh');
    assert.deepEqual(events[1], ['socketeer:disconnect', { reason: 'credentials expired' }]);
    assert.deepEqual(events[2], ['$credentials:error', { reason: 'credentials expired', message: 'credentials expired' }]);
    assert.equal(h.auth.stats().expired, 1);
  } finally {
    await h.close();
  }
});

test('the official socket.io-client is cut at expiry (fallback) and reconnects with a new token from its auth function', async () => {
  const h = await start({ refreshBefore: 1000, refreshTimeout: 1000 });
  try {
    const reasons: string[] = [];
    h.io.on('connection', (socket) => socket.on('disconnect', (r) => reasons.push(r)));
    let authCalls = 0;
    let issuedAt = 0;
    const client = h.official({
      auth: (cb: (d: object) => void) => {
        authCalls++;
        issuedAt = Date.now();
        cb({ token: h.tokens.issue('erin', 1200) });
      },
    });
    const events: unknown[] = [];
    client.onAny((ev) => events.push(ev));
    await waitFor(client, 'connect');
    const firstId = client.id;
    const [reason] = await waitFor<[string]>(client, 'disconnect', 3000);
    const elapsed = Date.now() - issuedAt;
    assert.ok(elapsed >= 1190 && elapsed < 2200, `cut ${elapsed} ms after the token was issued`);
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(reasons, ['credentials expired']);
    assert.deepEqual(events, ['socketeer:disconnect'], 'no extension event is sent to clients that did not announce it, only the reason');

    client.connect();
    await waitFor(client, 'connect');
    assert.equal(authCalls, 2);
    assert.notEqual(client.id, firstId);
    assert.equal(h.io.sockets.sockets.get(client.id!)!.data.user, 'erin');
  } finally {
    await h.close();
  }
});

test('credentials refused or already expired at CONNECT give a connect_error with the server message and data', async () => {
  const h = await start();
  try {
    const bad = h.official({ auth: { token: 'nope' } });
    const [err] = await waitFor<[Error & { data?: unknown }]>(bad, 'connect_error');
    assert.equal(err.message, 'invalid token');
    assert.deepEqual(err.data, { code: 'INVALID' });
    const expired = h.official({ auth: { token: h.tokens.issue('x', -1) } });
    const [err2] = await waitFor<[Error]>(expired, 'connect_error');
    assert.equal(err2.message, 'credentials expired');
    assert.equal(h.auth.stats().refused, 2);
    assert.equal(h.auth.stats().sockets, 0);
  } finally {
    await h.close();
  }
});

test('with polling only, the refresh in place works the same', async () => {
  const h = await start({ refreshBefore: 600, refreshTimeout: 600 });
  try {
    const client = h.socketeer({ transports: ['polling'], auth: (cb: (d: object) => void) => cb({ token: h.tokens.issue('fay', 1000) }) });
    const disconnects: string[] = [];
    client.on('disconnect', (r) => disconnects.push(r));
    await waitFor(client, 'connect');
    const id = client.id;
    await sleep(1800);
    assert.equal(client.connected, true);
    assert.equal(client.id, id);
    assert.deepEqual(disconnects, []);
    assert.ok(credentialsOf(h.io.sockets.sockets.get(id!)!)!.refreshes >= 2);
  } finally {
    await h.close();
  }
});

test('JWTs: the exp claim sets the expiry, tokens are refreshed in place before it', async () => {
  const { SignJWT, jwtVerify } = await import('jose');
  const key = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');
  const sign = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(key);
  const h = await start({
    refreshBefore: 1000,
    refreshTimeout: 1000,
    verify: async ({ token }) => {
      try {
        const { payload } = await jwtVerify(String(token), key);
        return { data: { user: payload.sub }, expiresAt: payload.exp };
      } catch (err) {
        throw Object.assign(new Error('not authorized'), { data: { reason: (err as Error).message } });
      }
    },
  });
  try {
    const client = h.socketeer({ auth: (cb: (d: object) => void) => void sign('gina').then((token) => cb({ token })) });
    const disconnects: string[] = [];
    client.on('disconnect', (r) => disconnects.push(r));
    await waitFor(client, 'connect');
    const socket = h.io.sockets.sockets.get(client.id!)!;
    const exp = credentialsOf(socket)!.expiresAt!.getTime();
    assert.equal(exp % 1000, 0, 'the expiry comes from the exp claim (seconds)');
    assert.ok(exp > Date.now() && exp <= Date.now() + 2000);
    await sleep(3000);
    assert.deepEqual(disconnects, []);
    assert.ok(credentialsOf(socket)!.refreshes >= 1);
    assert.ok(credentialsOf(socket)!.expiresAt!.getTime() > exp);
    assert.equal(socket.data.user, 'gina');
  } finally {
    await h.close();
  }
});

test('in a namespace: refresh in place with a server-to-client ack in flight; the main namespace is unaffected', async () => {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000 });
  const tokens = new Tokens();
  const auth = authenticate(io.of('/admin'), { verify: tokens.verify, refreshBefore: 700, refreshTimeout: 700 });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const admin = enableCredentialsRefresh(
    socketeerClient(url + '/admin', {
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      auth: (cb: (d: object) => void) => cb({ token: tokens.issue('root', 1200) }),
    }),
  );
  const main = admin.io.socket('/');
  try {
    admin.connect();
    main.connect();
    await Promise.all([waitFor(admin, 'connect'), waitFor(main, 'connect')]);
    // the client answers the server's question 1.5 s later, across the refresh
    admin.on('question', (q: string, ack: (a: string) => void) => setTimeout(() => ack(q + '!'), 1500));
    const serverSocket = io.of('/admin').sockets.get(admin.id!)!;
    const answer = serverSocket.timeout(4000).emitWithAck('question', 'why');
    const disconnects: string[] = [];
    admin.on('disconnect', (r) => disconnects.push('admin:' + r));
    main.on('disconnect', (r) => disconnects.push('main:' + r));
    await sleep(2000);
    assert.equal(await answer, 'why!');
    assert.deepEqual(disconnects, []);
    assert.ok(credentialsOf(serverSocket)!.refreshes >= 1);
    assert.equal(auth.stats().expired, 0);
    assert.equal(credentialsOf(io.sockets.sockets.get(main.id!)!), undefined, 'the main namespace is not authenticated');
  } finally {
    admin.disconnect();
    main.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});

test('credentials that arrive in time but are verified slowly get a grace period; a verification that never ends does not keep the socket', async () => {
  let refreshDelay = 0;
  const tokens = new Tokens();
  const h = await start({
    refreshBefore: 600,
    refreshTimeout: 600,
    verify: async (auth, socket) => {
      // the CONNECT is checked at once, refreshes take `refreshDelay`
      if (socket.connected) await (refreshDelay === Infinity ? new Promise(() => {}) : sleep(refreshDelay));
      return tokens.verify(auth);
    },
  });
  try {
    // the refresh is asked at ~600 ms, the deadline is the expiry (1200 ms); verification ends at ~1300 ms
    refreshDelay = 700;
    const slow = h.socketeer({ auth: (cb: (d: object) => void) => cb({ token: tokens.issue('hal', 1200) }) });
    const slowDisconnects: string[] = [];
    slow.on('disconnect', (r) => slowDisconnects.push(r));
    await waitFor(slow, 'connect');
    await waitFor(slow, 'credentials_refresh', 3000);
    assert.deepEqual(slowDisconnects, []);
    assert.equal(slow.connected, true);
    slow.disconnect();

    // a verification that never settles: cut at the deadline plus one refreshTimeout
    refreshDelay = Infinity;
    const issuedAt = Date.now();
    const stuck = h.socketeer({ auth: (cb: (d: object) => void) => cb({ token: tokens.issue('ivy', 1200) }) });
    await waitFor(stuck, 'connect');
    const [reason] = await waitFor<[string]>(stuck, 'disconnect', 4000);
    const elapsed = Date.now() - issuedAt;
    assert.equal(reason, 'credentials expired');
    assert.ok(elapsed >= 1750 && elapsed < 2800, `cut ${elapsed} ms after issuance`);
  } finally {
    await h.close();
  }
});
