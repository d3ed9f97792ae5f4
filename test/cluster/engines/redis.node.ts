// The Redis pub/sub engine in an engine-suite node: our adapter (classic, or sharded when the bus info says
// `mode: 'sharded'`), or @socket.io/redis-adapter 8.3 in the same mode, on two clients (publisher and subscriber)
// of the suite's private redis-server: ioredis, or the `redis` package when the bus info says `library: 'redis'`.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

async function redisClient(bus: Record<string, unknown>): Promise<{ client: any; close(): Promise<void> }> {
  if (bus.library === 'redis') {
    const client = createClient({ url: `redis://127.0.0.1:${Number(bus.port)}`, socket: { reconnectStrategy: (n: number) => Math.min(n * 50, 300) } });
    client.on('error', () => {});
    await client.connect();
    return { client, close: async () => void (await client.disconnect().catch(() => {})) };
  }
  const client = new Redis(Number(bus.port), '127.0.0.1', { retryStrategy: (times: number) => Math.min(times * 50, 300), maxRetriesPerRequest: null });
  client.on('error', () => {});
  return { client, close: async () => void client.disconnect() };
}

export async function createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown; close(): Promise<void> }> {
  const [pub, sub] = await Promise.all([redisClient(bus), redisClient(bus)]);
  const close = async (): Promise<void> => void (await Promise.all([pub.close(), sub.close()]));
  const sharded = bus.mode === 'sharded';
  if (kind === 'official') {
    const ref = await import('@socket.io/redis-adapter');
    return { adapter: sharded ? ref.createShardedAdapter(pub.client, sub.client) : ref.createAdapter(pub.client, sub.client), close };
  }
  const src = pathToFileURL(resolve(import.meta.dirname, '../../../src/server/adapters/redis/index.ts')).href;
  const ours = await import(src);
  const opts = { heartbeatInterval: 1000, heartbeatTimeout: 3000, pollingForwarding: !!bus.pollingForwarding };
  return { adapter: sharded ? ours.createShardedAdapter(pub.client, sub.client, opts) : ours.createAdapter(pub.client, sub.client, opts), close };
}
