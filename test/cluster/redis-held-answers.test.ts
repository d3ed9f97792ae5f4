// After a Redis outage a server's two connections come back one after the other. A server whose subscriber is back
// is counted by Redis and receives requests; while its publisher is still reconnecting its answers are held and
// sent once it is back, so the requester gets a complete answer instead of a timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { io as officialIo } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { createAdapter, createShardedAdapter } from '../../src/server/adapters/redis/index.js';
import { privateRedis } from './redis.js';
import { waitFor, sleep, waitForServerCount } from './cluster.js';

const redis = privateRedis();
const cleanups = redis.cleanups;

type Make = typeof createAdapter | typeof createShardedAdapter;

/** A server whose publishing connection reconnects after `retry.delay` ms (the test sets it). */
async function startNode(make: Make, key: string, retry: { delay: number }): Promise<{ io: Server; pub: Redis; port: number }> {
  const pub = new Redis(redis.server.port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => retry.delay });
  const sub = new Redis(redis.server.port, '127.0.0.1', { maxRetriesPerRequest: null });
  const http = createServer();
  const adapter = make === createAdapter ? createAdapter(pub, sub, { key }) : createShardedAdapter(pub, sub, { channelPrefix: key });
  const io = new Server(http, { adapter });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  await Promise.all([pub.ping(), sub.ping()]);
  cleanups.push(async () => {
    await io.close();
    pub.disconnect();
    sub.disconnect();
  });
  return { io, pub, port: (http.address() as { port: number }).port };
}

for (const [name, make] of [['classic', createAdapter], ['sharded', createShardedAdapter]] as Array<[string, Make]>) {
  test(`${name}: a server whose publisher is reconnecting answers fetchSockets once it is back`, async () => {
    const retry = { delay: 50 };
    const a = await startNode(make, `held-${name}`, retry);
    const b = await startNode(make, `held-${name}`, { delay: 50 });
    await waitForServerCount([a.io, b.io], 2);
    const client = officialIo(`http://127.0.0.1:${a.port}`, { transports: ['websocket'] });
    cleanups.push(() => client.close());
    await waitFor(() => client.connected, 5000, 'client connected to A');

    // A's publisher is cut and stays away for 1.5 s; its subscriber stays up
    retry.delay = 1500;
    const id = Number(await a.pub.client('ID'));
    const control = new Redis(redis.server.port, '127.0.0.1');
    cleanups.push(() => control.disconnect());
    await control.client('KILL', 'ID', String(id));
    await waitFor(() => a.pub.status !== 'ready', 2000, 'publisher down');

    const started = Date.now();
    const sockets = await b.io.timeout(5000).fetchSockets();
    assert.deepEqual(sockets.map((s) => s.id), [client.id], 'A answered with its socket');
    assert.ok(Date.now() - started >= 1000, `the answer waited for A's publisher (${Date.now() - started} ms)`);
    await sleep(50);
    assert.equal(a.pub.status, 'ready');
  });
}
