// Presence on the Redis Streams engine: 3 node processes (and an official one) on a private redis-server.
import { definePresenceSuite } from './engines/presence-suite.js';
import { redisStreamsNodeModule, startRedisBus } from './engines/redis-streams.js';

definePresenceSuite({ name: 'redis-streams', nodeModule: redisStreamsNodeModule, official: true, startBus: () => startRedisBus('ioredis') });
