/**
 * `socketeer/postgres`: run several Socketeer servers on one PostgreSQL database (`LISTEN`/`NOTIFY`, large or
 * binary messages through an attachments table), and emit to them from other processes (`Emitter`).
 * Wire-compatible with `@socket.io/postgres-adapter` 0.5 and `@socket.io/postgres-emitter` 0.1.
 *
 * ```ts
 * import { createAdapter } from 'socketeer/postgres';
 * const io = new Server(httpServer, { adapter: createAdapter(pool) });
 * ```
 *
 * The entry point only re-exports. Nothing of the server imports `socketeer/postgres`; it must never import
 * `pg` at runtime nor the server classes.
 */
export { createAdapter, PostgresAdapter, type PostgresAdapterOptions } from './adapter.js';
export { PostgresBus, type PostgresBusOptions, type BusSubscriber } from './bus.js';
export type { BusMessage } from './codec.js';
export { PostgresSessionStore, type PostgresSessionStoreOptions } from './session-store.js';
export { Emitter, EmitterBroadcast, type EmitterOptions, type EmitterFlags } from './emitter.js';
