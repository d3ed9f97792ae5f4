/**
 * `socketeer/redis-streams`: run several Socketeer servers sharing rooms, broadcasts and connection state recovery
 * over Redis Streams (a node that loses Redis catches up from the stream; a client recovers on any node, even when
 * its server died). Wire-compatible with `@socket.io/redis-streams-adapter` 0.3.
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createAdapter } from 'socketeer/redis-streams';
 * const io = new Server(httpServer, { adapter: createAdapter(new Redis()), connectionStateRecovery: {} });
 * new Emitter(new Redis()).to('news').emit('headline', 'from a worker');   // a process without a server
 * ```
 *
 * The entry point only re-exports. Must never import the server classes nor a Redis client library.
 */
export { createAdapter, RedisStreamsAdapter, type RedisStreamsAdapterOptions } from './adapter.js';
export { Emitter, StreamsBroadcast, type StreamsEmitterOptions } from './emitter.js';
export { RedisStreamsSessionStore, type StreamsStoreOptions } from './session-store.js';
export type { ClusterAdapterOptions } from '../cluster/cluster-adapter.js';
export type { ClusterSessionStore } from '../cluster/session-store.js';
