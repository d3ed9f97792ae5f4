/**
 * The PostgreSQL bus: `LISTEN` on one client taken from the user's `pg.Pool` (taken again, and every channel
 * listened to again, after the connection is lost), `NOTIFY` through the pool, the attachments table for large or
 * binary messages and its periodic cleanup. Publishes go out one after the other and notifications are delivered
 * in the order they arrive (an attachment is read before the messages behind it are delivered), so a server's
 * messages keep their order.
 *
 * ```ts
 * const bus = new PostgresBus(pool, { channelPrefix: 'socket.io' });
 * const stop = bus.subscribe('/', { uid: 'a1', deliver: (message) => console.log(message.type) });
 * await bus.publish({ uid: 'a1', nsp: '/', type: 2 });
 * ```
 *
 * Owns the bus connection only; the cluster logic is the adapter's. Must never import `pg` at runtime (types
 * only: the user passes the pool), nor the server classes.
 */
import type { Notification, Pool, PoolClient } from 'pg';
import { createLogger } from '../../../util/logger.js';
import {
  DEFAULTS, channelName, checkTableName, decodeAttachment, decodeNotification, encodeMessage, quoteChannel,
  type BusMessage,
} from './codec.js';

const log = createLogger('socketeer:postgres');

/** Options of the bus (the names of `@socket.io/postgres-adapter`'s). */
export interface PostgresBusOptions {
  /** prefix of the notification channels, `<prefix>#<nsp>` (default `socket.io`) */
  channelPrefix?: string;
  /** table of the messages over `payloadThreshold` or with binary data (default `socket_io_attachments`) */
  tableName?: string;
  /** largest JSON payload sent in the notification itself, in bytes (default 8000) */
  payloadThreshold?: number;
  /** how often attachments older than this are deleted, in ms (default 30000) */
  cleanupInterval?: number;
  /** where connection, publish and decoding errors go (default: the `socketeer:postgres` logger) */
  errorHandler?: (err: Error) => void;
}

/** A receiver of one namespace's messages. */
export interface BusSubscriber {
  /** the receiving server's id: its own messages are not delivered back */
  readonly uid: string;
  /** called with each message of another server (or an emitter), in order */
  deliver(message: BusMessage): void;
}

/** The SQL error code of a missing table. */
const UNDEFINED_TABLE = '42P01';
/** Errors of a concurrent `CREATE TABLE IF NOT EXISTS` (the other one won). */
const ALREADY_CREATED = new Set(['42P07', '23505']);

/**
 * One connection to PostgreSQL shared by the namespaces of a server.
 * @example
 * ```ts
 * const bus = new PostgresBus(pool, {});
 * bus.subscribe('/', { uid, deliver: (m) => adapter.receive(m) });
 * await bus.ready();
 * ```
 */
export class PostgresBus {
  private readonly prefix: string;
  private readonly table: string;
  private readonly threshold: number;
  private readonly cleanupEvery: number;
  private readonly reportError: (err: Error) => void;
  private readonly channels = new Map<string, { nsp: string; subscribers: Set<BusSubscriber> }>();
  private client: PoolClient | undefined;
  private connecting = false;
  private closed = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private outbox: Promise<void> = Promise.resolve();
  private inbox: Promise<void> = Promise.resolve();
  private inboxDepth = 0;
  private readyWaiters: Array<() => void> = [];
  private tableChecked = false;
  private detach: (() => void) | undefined;
  private readonly pendingListens = new Set<Promise<void>>();

  /**
   * @param pool the user's `pg.Pool` (one client is kept for `LISTEN`; queries use the others)
   * @param opts the options
   * @example
   * ```ts
   * const bus = new PostgresBus(new pg.Pool({ host: 'db' }), { tableName: 'realtime_attachments' });
   * ```
   */
  constructor(private readonly pool: Pool, opts: PostgresBusOptions = {}) {
    this.prefix = opts.channelPrefix ?? DEFAULTS.channelPrefix;
    this.table = checkTableName(opts.tableName ?? DEFAULTS.tableName);
    this.threshold = opts.payloadThreshold ?? DEFAULTS.payloadThreshold;
    this.cleanupEvery = opts.cleanupInterval ?? DEFAULTS.cleanupInterval;
    this.reportError = opts.errorHandler ?? ((err) => log('error: %s', err.message));
  }

