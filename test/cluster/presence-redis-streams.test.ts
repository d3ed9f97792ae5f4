// Presence on the Redis Streams engine: 3 node processes (and an official one) on a private redis-server.
import { resolve } from 'node:path';
import { definePresenceSuite } from './engines/presence-suite.js';
import { startRedisBus } from './engines/redis-bus.js';

const nodeModule = resolve(import.meta.dirname, 'engines/redis-streams.node.ts');

definePresenceSuite({ name: 'redis-streams', nodeModule, official: true, startBus: startRedisBus({ library: 'ioredis' }) });
