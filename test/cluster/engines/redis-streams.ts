// The Redis Streams engine's bus for the engine suites: a private redis-server on a free port.
import { resolve } from 'node:path';
import { RedisServer } from '../redis.js';
import type { BusServer } from './suite.js';

/** The node module of the Redis Streams engine. */
export const redisStreamsNodeModule = resolve(import.meta.dirname, 'redis-streams.node.ts');

/**
 * Starts a private redis-server.
 * @param library the client library the nodes use (`ioredis` or the `redis` package)
 */
export async function startRedisBus(library: 'ioredis' | 'redis'): Promise<BusServer> {
  const server = await RedisServer.start();
  return {
    info: { port: server.port, library },
    kill: () => server.kill(),
    restart: () => server.restart(),
    stop: () => server.stop(),
  };
}