  /**
   * Listens to a namespace's channel (connecting on the first call).
   * @param nsp the namespace name
   * @param subscriber who receives its messages
   * @returns a function that stops this subscription (`UNLISTEN` when it was the channel's last)
   * @example
   * ```ts
   * const stop = bus.subscribe('/chat', { uid, deliver });
   * stop();
   * ```
   */
  subscribe(nsp: string, subscriber: BusSubscriber): () => void {
    const channel = channelName(this.prefix, nsp);
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { nsp, subscribers: new Set() };
      this.channels.set(channel, entry);
      if (this.client) {
        const listening: Promise<void> = this.client.query(`LISTEN ${quoteChannel(channel)}`)
          .then(noop, (err: Error) => this.reportError(err))
          .finally(() => this.pendingListens.delete(listening));
        this.pendingListens.add(listening);
      }
    }
    entry.subscribers.add(subscriber);
    this.closed = false;
    this.start();
    return () => {
      const current = this.channels.get(channel);
      if (!current?.subscribers.delete(subscriber) || current.subscribers.size > 0) return;
      this.channels.delete(channel);
      if (this.client) this.client.query(`UNLISTEN ${quoteChannel(channel)}`).catch((err: Error) => this.reportError(err));
    };
  }

  /**
   * Resolves once the listening connection is up with every subscribed channel (at once if it is).
   * @returns a promise
   * @example
   * ```ts
   * bus.subscribe('/', subscriber);
   * await bus.ready();
   * ```
   */
  ready(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.client) return Promise.all(this.pendingListens).then(noop);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Whether the listening connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Publishes a message on its namespace's channel, after the ones published before it.
   * @param message the message (with `nsp`)
   * @returns resolves once PostgreSQL has taken it; rejects with the query's error (also given to `errorHandler`)
   * @example
   * ```ts
   * await bus.publish({ uid, nsp: '/', type: 3, data: { packet, opts } });
   * ```
   */
  publish(message: BusMessage): Promise<void> {
    const channel = channelName(this.prefix, message.nsp ?? '/');
    let sending: () => Promise<unknown>;
    try {
      const out = encodeMessage(message, this.threshold);
      sending = out.kind === 'inline'
        ? () => this.pool.query('SELECT pg_notify($1, $2)', [channel, out.payload])
        : () => this.withTable(() => this.pool.query(
          `WITH a AS (INSERT INTO ${this.table} (payload) VALUES ($1) RETURNING id) ` +
          'SELECT pg_notify($2, $3 || a.id::text || $4) FROM a', [out.body, channel, out.before, out.after]));
    } catch (err) {
      return Promise.reject(err);
    }
    const sent = this.outbox.then(sending);
    this.outbox = sent.then(noop, noop);
    return sent.then(noop, (err: Error) => {
      this.reportError(err);
      throw err;
    });
  }

  /**
   * Stops listening, releases the client and the timers (a later `subscribe()` starts again). Idempotent; the pool
   * stays the user's.
   * @example
   * ```ts
   * bus.close();
   * await pool.end();
   * ```
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.cleanupTimer);
    this.channels.clear();
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.detach?.();
      // back to the pool listening to nothing
      client.query('UNLISTEN *').then(() => client.release(), (err: Error) => client.release(err));
    }
    this.flushReady();
  }

  private start(): void {
    if (this.closed) return;
    if (!this.cleanupTimer && this.cleanupEvery > 0) {
      this.cleanupTimer = setInterval(() => this.cleanup(), this.cleanupEvery);
      this.cleanupTimer.unref();
    }
    if (!this.client && !this.connecting && !this.reconnectTimer) void this.connect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      const client = await this.pool.connect();
      const taken = client;
      let lost = false;
      const onNotification = (n: Notification): void => this.onNotification(n);
      const onEnd = (): void => onLost();
      const detach = (): void => {
        taken.off('error', onLost).off('end', onEnd).off('notification', onNotification);
      };
      const onLost = (err?: Error): void => {
        if (lost) return;
        lost = true;
        detach();
        if (err) this.reportError(err);
        taken.release(err ?? true);
        if (this.client === taken) this.client = undefined;
        log('listening connection lost');
        this.scheduleReconnect();
      };
      client.on('error', onLost).on('end', onEnd).on('notification', onNotification);
      try {
        for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
      } catch (err) {
        onLost(err as Error);
        return;
      }
      if (lost) return;
      if (this.closed) {
        detach();
        client.release();
        return;
      }
      this.client = client;
      this.detach = detach;
      this.attempts = 0;
      log('listening on %d channel(s)', this.channels.size);
      this.flushReady();
    } catch (err) {
      // pool.connect() failed: nothing to release
      this.reportError(err as Error);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(100 * 2 ** this.attempts++, 2000) * (0.5 + Math.random() / 2);
    log('reconnecting in %d ms', Math.round(delay));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.client && !this.connecting) void this.connect();
    }, delay);
  }

  private flushReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private onNotification(notification: Notification): void {
    const entry = this.channels.get(notification.channel);
    if (!entry) return;
    const incoming = decodeNotification(notification.payload, entry.nsp);
    if (!incoming) return this.reportError(new Error(`not a cluster message on ${notification.channel}`));
    if (incoming.kind === 'inline' && this.inboxDepth === 0) return this.dispatch(notification.channel, incoming.message);
    if (incoming.kind === 'attachment' && [...entry.subscribers].every((s) => s.uid === incoming.uid)) return;
    // read at once, delivered after the messages received before it
    const message = incoming.kind === 'inline' ? Promise.resolve(incoming.message) : this.readAttachment(incoming.id, entry.nsp);
    this.inboxDepth++;
    this.inbox = this.inbox
      .then(() => message)
      .then((m) => { if (m) this.dispatch(notification.channel, m); }, (err: Error) => this.reportError(err))
      .finally(() => { this.inboxDepth--; });
  }

  private async readAttachment(id: string, nsp: string): Promise<BusMessage | null> {
    const result = await this.pool.query<{ payload: Buffer }>(`SELECT payload FROM ${this.table} WHERE id = $1`, [id]);
    const row = result.rows[0];
    if (!row) throw new Error(`attachment ${id} not found in ${this.table}`);
    const message = decodeAttachment(row.payload, nsp);
    if (!message) throw new Error(`attachment ${id} is not a cluster message`);
    return message;
  }

  private dispatch(channel: string, message: BusMessage): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const subscriber of entry.subscribers) {
      if (subscriber.uid === message.uid) continue;
      try {
        subscriber.deliver(message);
      } catch (err) {
        this.reportError(err as Error);
      }
    }
  }

  /** Runs a query on the attachments table, creating the table once if it does not exist yet. */
  private async withTable<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      if (this.tableChecked || (err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
    }
    this.tableChecked = true;
    try {
      await this.pool.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`);
    } catch (err) {
      if (!ALREADY_CREATED.has((err as { code?: string }).code ?? '')) throw err;
    }
    log('created table %s', this.table);
    return query();
  }

  private cleanup(): void {
    this.pool.query(`DELETE FROM ${this.table} WHERE created_at < now() - $1::double precision * interval '1 millisecond'`, [this.cleanupEvery])
      .catch((err: Error & { code?: string }) => { if (err.code !== UNDEFINED_TABLE) this.reportError(err); });
  }
}

function noop(): void { /* settled */ }
