// The chat's credentials and limits from Node.js: tokens refreshed in place, a refused refresh, the event
// rate limit and the per-address connection cap, and their counters in the dashboard snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io as ioc, type Socket as ClientSocket } from '../../src/client/index.js';
import { enableCredentialsRefresh } from '../../src/client/auth/index.js';
import { startChat, type Chat } from './app.js';
import type { SocketData } from './middleware.js';
import { emptyGuard, mergeSnapshots, type Snapshot } from './metrics.js';

function once<T = any>(s: { once(ev: string, fn: (...a: any[]) => void): unknown }, ev: string, ms = 4000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${ev}`)), ms);
    s.once(ev, (arg: T) => {
      clearTimeout(t);
      resolve(arg);
    });
  });
}

/** A refresh-capable client whose `auth` asks `next()` for each token. */
function refreshing(chat: Chat, nsp: string, next: () => Promise<string>): ClientSocket {
  return enableCredentialsRefresh(
    ioc(chat.url + nsp, {
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      transports: ['websocket'],
      auth: (cb) => void next().then((token) => cb({ token })),
    }),
  );
}

test('a 2-second token is refreshed in place: same socket, same session, new token; counted on the dashboard', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 2 });
  try {
    let issued = 0;
    const s = refreshing(chat, '/', async () => {
      issued++;
      return (await chat.auth.issueToken({ name: 'bob', role: 'user' })).token;
    });
    const disconnects: string[] = [];
    s.on('disconnect', (r) => disconnects.push(r));
    s.connect();
    await once(s, 'connect');
    const id = s.id;
    const engineId = s.io.engine.id;
    const server = chat.io.of('/').sockets.get(id!)!;
    const firstToken = (server.data as SocketData).user.id;
    const refreshed = await once<{ expiresAt: Date | null }>(s, 'credentials_refresh', 3000);
    assert.ok(refreshed.expiresAt instanceof Date && refreshed.expiresAt.getTime() > Date.now());
    // wait past the first token's expiry: still connected, on the same socket and session
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(s.connected, true);
    assert.equal(s.id, id);
    assert.equal(s.io.engine.id, engineId);
    assert.deepEqual(disconnects, []);
    assert.ok(issued >= 2);
    assert.notEqual((server.data as SocketData).user.id, firstToken, 'socket.data.user carries the new token');
    const guard = chat.metrics.snapshot().guard;
    assert.ok(guard.refreshed >= 1, JSON.stringify(guard));
    assert.equal(guard.expired, 0);
    assert.equal(guard.refreshRefused, 0);
    s.disconnect();
  } finally {
    await chat.close();
  }
});

test('a refused refresh ends the socket with the server message and code; refusals and expiries are counted', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 2 });
  try {
    let n = 0;
    const s = refreshing(chat, '/', async () => (n++ === 0 ? (await chat.auth.issueToken({ name: 'bob', role: 'user' })).token : 'forged'));
    s.connect();
    await once(s, 'connect');
    const err = await once<Error & { data?: { code: string }; reason?: string }>(s, 'credentials_error', 3000);
    assert.equal(err.message, 'Invalid token');
    assert.deepEqual(err.data, { code: 'BAD_TOKEN' });
    assert.equal(err.reason, 'credentials refused');
    assert.equal(s.connected, false);
    // a client without the extension is cut at expiry
    const legacy = ioc(chat.url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: (await chat.auth.issueToken({ name: 'alice', role: 'user' })).token } });
    await once(legacy, 'connect');
    assert.equal(await once<string>(legacy, 'disconnect', 3000), 'io server disconnect');
    legacy.close();
    const guard = chat.metrics.snapshot().guard;
    assert.equal(guard.refreshRefused, 1);
    assert.equal(guard.expired, 1);
    assert.deepEqual(chat.metrics.snapshot().refusals, { 'refresh BAD_TOKEN': 1 }, 'the refused refresh is listed by code');
    // a refused CONNECT is counted by the authenticator too
    const refused = ioc(chat.url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: 'nope' } });
    await once(refused, 'connect_error');
    refused.close();
    assert.equal(chat.metrics.snapshot().guard.refused, 1);
  } finally {
    await chat.close();
  }
});

test('events over the rate are dropped and counted; connections over the per-address cap are refused and counted', async () => {
  const chat = await startChat({ port: 0, host: '127.0.0.1', eventsPerSecond: 5, maxConnectionsPerAddress: 2 });
  const open: ClientSocket[] = [];
  try {
    const token = (await chat.auth.issueToken({ name: 'bob', role: 'user' })).token;
    const connect = () => {
      const s = ioc(chat.url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token } });
      open.push(s);
      return s;
    };
    const s = connect();
    await once(s, 'connect');
    const acks: unknown[] = [];
    for (let i = 0; i < 8; i++) s.emit('room:join', 'general', (res: unknown) => acks.push(res));
    await new Promise((r) => setTimeout(r, 300));
    const limited = acks.filter((a) => (a as { error?: string }).error === 'rate limited');
    assert.equal(acks.length, 8);
    assert.ok(limited.length >= 2, JSON.stringify(acks));
    const guard = chat.metrics.snapshot().guard;
    assert.equal(guard.rateLimited, limited.length);
    assert.equal(guard.eventsPerSecond, 5);

    const second = connect();
    await once(second, 'connect');
    const third = connect();
    await once(third, 'connect_error');
    const after = chat.metrics.snapshot().guard;
    assert.equal(after.connectionRefusals, 1);
    assert.equal(after.maxConnectionsPerAddress, 2);
  } finally {
    for (const s of open) s.close();
    await chat.close();
  }
});

test('the cluster snapshot adds up the counters of every node and keeps each node line', () => {
  const node = (refreshed: number, rateLimited: number): Snapshot => ({
    at: 0,
    uptimeSeconds: 1,
    clients: [],
    namespaces: [],
    rooms: [],
    rates: { in: [], out: [], bytesIn: [], bytesOut: [] },
    refusals: {},
    totals: { eventsIn: 0, eventsOut: 0, bytesIn: 0, bytesOut: 0, connections: 0, refusals: 0 },
    transports: { websocket: 0, polling: 0 },
    handshakes: { refused: {}, upgrades: 0 },
    ack: { count: 0, sumSeconds: 0 },
    process: { cpuSeconds: 1, residentBytes: 0, heapUsedBytes: 0, eventLoopLagP99Seconds: 0 },
    guard: { ...emptyGuard(), refreshed, rateLimited, expired: 1, eventsPerSecond: 30, maxConnectionsPerAddress: 50 },
  });
  const merged = mergeSnapshots([
    { node: 'b', snapshot: node(3, 1) },
    { node: 'a', snapshot: node(4, 0) },
  ]);
  assert.equal(merged.guard.refreshed, 7);
  assert.equal(merged.guard.rateLimited, 1);
  assert.equal(merged.guard.expired, 2);
  assert.equal(merged.guard.maxConnectionsPerAddress, 50, 'a limit is per node: not added up');
  assert.deepEqual(merged.nodes!.map((n) => [n.id, n.guard.refreshed]), [['a', 4], ['b', 3]]);
  assert.equal(merged.process.cpuSeconds, 2, 'process figures add up over the nodes');
});
