// The engine acceptance suite on Redis Streams: with ioredis, alone and mixed with @socket.io/redis-streams-adapter;
// with the `redis` package (v4), alone.
import { resolve } from 'node:path';
import { Emitter } from '../../src/server/adapters/redis-streams/index.js';
import { defineEngineSuite } from './engines/suite.js';
import { redisEmitter, startRedisBus } from './engines/redis-bus.js';

const nodeModule = resolve(import.meta.dirname, 'engines/redis-streams.node.ts');
const emitter = redisEmitter((client) => new Emitter(client));

defineEngineSuite({ name: 'redis-streams', nodeModule, official: true, officialRecovery: true, outageBuffered: true, emitter, startBus: startRedisBus({ library: 'ioredis' }) });
defineEngineSuite({ name: 'redis-streams (redis v4)', nodeModule, outageBuffered: true, startBus: startRedisBus({ library: 'redis' }) });
