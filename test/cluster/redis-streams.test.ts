// The engine acceptance suite on Redis Streams: with ioredis, alone and mixed with @socket.io/redis-streams-adapter;
// with the `redis` package (v4), alone.
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { RedisServer } from './redis.js';
import { Emitter } from '../../src/server/adapters/redis-streams/index.js';
import { defineEngineSuite, type BusServer } from './engines/suite.js';

async function startRedis(library: 'ioredis' | 'redis'): Promise<BusServer> {
  const server = await RedisServer.start();
  return {
    info: { port: server.port, library },
    kill: () => server.kill(),
    restart: () => server.restart(),
    stop: () => server.stop(),
  };
}

const nodeModule = resolve(import.meta.dirname, 'engines/redis-streams.node.ts');

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
