import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisServer } from '../../../../test/cluster/redis.js';
import { wrapClient, type RedisConnection } from './client.js';

let redis: RedisServer;
const closers: Array<() => unknown> = [];

before(async () => {
  redis = await RedisServer.start();
});

after(async () => {
  for (const close of closers) await close();
  await redis.stop();
});

async function pair(lib: 'ioredis' | 'redis'): Promise<[RedisConnection, RedisConnection]> {
  if (lib === 'ioredis') {
    const pub = new Redis(redis.port, '127.0.0.1');
    const sub = pub.duplicate();
    closers.push(() => pub.disconnect(), () => sub.disconnect());
    return [wrapClient(pub), wrapClient(sub)];
  }
  const pub = createClient({ url: redis.url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  closers.push(() => pub.disconnect(), () => sub.disconnect());
  return [wrapClient(pub), wrapClient(sub)];
}

function collector(): { fn: (channel: string, msg: Buffer) => void; got: Array<[string, string]> } {
  const got: Array<[string, string]> = [];
  return { fn: (channel, msg) => got.push([channel, msg.toString()]), got };
}

const until = async (pred: () => boolean): Promise<void> => {
  const deadline = Date.now() + 2000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('unsupported clients are refused; a client is wrapped once', () => {
  assert.throws(() => wrapClient({}), TypeError);
  assert.throws(() => wrapClient(null), TypeError);
  const client = new Redis({ lazyConnect: true });
  assert.equal(wrapClient(client), wrapClient(client));
  assert.equal(wrapClient(client).library, 'ioredis');
  client.disconnect();
});

for (const lib of ['ioredis', 'redis'] as const) {
  test(`${lib}: channel and pattern handlers, shared subscriptions, subscriber counts, buffer replies`, async () => {
    const [pub, sub] = await pair(lib);
    assert.equal(pub.library, lib);
    assert.equal(pub.cluster, false);
    const a = collector();
    const b = collector();
    const p = collector();
    await sub.subscribe([`${lib}-ch`], a.fn);
    await sub.subscribe([`${lib}-ch`], b.fn);
    await sub.psubscribe(`${lib}-pat#*`, p.fn);
    assert.deepEqual(await pub.numsub([`${lib}-ch`, `${lib}-none`]), [1, 0]);
    await pub.publish(`${lib}-ch`, 'one');
    await pub.publish(`${lib}-pat#room#`, Buffer.from('two'));
    await until(() => a.got.length === 1 && b.got.length === 1 && p.got.length === 1);
    assert.deepEqual(p.got, [[`${lib}-pat#room#`, 'two']]);
    // removing one handler keeps the subscription for the other
    await sub.unsubscribe([`${lib}-ch`], a.fn);
    await pub.publish(`${lib}-ch`, 'three');
    await until(() => b.got.length === 2);
    assert.equal(a.got.length, 1);
    await sub.unsubscribe([`${lib}-ch`], b.fn);
    assert.deepEqual(await pub.numsub([`${lib}-ch`]), [0]);
    await sub.punsubscribe(`${lib}-pat#*`, p.fn);
    // sharded pub/sub works on a standalone Redis 7 too
    const s = collector();
    await sub.ssubscribe(`${lib}-shard`, s.fn);
    assert.deepEqual(await pub.numsub([`${lib}-shard`], true), [1]);
    await pub.spublish(`${lib}-shard`, 'four');
    await until(() => s.got.length === 1);
    await sub.sunsubscribe(`${lib}-shard`, s.fn);
    await pub.command(['SET', `${lib}-key`, Buffer.from([0, 255])], `${lib}-key`);
    const value = await pub.command(['GET', `${lib}-key`], `${lib}-key`);
    assert.ok(Buffer.isBuffer(value));
    assert.deepEqual([...(value as Buffer)], [0, 255]);
    assert.equal(pub.up, true);
  });
}

test('the connection state follows the server: down when Redis dies, up when it is back', async () => {
  const client = new Redis(redis.port, '127.0.0.1', { retryStrategy: () => 50 });
  client.on('error', () => {});
  closers.push(() => client.disconnect());
  const conn = wrapClient(client);
  await until(() => client.status === 'ready');
  const changes: boolean[] = [];
  conn.onState((up) => changes.push(up));
  await redis.kill();
  await until(() => changes.includes(false));
  assert.equal(conn.up, false);
  await redis.restart();
  await until(() => conn.up);
  assert.deepEqual(changes, [false, true]);
});
