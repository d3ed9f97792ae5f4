// The engine acceptance suite on Redis pub/sub (`socketeer/redis` on the cluster core): classic with ioredis, alone
// and mixed with @socket.io/redis-adapter, with @socket.io/redis-emitter as the emitter; classic with the `redis`
// package (v4); sharded (SPUBLISH/SSUBSCRIBE), alone and mixed with the reference's sharded adapter. Pub/sub keeps
// no log: broadcasts sent while Redis is down are lost; recovery goes through the Redis session store.
import { resolve } from 'node:path';
import { Emitter } from '@socket.io/redis-emitter';
import { defineEngineSuite } from './engines/suite.js';
import { redisEmitter, startRedisBus } from './engines/redis-bus.js';

const nodeModule = resolve(import.meta.dirname, 'engines/redis.node.ts');
const emitter = redisEmitter((client) => new Emitter(client));

defineEngineSuite({ name: 'redis', nodeModule, official: true, emitter, startBus: startRedisBus({ library: 'ioredis', mode: 'classic' }) });
defineEngineSuite({ name: 'redis (redis v4)', nodeModule, startBus: startRedisBus({ library: 'redis', mode: 'classic' }) });
defineEngineSuite({ name: 'redis sharded', nodeModule, official: true, startBus: startRedisBus({ library: 'ioredis', mode: 'sharded' }) });
