// The chat server end to end from Node.js: HTTP API, token middleware, chat events, the admin feed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { io as ioc, type Socket as ClientSocket } from '../../src/client/index.js';
import { startChat, type Chat } from './app.js';
import { LOGIN_FAILURES_PER_MINUTE } from './http.js';

const sockets: ClientSocket[] = [];

/** Opens a client (no reconnection) that `after` closes. */
function client(chat: Chat, nsp: string, auth: Record<string, unknown>, transports = ['websocket']): ClientSocket {
  const s = ioc(chat.url + nsp, { forceNew: true, reconnection: false, auth, transports });
  sockets.push(s);
  return s;
}

function once<T = any>(s: { once(ev: string, fn: (...a: any[]) => void): unknown }, ev: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${ev}`)), ms);
    s.once(ev, (arg: T) => {
      clearTimeout(t);
      resolve(arg);
    });
  });
}

/** Resolves once the socket is connected (at once if it already is). */
function connected(s: ClientSocket): Promise<void> {
  return s.connected ? Promise.resolve() : once(s, 'connect');
}

/** Waits for an event whose argument satisfies `pred`. */
function onceWhere<T = any>(s: ClientSocket, ev: string, pred: (arg: T) => boolean, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (arg: T) => {
      if (!pred(arg)) return;
      clearTimeout(t);
      s.off(ev, fn);
      resolve(arg);
    };
    const t = setTimeout(() => {
      s.off(ev, fn);
      reject(new Error(`timeout waiting for ${ev}`));
    }, ms);
    s.on(ev, fn);
  });
}

async function post(chat: Chat, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(chat.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, cookie: res.headers.get('set-cookie') };
}

async function login(chat: Chat, username: string): Promise<string> {
  const res = await post(chat, '/api/login', { username, password: `${username}-password` });
  assert.equal(res.status, 200);
  return res.body.token;
}

describe('chat server', () => {
  let chat: Chat;
  before(async () => {
    chat = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 60, server: { pingInterval: 500, pingTimeout: 1000 } });
  });
  after(async () => {
    for (const s of sockets) s.disconnect();
    await chat.close();
  });

  test('pages and assets are served with a content security policy', async () => {
    const res = await fetch(chat.url + '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy')!, /script-src 'self'/);
    const html = await res.text();
    assert.ok(html.includes(`<script src="${chat.bundlePath}"></script>`));
    const bundle = await fetch(chat.url + chat.bundlePath);
    assert.equal(bundle.status, 200);
    assert.match((await bundle.text()).slice(0, 20000), /socket\.io|EIO/);
    assert.equal((await fetch(chat.url + '/dashboard')).status, 200);
    assert.equal((await fetch(chat.url + '/assets/chat.js')).status, 200);
    assert.equal((await fetch(chat.url + '/assets/../auth.ts')).status, 404);
  });

  test('login, refresh with the HttpOnly cookie, logout', async () => {
    const bad = await post(chat, '/api/login', { username: 'alice', password: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'BAD_CREDENTIALS');

    const ok = await post(chat, '/api/login', { username: 'bob', password: 'bob-password' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.user, { name: 'bob', role: 'user' });
    assert.equal(ok.body.expiresIn, 60);
    assert.ok(ok.body.expiresAt - ok.body.issuedAt > 59_000 && ok.body.expiresAt - ok.body.issuedAt <= 60_000);
    assert.match(ok.cookie!, /^chat_refresh=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = ok.cookie!.split(';')[0]!;

    const refreshed = await post(chat, '/api/token', {}, cookie);
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.token, ok.body.token);
    assert.equal((await chat.auth.verifyToken(refreshed.body.token)).name, 'bob');
    assert.equal((await post(chat, '/api/token')).body.code, 'NO_SESSION');
    // what a page asks on load: a token, or "nobody" without a failed request
    const resumed = await post(chat, '/api/session', {}, cookie);
    assert.equal(resumed.status, 200);
    assert.equal((await chat.auth.verifyToken(resumed.body.token)).name, 'bob');
    assert.deepEqual(await post(chat, '/api/session'), { status: 200, body: { user: null }, cookie: null });

    assert.equal((await post(chat, '/api/logout', {}, cookie)).status, 204);
    assert.equal((await post(chat, '/api/token', {}, cookie)).status, 401);
    assert.deepEqual((await post(chat, '/api/session', {}, cookie)).body, { user: null });
  });

  test('signing out disconnects every socket of the user, in both namespaces', async () => {
    const ok = await post(chat, '/api/login', { username: 'alice', password: 'alice-password' });
    const cookie = ok.cookie!.split(';')[0]!;
    const chatSocket = client(chat, '/', { token: ok.body.token });
    const dashboard = client(chat, '/admin', { token: ok.body.token });
    await Promise.all([connected(chatSocket), connected(dashboard)]);
    const bob = client(chat, '/', { token: await login(chat, 'bob') });
    await connected(bob);
    const reasons = Promise.all([once<string>(chatSocket, 'disconnect'), once<string>(dashboard, 'disconnect')]);
    assert.equal((await post(chat, '/api/logout', {}, cookie)).status, 204);
    assert.deepEqual(await reasons, ['io server disconnect', 'io server disconnect']);
    assert.ok(bob.connected, 'other users stay connected');
    bob.disconnect();
  });

  test('failed sign-ins are limited per address', async () => {
    const own = await startChat({ port: 0, host: '127.0.0.1' });
    try {
      for (let i = 0; i < LOGIN_FAILURES_PER_MINUTE; i++) {
        assert.equal((await post(own, '/api/login', { username: 'alice', password: `guess-${i}` })).status, 401);
      }
      const blocked = await post(own, '/api/login', { username: 'alice', password: 'alice-password' });
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.code, 'TOO_MANY_ATTEMPTS');
    } finally {
      await own.close();
    }
  });

  test('signup creates a user; JSON bodies only', async () => {
    const res = await post(chat, '/api/signup', { username: 'carol', password: 'carol-password' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.user, { name: 'carol', role: 'user' });
    assert.equal((await post(chat, '/api/signup', { username: 'carol', password: 'carol-password' })).body.code, 'NAME_TAKEN');
    const form = await fetch(chat.url + '/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=alice-password',
    });
    assert.equal(form.status, 400);
  });

  test('the middleware refuses missing, bad and expired tokens with connect_error data', async () => {
    const none = await once<any>(client(chat, '/', {}), 'connect_error');
    assert.equal(none.message, 'No token');
    assert.deepEqual(none.data, { code: 'NO_TOKEN' });
    const bad = await once<any>(client(chat, '/', { token: 'abc' }), 'connect_error');
    assert.deepEqual(bad.data, { code: 'BAD_TOKEN' });
    const short = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 1 });
    try {
      const issued = await short.auth.issueToken({ name: 'bob', role: 'user' });
      await new Promise((r) => setTimeout(r, issued.expiresAt - Date.now() + 50));
      const expired = await once<any>(client(short, '/', { token: issued.token }), 'connect_error');
      assert.equal(expired.message, 'Token expired');
      assert.deepEqual(expired.data, { code: 'TOKEN_EXPIRED' });
      assert.equal(short.metrics.snapshot().refusals.TOKEN_EXPIRED, 1);
    } finally {
      await short.close();
    }
    const snap = chat.metrics.snapshot();
    assert.ok(snap.refusals.NO_TOKEN! >= 1 && snap.refusals.BAD_TOKEN! >= 1);
  });

  test('/admin requires the admin role', async () => {
    const refused = await once<any>(client(chat, '/admin', { token: await login(chat, 'bob') }), 'connect_error');
    assert.equal(refused.message, 'Admin role required');
    assert.deepEqual(refused.data, { code: 'NOT_ADMIN' });
    const admin = client(chat, '/admin', { token: await login(chat, 'alice') });
    const snapshot = await once<any>(admin, 'snapshot');
    assert.ok(admin.connected);
    assert.ok(Array.isArray(snapshot.clients));
    assert.ok(chat.metrics.snapshot().refusals['/admin NOT_ADMIN']! >= 1);
    admin.disconnect();
  });

  test('rooms, acked messages, presence, volatile typing and binary images', async () => {
    const alice = client(chat, '/', { token: await login(chat, 'alice') });
    const bob = client(chat, '/', { token: await login(chat, 'bob') }, ['polling']);
    await Promise.all([connected(alice), connected(bob)]);

    const bad = await alice.emitWithAck('room:join', 'No Spaces!');
    assert.equal(bad.ok, false);
    const a = await alice.emitWithAck('room:join', 'lab');
    assert.deepEqual(a.users, ['alice']);
    const alicePresence = once<any>(alice, 'presence');
    const b = await bob.emitWithAck('room:join', 'lab');
    assert.deepEqual(b.users, ['alice', 'bob']);
    assert.deepEqual(await alicePresence, { room: 'lab', users: ['alice', 'bob'] });

    const received = once<any>(bob, 'message');
    const ack = await alice.emitWithAck('message', { room: 'lab', text: '  hello bob ' });
    assert.equal(ack.ok, true);
    const msg = await received;
    assert.equal(msg.text, 'hello bob');
    assert.equal(msg.from, 'alice');
    assert.equal(msg.id, ack.id);
    assert.equal((await bob.emitWithAck('message', { room: 'elsewhere', text: 'x' })).ok, false);

    const typing = once<any>(alice, 'typing');
    bob.volatile.emit('typing', { room: 'lab', typing: true });
    assert.deepEqual(await typing, { room: 'lab', user: 'bob', typing: true });

    const image = once<any>(bob, 'message');
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const imageAck = await alice.emitWithAck('image', { room: 'lab', type: 'image/png', name: 'dot.png', data: bytes.buffer });
    assert.equal(imageAck.ok, true);
    const got = await image;
    assert.equal(got.image.type, 'image/png');
    assert.deepEqual(new Uint8Array(got.image.data), bytes);
    assert.equal((await alice.emitWithAck('image', { room: 'lab', type: 'text/html', data: bytes.buffer })).ok, false);

    const late = client(chat, '/', { token: await login(chat, 'bob') });
    await connected(late);
    const joined = await late.emitWithAck('room:join', 'lab');
    assert.deepEqual(
      joined.history.map((m: any) => m.text ?? m.image.name),
      ['hello bob', 'dot.png'],
    );
    late.disconnect();

    // bob has two sockets in the room: he is listed until both are gone
    const left = onceWhere<any>(alice, 'presence', (p) => p.users.length === 1);
    bob.disconnect();
    assert.deepEqual(await left, { room: 'lab', users: ['alice'] });

    // the history of a room that empties is forgotten
    assert.deepEqual(await alice.emitWithAck('room:leave', 'lab'), { ok: true });
    const again = await alice.emitWithAck('room:join', 'lab');
    assert.deepEqual(again.history, []);
  });

  test('the dashboard snapshot lists clients, transports, rooms and event counts', async () => {
    const alice = client(chat, '/', { token: await login(chat, 'alice') });
    const bob = client(chat, '/', { token: await login(chat, 'bob') }, ['polling']);
    await Promise.all([connected(alice), connected(bob)]);
    await alice.emitWithAck('room:join', 'metrics');
    await bob.emitWithAck('room:join', 'metrics');
    const before = chat.metrics.snapshot().totals;
    await alice.emitWithAck('message', { room: 'metrics', text: 'counted' });
    const snap = chat.metrics.snapshot();
    assert.equal(snap.totals.eventsIn, before.eventsIn + 1);
    assert.ok(snap.totals.eventsOut > before.eventsOut, 'the broadcast counts as outgoing');
    const mine = snap.clients.filter((c) => c.id === alice.io.engine!.id || c.id === bob.io.engine!.id);
    assert.deepEqual(mine.map((c) => [c.user, c.transport]).sort(), [['alice', 'websocket'], ['bob', 'polling']]);
    assert.deepEqual(snap.rooms.find((r) => r.name === 'metrics'), { nsp: '/', name: 'metrics', members: 2 });
    assert.ok(!snap.rooms.some((r) => r.name.startsWith('user:')));
    assert.deepEqual(snap.namespaces.map((n) => n.name), ['/', '/admin']);
  });

  test('a connection is closed when its token expires', async () => {
    const short = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 4 });
    try {
      const issued = await short.auth.issueToken({ name: 'bob', role: 'user' });
      const s = client(short, '/', { token: issued.token });
      await connected(s);
      const told = once(s, 'session:expired', 20_000);
      const reason = await once<string>(s, 'disconnect', 20_000);
      await told;
      assert.equal(reason, 'io server disconnect');
      assert.ok(Date.now() >= issued.expiresAt - 5);
    } finally {
      await short.close();
    }
  });
});
