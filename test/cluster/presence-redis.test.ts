// Presence on the Redis pub/sub engine, classic and sharded: 3 node processes (and an official one) on a private
// redis-server.
import { resolve } from 'node:path';
import { definePresenceSuite } from './engines/presence-suite.js';
import { startRedisBus } from './engines/redis-bus.js';

const nodeModule = resolve(import.meta.dirname, 'engines/redis.node.ts');

definePresenceSuite({ name: 'redis', nodeModule, official: true, startBus: startRedisBus({ library: 'ioredis', mode: 'classic' }) });
definePresenceSuite({ name: 'redis sharded', nodeModule, official: true, startBus: startRedisBus({ library: 'ioredis', mode: 'sharded' }) });
