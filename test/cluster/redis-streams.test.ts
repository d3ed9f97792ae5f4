// The engine acceptance suite on Redis Streams: with ioredis, alone and mixed with @socket.io/redis-streams-adapter;
// with the `redis` package (v4), alone.
import { Redis } from 'ioredis';
import { Emitter } from '../../src/server/adapters/redis-streams/index.js';
import { defineEngineSuite } from './engines/suite.js';
import { redisStreamsNodeModule as nodeModule, startRedisBus as startRedis } from './engines/redis-streams.js';

async function emitter(info: Record<string, unknown>) {
  const client = new Redis(Number(info.port), '127.0.0.1');
  const e = new Emitter(client);
  return {
    emit: (rooms: string[], event: string, ...args: unknown[]) => void e.to(rooms).emit(event, ...args),
    close: async () => void client.disconnect(),
  };
}

defineEngineSuite({ name: 'redis-streams', nodeModule, official: true, officialRecovery: true, outageBuffered: true, emitter, startBus: () => startRedis('ioredis') });
defineEngineSuite({ name: 'redis-streams (redis v4)', nodeModule, outageBuffered: true, startBus: () => startRedis('redis') });
