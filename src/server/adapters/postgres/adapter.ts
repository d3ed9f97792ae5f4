/**
 * The PostgreSQL engine: the cluster core over the PostgreSQL bus, created the way `@socket.io/postgres-adapter`
 * is (`createAdapter(pool, opts)`, same option names), and wire-compatible with it: our nodes and its nodes share
 * one cluster, and `@socket.io/postgres-emitter` reaches both.
 *
 * ```ts
 * const pool = new pg.Pool({ host: 'db', user: 'postgres' });
 * const io = new Server(httpServer, { adapter: createAdapter(pool) });
 * ```
 *
 * Owns the wiring of one namespace to the bus. Must never import `pg` at runtime (types only) nor the server
 * classes (only the adapter boundary types).
 */
import type { Pool } from 'pg';
import type { AdapterNamespace } from '../../adapter.js';
import { ClusterAdapter, EMITTER_UID, type ClusterAdapterOptions, type ClusterMessage, type ClusterResponse } from '../cluster/index.js';
import { PostgresBus, type PostgresBusOptions } from './bus.js';
import type { BusMessage } from './codec.js';
import { PostgresSessionStore } from './session-store.js';

/**
 * Options of {@link createAdapter}: those of `@socket.io/postgres-adapter` (`channelPrefix`, `tableName`,
 * `payloadThreshold`, `cleanupInterval`, `errorHandler`, `heartbeatInterval`, `heartbeatTimeout`), plus the
 * cluster core's (`requestsTimeout`, `membershipCheckInterval`, `sessionStore`) and the tables of connection state
 * recovery.
 */
export interface PostgresAdapterOptions extends PostgresBusOptions, ClusterAdapterOptions {
  /** with connection state recovery: the sessions table (default `socket_io_sessions`) */
  sessionTableName?: string;
  /** with connection state recovery: the table of recoverable broadcasts (default `socket_io_history`) */
  historyTableName?: string;
}

/**
 * Returns the adapter factory for `new Server(…, { adapter })` or `io.adapter(…)`. The namespaces of the server
 * share one listening client taken from `pool` (released when the last one closes); the attachments table is
 * created on first use if it does not exist. With connection state recovery on (and no `sessionStore` given),
 * sessions and recoverable broadcasts are kept in PostgreSQL, so that a client recovers on any server.
 * @param pool a `pg.Pool` (the user's: it is never ended here)
 * @param opts options
 * @returns the factory
 * @example
 * ```ts
 * import pg from 'pg';
 * import { Server } from 'socketeer';
 * import { createAdapter } from 'socketeer/postgres';
 *
 * const pool = new pg.Pool({ host: 'localhost', user: 'postgres', database: 'app' });
 * pool.on('error', (err) => console.error('Postgres error', err));
 * const io = new Server(3000, { adapter: createAdapter(pool, { heartbeatInterval: 2000 }) });
 * ```
 */
export function createAdapter(pool: Pool, opts: PostgresAdapterOptions = {}): (nsp: AdapterNamespace) => PostgresAdapter {
  const bus = new PostgresBus(pool, opts);
  const open = new Set<PostgresAdapter>();
  return function postgresAdapter(nsp: AdapterNamespace): PostgresAdapter {
    const csr = nsp.server.opts.connectionStateRecovery;
    const ownStore = !opts.sessionStore && csr
      ? new PostgresSessionStore(pool, {
        nsp: nsp.name, ttl: csr.maxDisconnectionDuration ?? 120_000,
        sessionTableName: opts.sessionTableName, historyTableName: opts.historyTableName,
      })
      : undefined;
    const adapter = new PostgresAdapter(nsp, bus, { ...opts, sessionStore: opts.sessionStore ?? ownStore }, () => {
      ownStore?.close();
      open.delete(adapter);
      if (open.size === 0) bus.close();
    });
    open.add(adapter);
    return adapter;
  };
}

/**
 * The adapter of one namespace over PostgreSQL `LISTEN`/`NOTIFY`.
 * @example
 * ```ts
 * const io = new Server(httpServer, { adapter: createAdapter(pool) });
 * const sockets = await io.fetchSockets();   // the sockets of every server
 * ```
 */
export class PostgresAdapter extends ClusterAdapter {
  private unsubscribe: (() => void) | undefined;

  /**
   * Use {@link createAdapter}.
   * @param nsp the namespace
   * @param bus the server's bus
   * @param opts options
   * @param onClosed called once the adapter is closed
   * @example
   * ```ts
   * io.adapter((nsp) => new PostgresAdapter(nsp, new PostgresBus(pool), {}, () => undefined));
   * ```
   */
  constructor(nsp: AdapterNamespace, private readonly bus: PostgresBus, opts: PostgresAdapterOptions,
    private readonly onClosed: () => void) {
    super(nsp, opts);
  }

  /**
   * Listens to the namespace's channel, then announces this node.
   * @example
   * ```ts
   * await io.of('/chat').adapter.init();   // done by the server
   * ```
   */
  override async init(): Promise<void> {
    this.unsubscribe ??= this.bus.subscribe(this.nsp.name, {
      uid: this.uid,
      deliver: (message: BusMessage) => this.onMessage(toClusterMessage(message, this.nsp.name)),
    });
    await this.bus.ready();
    await super.init();
  }

  /**
   * Says goodbye, stops listening to the namespace's channel.
   * @example
   * ```ts
   * await io.close();   // closes every namespace's adapter
   * ```
   */
  override async close(): Promise<void> {
    await super.close();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.onClosed();
  }

  protected override isUp(): boolean {
    return this.bus.listening;
  }

  protected doPublish(message: ClusterMessage): Promise<void> {
    return this.bus.publish(message);
  }

  protected doPublishResponse(_requesterUid: string, response: ClusterResponse): Promise<void> {
    // every node of the namespace listens to one channel: the others ignore an answer to a request of another
    return this.bus.publish(response);
  }
}

function toClusterMessage(message: BusMessage, nsp: string): ClusterMessage {
  return { ...message, uid: message.uid ?? EMITTER_UID, nsp: message.nsp ?? nsp };
}
