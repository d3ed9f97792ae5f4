// What the chat tells its clients, from Node.js with the official socket.io-client: an admin's kick arrives as
// `socketeer:disconnect` just before the DISCONNECT; a burst over the rate limit is refused message by message
// without cutting the socket; a reconnecting client is put back in the rooms its handshake names. And the page's
// wording (public/reasons.js) for each disconnect reason and each refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io as official, type Socket as OfficialSocket } from 'socket.io-client';
import { startChat, type Chat } from './app.js';
import type { SocketData } from './middleware.js';
import { MAX_REJOIN_ROOMS, roomsToRejoin } from './rejoin.js';

/** What public/reasons.js exports (a plain browser module, without type declarations). */
interface Reasons {
  RECONNECTING: string;
  afterDisconnect(reason: string, details: unknown, expired: boolean): { action: string; text?: string; level?: string; after?: number };
  notSent(err: unknown, res: unknown): { rateLimited: boolean; retryAfter?: number; text: string };
  retryIn(ms: number): string;
  sessionEnded(err: unknown, details: unknown): string;
}
// the page's own module, loaded as the browser does (plain JavaScript, no DOM needed)
const reasons = (await import(new URL('./public/reasons.js', import.meta.url).href)) as Reasons;

function once<T = unknown[]>(s: OfficialSocket, ev: string, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${ev}`)), ms);
    s.once(ev, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args as T);
    });
  });
}

async function client(chat: Chat, name: string, nsp = '/', auth: Record<string, unknown> = {}): Promise<OfficialSocket> {
  const { token } = await chat.auth.issueToken({ name, role: name === 'alice' ? 'admin' : 'user' });
  const s = official(chat.url + nsp, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token, ...auth } });
  await once(s, 'connect');
  return s;
}

const serverSocketOf = (chat: Chat, name: string) =>
  [...chat.io.of('/').sockets.values()].find((s) => (s.data as SocketData).user.name === name);

test('a kick from the dashboard reaches the official client as socketeer:disconnect, just before the DISCONNECT', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1' });
  try {
    const bob = await client(chat, 'bob');
    const admin = await client(chat, 'alice', '/admin');
    const seen: unknown[] = [];
    bob.onAny((...args) => seen.push(args));
    bob.on('disconnect', (reason) => seen.push(reason));
    const closed = once(bob, 'disconnect');
    const answer = await admin.timeout(8000).emitWithAck('kick', serverSocketOf(chat, 'bob')!.conn.id);
    assert.deepEqual(answer, { ok: true });
    await closed;
    const told = seen.filter((e) => !Array.isArray(e) || e[0] === 'socketeer:disconnect');
    assert.deepEqual(told, [['socketeer:disconnect', { reason: 'kicked', message: 'Disconnected by an admin' }], 'io server disconnect']);
    admin.close();
  } finally {
    await chat.close();
  }
});

test('a burst over the rate limit is refused message by message: every ack answers, the socket stays', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1', eventsPerSecond: 10 });
  try {
    const bob = await client(chat, 'bob');
    // the join takes one of the 10 events of the burst
    assert.deepEqual(await bob.timeout(8000).emitWithAck('room:join', 'general').then((r: { ok: boolean }) => r.ok), true);
    const id = serverSocketOf(chat, 'bob')!.id;
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => bob.timeout(8000).emitWithAck('message', { room: 'general', text: `burst ${i}` })),
    );
    const ok = acks.filter((a) => a.ok === true).length;
    const limited = acks.filter((a) => a.error === 'rate limited' && a.retryAfter > 0).length;
    assert.equal(ok + limited, 100, JSON.stringify(acks.slice(0, 3)));
    assert.ok(ok >= 9 && limited > 0, `${ok} delivered, ${limited} refused`);
    assert.equal(bob.connected, true);
    assert.equal(serverSocketOf(chat, 'bob')?.id, id, 'not cut');
    assert.equal(chat.limiter.stats().disconnected, 0);
    bob.close();
  } finally {
    await chat.close();
  }
});

test('a reconnecting client is put back in the rooms its handshake names, before its first message', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1' });
  try {
    const bob = await client(chat, 'bob', '/', { rooms: ['general', 'release', '../etc', 42] });
    const rooms = serverSocketOf(chat, 'bob')!.rooms;
    assert.ok(rooms.has('general') && rooms.has('release'), [...rooms].join());
    assert.ok(!rooms.has('../etc'));
    // no room:join first: the message lands in its room
    const res = await bob.timeout(8000).emitWithAck('message', { room: 'release', text: 'queued while away' });
    assert.equal(res.ok, true);
    bob.close();
  } finally {
    await chat.close();
  }
});

test('roomsToRejoin keeps valid names, once each, at most MAX_REJOIN_ROOMS', () => {
  const valid = (r: string) => /^[a-z]+$/.test(r);
  assert.deepEqual(roomsToRejoin(undefined, valid), []);
  assert.deepEqual(roomsToRejoin({ rooms: 'general' }, valid), []);
  assert.deepEqual(roomsToRejoin({ rooms: ['a', 'a', 'B', null, 'b'] }, valid), ['a', 'b']);
  const many = Array.from({ length: 50 }, (_, i) => 'r'.repeat(i + 1));
  assert.equal(roomsToRejoin({ rooms: many }, valid).length, MAX_REJOIN_ROOMS);
});

test('the page says each disconnect reason in plain words, never a transport error', () => {
  const { afterDisconnect, RECONNECTING } = reasons;
  assert.deepEqual(afterDisconnect('io server disconnect', { reason: 'rate limited', data: { retryAfter: 2300 } }, false), {
    action: 'later',
    after: 2300,
    level: 'warn',
    text: 'You were sending messages too fast. Reconnecting in 3 s…',
  });
  assert.equal(afterDisconnect('transport close', { reason: 'server shutting down' }, false).text, 'The server restarted, reconnecting…');
  assert.equal(afterDisconnect('transport close', { reason: 'server shutting down' }, false).action, 'auto');
  assert.deepEqual(afterDisconnect('io server disconnect', { reason: 'kicked', message: 'x' }, false), {
    action: 'manual',
    level: 'error',
    text: 'You were disconnected by an admin.',
  });
  assert.equal(afterDisconnect('io server disconnect', { reason: 'credentials expired' }, false).action, 'none');
  assert.equal(afterDisconnect('io client disconnect', undefined, false).action, 'none');
  assert.equal(afterDisconnect('io server disconnect', undefined, true).action, 'renew');
  assert.equal(afterDisconnect('io server disconnect', undefined, false).text, 'You were disconnected by the server.');
  assert.equal(afterDisconnect('io server disconnect', { reason: 'maintenance', message: 'Back at noon' }, false).text, 'The server disconnected you: Back at noon.');
  for (const reason of ['transport close', 'transport error', 'ping timeout', 'parse error']) {
    assert.deepEqual(afterDisconnect(reason, undefined, false), { action: 'auto', level: 'warn', text: RECONNECTING });
  }
});

test('the page says why a message was not sent, and when a session ended', () => {
  const { notSent, retryIn, sessionEnded } = reasons;
  assert.deepEqual(notSent(null, { error: 'rate limited', retryAfter: 800 }), { rateLimited: true, retryAfter: 800, text: 'You are sending messages too fast' });
  assert.deepEqual(notSent(new Error('operation has timed out'), undefined), { rateLimited: false, text: 'No answer from the server' });
  assert.deepEqual(notSent(null, { ok: false, error: 'Join the room first' }), { rateLimited: false, text: 'Join the room first' });
  assert.equal(retryIn(800), 'retry in 1 s');
  assert.equal(retryIn(2001), 'retry in 3 s');
  assert.equal(retryIn(0), 'retry now');
  assert.equal(sessionEnded(Object.assign(new Error('credentials expired'), { reason: 'credentials expired' }), undefined), 'Your session expired, sign in again.');
  assert.equal(sessionEnded(Object.assign(new Error('Invalid token'), { data: { code: 'BAD_TOKEN' } }), undefined), 'Invalid token (BAD_TOKEN). Please sign in again.');
});
