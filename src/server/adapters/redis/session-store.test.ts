import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisServer } from '../../../../test/cluster/redis.js';
import { wrapClient } from './client.js';
import { RedisSessionStore } from './session-store.js';

let redis: RedisServer;
let io: Redis;
let nr: ReturnType<typeof createClient>;

before(async () => {
  redis = await RedisServer.start();
  io = new Redis(redis.port, '127.0.0.1');
  nr = createClient({ url: redis.url });
  await nr.connect();
});

after(async () => {
  io.disconnect();
  await nr.quit();
  await redis.stop();
});

for (const lib of ['ioredis', 'redis'] as const) {
  test(`${lib}: a saved session comes back once, with the broadcasts it missed in its rooms`, async () => {
    const conn = wrapClient(lib === 'ioredis' ? io : nr);
    const store = new RedisSessionStore(conn, { key: `k-${lib}`, nsp: '/', maxDisconnectionDuration: 5000 });
    const first = await store.append({ data: ['a', 1], rooms: [], except: [] });
    assert.match(first, /^\d+-\d+$/);
    await store.persist({ sid: 's1', pid: 'p1', rooms: ['s1', 'blue'], data: { n: 1 } });
    const o2 = await store.append({ data: ['b', Buffer.from([7])], rooms: ['blue'], except: [] });
    await store.append({ data: ['c'], rooms: ['red'], except: [] });
    await store.append({ data: ['d'], rooms: [], except: ['blue'] });
    const o5 = await store.append({ data: ['e'], rooms: ['s1'], except: [] });
    const restored = await store.restore('p1', first);
    assert.ok(restored);
    assert.equal(restored.sid, 's1');
    assert.deepEqual(restored.rooms, ['s1', 'blue']);
    assert.deepEqual(restored.data, { n: 1 });
    assert.equal(restored.missedPackets.length, 2);
    assert.equal(restored.missedPackets[0]![0], 'b');
    assert.deepEqual([...(restored.missedPackets[0]![1] as Buffer)], [7]);
    assert.equal(restored.missedPackets[0]![2], o2);
    assert.deepEqual(restored.missedPackets[1], ['e', o5]);
    assert.equal(await store.restore('p1', first), null, 'a session is restored once');
  });
}

test('unknown offsets, unknown sessions and expired sessions are not restored', async () => {
  const store = new RedisSessionStore(wrapClient(io), { key: 'exp', nsp: '/', maxDisconnectionDuration: 100 });
  const off = await store.append({ data: ['x'], rooms: [], except: [] });
  await store.persist({ sid: 's', pid: 'p', rooms: [], data: null });
  assert.equal(await store.restore('p', '1-0'), null, 'offset not in the history');
  await store.persist({ sid: 's', pid: 'p', rooms: [], data: null });
  assert.equal(await store.restore('p', 'not-an-offset'), null);
  assert.equal(await store.restore('nope', off), null);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await store.restore('p', off), null, 'expired');
});

test('the history is paged: more than one page of missed broadcasts arrive in order', async () => {
  const store = new RedisSessionStore(wrapClient(io), { key: 'page', nsp: '/x', maxDisconnectionDuration: 5000 });
  const start = await store.append({ data: ['start'], rooms: [], except: [] });
  await store.persist({ sid: 's', pid: 'pp', rooms: ['s'], data: null });
  for (let i = 0; i < 1200; i++) void store.append({ data: ['n', i], rooms: [], except: [] });
  await store.append({ data: ['end'], rooms: [], except: [] });
  const restored = (await store.restore('pp', start))!;
  assert.equal(restored.missedPackets.length, 1201);
  restored.missedPackets.slice(0, 1200).forEach((p, i) => assert.equal(p[1], i));
});
