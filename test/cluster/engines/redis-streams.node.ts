// The Redis Streams engine in an engine-suite node: our adapter, or @socket.io/redis-streams-adapter, on a client of
// the suite's private redis-server (ioredis, or the `redis` package when the bus info says `library: 'redis'`).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

async function redisClient(bus: Record<string, unknown>): Promise<unknown> {
  if (bus.library === 'redis') {
    const client = createClient({ url: `redis://127.0.0.1:${Number(bus.port)}`, socket: { reconnectStrategy: (n: number) => Math.min(n * 50, 300) } });
    client.on('error', () => {});
    await client.connect();
    return client;
  }
  const client = new Redis(Number(bus.port), '127.0.0.1', {
    retryStrategy: (times: number) => Math.min(times * 50, 300),
    maxRetriesPerRequest: null,
  });
  client.on('error', () => {});
  return client;
}

export async function createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown }> {
  const client = await redisClient(bus);
  if (kind === 'official') {
    const { createAdapter } = await import('@socket.io/redis-streams-adapter');
    return { adapter: createAdapter(client) };
  }
  const src = pathToFileURL(resolve(import.meta.dirname, '../../../src/server/adapters/redis-streams/index.ts')).href;
  const { createAdapter } = await import(src);
  return { adapter: createAdapter(client, { heartbeatInterval: 1000, heartbeatTimeout: 3000, pollingForwarding: !!bus.pollingForwarding }) };
}
