// What the Redis engine suites (pub/sub and Streams) share: a private redis-server as the suite's bus, and an
// emitter on an ioredis client of it, run in the test process.
import { Redis } from 'ioredis';
import { RedisServer } from '../redis.js';
import type { BusServer, TestEmitter } from './suite.js';

/**
 * @param info - what the node module reads besides the port (library, mode…)
 * @returns the fixture's `startBus`: a redis-server on a free port
 */
export function startRedisBus(info: Record<string, unknown>): () => Promise<BusServer> {
  return async () => {
    const server = await RedisServer.start();
    return {
      info: { port: server.port, ...info },
      kill: () => server.kill(),
      restart: () => server.restart(),
      stop: () => server.stop(),
    };
  };
}

/** An emitter class of the `@socket.io/redis-emitter` shape. */
type EmitterOn = (client: Redis) => { to(rooms: string[]): { emit(event: string, ...args: unknown[]): unknown } };

/**
 * @param make - builds the emitter on a client
 * @returns the fixture's `emitter`
 */
export function redisEmitter(make: EmitterOn): (bus: Record<string, unknown>) => Promise<TestEmitter> {
  return async (info) => {
    const client = new Redis(Number(info.port), '127.0.0.1');
    const e = make(client);
    return {
      emit: (rooms, event, ...args) => void e.to(rooms).emit(event, ...args),
      close: async () => void client.disconnect(),
    };
  };
}
