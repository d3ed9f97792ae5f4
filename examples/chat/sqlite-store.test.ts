import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatAuth } from './auth.js';
import { DB_FILE, SqliteStore } from './sqlite-store.js';
import { HISTORY } from './store.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'chat-store-'));

test('a reopened data folder keeps users, refresh sessions, the secret and the history', async (t) => {
  const dir = join(tempDir(), 'nested');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = SqliteStore.open(dir);
  assert.ok(existsSync(join(dir, DB_FILE)), 'the folder and the file are created');
  const auth = new ChatAuth({ store: first });
  await auth.addUser('carol', 'carol-password');
  const session = await auth.openSession({ name: 'carol', role: 'user' });
  const { token } = await auth.issueToken({ name: 'carol', role: 'user' });
  const image = { type: 'image/png', name: 'dot.png', data: Buffer.from([137, 80, 78, 71]) };
  await first.add({ id: '1', room: 'general', from: 'carol', at: 1, text: 'before the restart' });
  await first.add({ id: '2', room: 'general', from: 'carol', at: 2, image });
  first.close();

  const second = SqliteStore.open(dir);
  t.after(() => second.close());
  const again = new ChatAuth({ store: second });
  assert.deepEqual(await again.checkPassword('carol', 'carol-password'), { name: 'carol', role: 'user' });
  assert.deepEqual(await again.sessionUser(session), { name: 'carol', role: 'user' }, 'still signed in');
  assert.equal((await again.verifyToken(token)).name, 'carol', 'the same secret verifies old tokens');
  assert.deepEqual(await second.get('general'), [
    { id: '1', room: 'general', from: 'carol', at: 1, text: 'before the restart' },
    { id: '2', room: 'general', from: 'carol', at: 2, image },
  ]);
  assert.deepEqual(await second.get('random'), []);
});

test('the secret is generated once; seed users keep their first hashes', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  const a = await store.secret(new Uint8Array(32).fill(1));
  const b = await store.secret(new Uint8Array(32).fill(2));
  assert.deepEqual(b, a);
  assert.deepEqual(a, new Uint8Array(32).fill(1));
  const alice = await store.getUser('alice');
  assert.equal(alice, undefined);
  assert.equal(await store.addUser({ name: 'x', role: 'user', salt: Buffer.alloc(1), hash: Buffer.alloc(1) }), true);
  assert.equal(await store.addUser({ name: 'x', role: 'admin', salt: Buffer.alloc(2), hash: Buffer.alloc(2) }), false);
  assert.equal((await store.getUser('x'))?.role, 'user');
});

test('sessions expire and close; history is trimmed per room by count and image bytes', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  await store.openSession('gone', 'bob', -1);
  await store.openSession('live', 'bob', 60);
  assert.equal(await store.sessionName('gone'), null);
  assert.equal(await store.sessionName('live'), 'bob');
  await store.closeSession('live');
  assert.equal(await store.sessionName('live'), null);

  for (let i = 0; i < HISTORY + 5; i++) await store.add({ id: String(i), room: 'a', from: 'bob', at: i, text: `m${i}` });
  await store.add({ id: 'other', room: 'b', from: 'bob', at: 0, text: 'kept' });
  const a = await store.get('a');
  assert.equal(a.length, HISTORY);
  assert.equal(a[0]!.text, 'm5');
  assert.equal(a.at(-1)!.text, `m${HISTORY + 4}`);
  assert.equal((await store.get('b')).length, 1);
  await store.clear('b');
  assert.deepEqual(await store.get('b'), []);
  assert.equal((await store.get('a')).length, HISTORY, 'other rooms untouched');

  const big = { type: 'image/png', name: 'big.png', data: Buffer.alloc(1.5 * 1024 * 1024) };
  for (let i = 0; i < 4; i++) await store.add({ id: `img${i}`, room: 'c', from: 'bob', at: i, image: big });
  assert.deepEqual((await store.get('c')).map((m) => m.id), ['img2', 'img3'], 'at most 4 MiB of images');
});
