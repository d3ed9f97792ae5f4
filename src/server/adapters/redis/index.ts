/**
 * `socketeer/redis`: run several Socketeer servers behind a load balancer, sharing rooms, broadcasts and
 * connection state recovery over Redis, on the cluster core. Wire-compatible with `@socket.io/redis-adapter` 8.x (classic and sharded)
 * and `@socket.io/redis-emitter`.
 *
 * ```ts
 * import { createAdapter } from 'socketeer/redis';
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * ```
 *
 * The entry point only re-exports. Nothing of the server imports `socketeer/redis`; it must never import the
 * server classes (only the boundary types of `adapter.ts`).
 */
export { createAdapter, RedisAdapter, type RedisAdapterOptions } from './adapter.js';
export { createShardedAdapter, ShardedRedisAdapter, type ShardedRedisAdapterOptions } from './sharded-adapter.js';
export { RedisBusAdapter, type BaseAdapterOptions, type Subscriptions } from './bus.js';
export { forwardPolling, PollingForwarder, FORWARDED_HEADER, type PollingForwardOptions } from './forward-polling.js';
export { wrapClient, type RedisConnection, type MessageHandler } from './client.js';
export { RedisSessionStore, type SessionStoreOptions, type StoredSession, type RestoredSession } from './session-store.js';
