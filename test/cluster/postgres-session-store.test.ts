// The PostgreSQL session store of connection state recovery, on a private database: offsets in the order of the
// appends, a session taken once, the missed broadcasts filtered by rooms, and null when the session is unknown or
// expired or the offset is no longer kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { PostgresSessionStore } from '../../src/server/adapters/postgres/session-store.js';
import { TestDatabase } from './engines/postgres.js';

let db: TestDatabase;
let pool: pg.Pool;

before(async () => {
  db = await TestDatabase.create(undefined, false);
  pool = db.pool();
});

after(async () => {
  await pool.end();
  await db.drop();
});

test('appends get growing offsets in call order; a session is restored once with what reaches its rooms', async () => {
  const store = new PostgresSessionStore(pool, { nsp: '/', ttl: 60_000 });
  const other = new PostgresSessionStore(pool, { nsp: '/other', ttl: 60_000 });
  const offsets = await Promise.all([
    store.append({ data: ['a', 1], rooms: [], except: [] }),
    store.append({ data: ['b', Buffer.from([2])], rooms: ['news'], except: [] }),
    other.append({ data: ['elsewhere'], rooms: [], except: [] }),
    store.append({ data: ['c'], rooms: ['sports'], except: [] }),
    store.append({ data: ['d'], rooms: [], except: ['news'] }),
    store.append({ data: ['e'], rooms: ['news'], except: [] }),
  ]);
  const ours = [offsets[0], offsets[1], offsets[3], offsets[4], offsets[5]].map(Number);
  assert.deepEqual(ours, [...ours].sort((x, y) => x - y));
  await store.persist({ sid: 's1', pid: 'p1', rooms: ['s1', 'news'], data: { user: 7 } }, 60_000);
  const session = await store.restore('p1', offsets[0]!);
  assert.ok(session);
  assert.deepEqual({ sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data },
    { sid: 's1', pid: 'p1', rooms: ['s1', 'news'], data: { user: 7 } });
  assert.deepEqual(session.missedPackets.map((p) => p[0]), ['b', 'e']);
  assert.deepEqual([...(session.missedPackets[0]![1] as Buffer)], [2]);
  assert.equal(session.missedPackets[0]![2], offsets[1]);
  assert.equal(await store.restore('p1', offsets[0]!), null, 'taken once');
  store.close();
  other.close();
});

test('null for an unknown, expired or forgotten session, a malformed offset or one no longer kept', async () => {
  const store = new PostgresSessionStore(pool, { nsp: '/', ttl: 60_000 });
  const offset = await store.append({ data: ['x'], rooms: [], except: [] });
  assert.equal(await store.restore('nobody', offset), null);
  await store.persist({ sid: 's2', pid: 'p2', rooms: ['s2'], data: null }, 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await store.restore('p2', offset), null, 'expired');
  await store.persist({ sid: 's3', pid: 'p3', rooms: ['s3'], data: null }, 60_000);
  assert.equal(await store.restore('p3', 'not-an-offset'), null);
  await store.persist({ sid: 's4', pid: 'p4', rooms: ['s4'], data: null }, 60_000);
  assert.equal(await store.restore('p4', '999999999'), null, 'offset not kept');
  await store.persist({ sid: 's5', pid: 'p5', rooms: ['s5'], data: null }, 60_000);
  await store.forget('p5');
  assert.equal(await store.restore('p5', offset), null, 'forgotten');
  store.close();
});
