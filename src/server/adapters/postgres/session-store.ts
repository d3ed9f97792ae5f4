/**
 * Connection state recovery across servers on PostgreSQL (which `@socket.io/postgres-adapter` does not offer): the
 * sessions in one table (a row per private session id, with its expiry), the recoverable broadcasts in another,
 * whose `bigserial` ids are the offsets handed to clients. Appends are sent at once, in order, on a client of the
 * pool kept for them (no wait for a connection: the offsets of broadcasts sent one after the other by different
 * servers keep their order), so offsets grow in the order of the broadcasts; rows older than
 * `maxDisconnectionDuration` are deleted as new ones come.
 *
 * ```ts
 * const store = new PostgresSessionStore(pool, { nsp: '/', ttl: 120_000 });
 * const offset = await store.append({ data: ['news', 1], rooms: [], except: [] });
 * const session = await store.restore(pid, offset);
 * ```
 *
 * Owns the two tables. Imports only types of `pg`, and of the cluster core only its session-store interface; must
 * never import the server classes.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { Pool, PoolClient } from 'pg';
import type { PrivateSessionId, Room, Session, SessionToPersist } from '../../adapter-types.js';
import { reaches, type ClusterSessionStore, type RecoverableBroadcast } from '../cluster/session-store.js';
import { checkTableName } from './codec.js';

/** Options of {@link PostgresSessionStore}. */
export interface PostgresSessionStoreOptions {
  /** the namespace whose broadcasts are kept */
  nsp: string;
  /** how long sessions and broadcasts are kept, in ms (`maxDisconnectionDuration`) */
  ttl: number;
  /** the sessions table (default `socket_io_sessions`) */
  sessionTableName?: string;
  /** the broadcasts table (default `socket_io_history`) */
  historyTableName?: string;
}

const OFFSET = /^\d+$/;

/**
 * Sessions and broadcast history in PostgreSQL (tables created on first use).
 * @example
 * ```ts
 * const io = new Server(httpServer, {
 *   connectionStateRecovery: { maxDisconnectionDuration: 120_000 },
 *   adapter: createAdapter(pool),   // uses a PostgresSessionStore when recovery is on
 * });
 * ```
 */
export class PostgresSessionStore implements ClusterSessionStore {
  /** Appends go through one kept client whose query queue keeps their order. */
  readonly ordered = true;
  private readonly sessions: string;
  private readonly history: string;
  private ready: Promise<void> | null = null;
  private appending: Promise<unknown> = Promise.resolve();
  private lastCleanup = Date.now();
  private appender: PoolClient | null = null;
  private taking: Promise<PoolClient> | null = null;
  private closed = false;
  private inFlight = 0;
  private waiting = 0;
  private tablesReady = false;
  private readonly onAppenderError = (err: Error): void => {
    if (this.appender) this.dropAppender(this.appender, err);
  };

  /**
   * @param pool the user's `pg.Pool`
   * @param opts namespace, retention and table names
   * @example
   * ```ts
   * const store = new PostgresSessionStore(pool, { nsp: '/', ttl: 120_000, historyTableName: 'realtime_history' });
   * ```
   */
  constructor(private readonly pool: Pool, private readonly opts: PostgresSessionStoreOptions) {
    this.sessions = checkTableName(opts.sessionTableName ?? 'socket_io_sessions');
    this.history = checkTableName(opts.historyTableName ?? 'socket_io_history');
  }

  /**
   * Saves a session for `ttl` ms (replacing the one of the same pid).
   * @param session sid, pid, rooms, data
   * @param ttl in ms
   * @example
   * ```ts
   * await store.persist({ sid, pid, rooms: [sid], data: {} }, 120_000);
   * ```
   */
  async persist(session: SessionToPersist, ttl: number): Promise<void> {
    await this.tables();
    await this.pool.query(
      `INSERT INTO ${this.sessions} (pid, expires_at, session) VALUES ($1, now() + $2::double precision * interval '1 millisecond', $3) ` +
      'ON CONFLICT (pid) DO UPDATE SET expires_at = EXCLUDED.expires_at, session = EXCLUDED.session',
      [session.pid, ttl, msgpackEncode({ sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data })]);
  }

  /**
   * Deletes a session.
   * @param pid the private session id
   * @example
   * ```ts
   * await store.forget(pid);
   * ```
   */
  async forget(pid: PrivateSessionId): Promise<void> {
    await this.tables();
    await this.pool.query(`DELETE FROM ${this.sessions} WHERE pid = $1`, [pid]);
  }

  /**
   * Takes a session (once) with the broadcasts after `offset` that reach its rooms.
   * @param pid the private session id
   * @param offset the last offset the client received
   * @returns the session, or null (unknown, expired, or the offset no longer kept)
   * @example
   * ```ts
   * const session = await store.restore(pid, '1042');
   * ```
   */
  async restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (!OFFSET.test(offset)) return null;
    await this.tables();
    const taken = await this.pool.query<{ live: boolean; session: Buffer }>(
      `DELETE FROM ${this.sessions} WHERE pid = $1 RETURNING expires_at > now() AS live, session`, [pid]);
    const row = taken.rows[0];
    if (!row?.live) return null;
    const kept = await this.pool.query<{ id: string }>(`SELECT id FROM ${this.history} WHERE id = $1 AND nsp = $2`, [offset, this.opts.nsp]);
    if (kept.rows.length === 0) return null;
    const session = msgpackDecode(row.session) as SessionToPersist;
    const missed = await this.pool.query<{ id: string; payload: Buffer }>(
      `SELECT id, payload FROM ${this.history} WHERE nsp = $1 AND id > $2 ORDER BY id`, [this.opts.nsp, offset]);
    const missedPackets: unknown[][] = [];
    for (const { id, payload } of missed.rows) {
      const broadcast = msgpackDecode(payload) as RecoverableBroadcast;
      if (reaches(session.rooms as Room[], broadcast.rooms, broadcast.except)) missedPackets.push([...broadcast.data, String(id)]);
    }
    return { ...session, missedPackets };
  }

  /**
   * Keeps a recoverable broadcast; offsets grow in the order of the calls.
   * @param broadcast event arguments, rooms, except
   * @returns its offset
   * @example
   * ```ts
   * const offset = await store.append({ data: ['news', 1], rooms: ['sports'], except: [] });
   * ```
   */
  append(broadcast: RecoverableBroadcast): Promise<string> {
    const body = msgpackEncode({ data: broadcast.data, rooms: broadcast.rooms, except: broadcast.except });
    if (Date.now() - this.lastCleanup > Math.max(1000, this.opts.ttl / 3)) this.cleanup();
    // sent at once when the kept client is there (its query queue keeps the order); the first ones wait for it
    if (this.appender && this.tablesReady && this.waiting === 0) return this.insert(this.appender, body);
    this.waiting++;
    const inserted = this.appending
      .then(async () => {
        await this.tables();
        return this.insert(await this.appendClient(), body);
      })
      .finally(() => { this.waiting--; });
    this.appending = inserted.catch(() => undefined);
    return inserted;
  }

  private insert(client: PoolClient, body: Buffer): Promise<string> {
    this.inFlight++;
    return client.query<{ id: string }>(`INSERT INTO ${this.history} (nsp, payload) VALUES ($1, $2) RETURNING id`, [this.opts.nsp, body])
      .then((result) => String(result.rows[0]!.id), (err: Error) => {
        this.dropAppender(client, err);
        throw err;
      })
      .finally(() => {
        if (--this.inFlight === 0 && this.closed && this.appender) this.dropAppender(this.appender);
      });
  }


  /**
   * Gives back the client kept for appends (the adapter calls it when it closes).
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.closed = true;
    // (an append in progress gives it back when it is done)
    if (this.appender && this.inFlight === 0) this.dropAppender(this.appender);
  }

  private appendClient(): Promise<PoolClient> {
    if (this.appender) return Promise.resolve(this.appender);
    this.taking ??= this.pool.connect().then((client) => {
      client.on('error', this.onAppenderError);
      this.appender = client;
      return client;
    }).finally(() => { this.taking = null; });
    return this.taking;
  }

  private dropAppender(client: PoolClient, err?: Error): void {
    if (this.appender !== client) return;
    this.appender = null;
    client.off('error', this.onAppenderError);
    // a broken connection may report more errors while it is destroyed
    if (err) client.on('error', () => { /* released */ });
    try {
      client.release(err ?? false);
    } catch {
      // already released
    }
  }

  private cleanup(): void {
    this.lastCleanup = Date.now();
    const age = [this.opts.ttl];
    this.pool.query(`DELETE FROM ${this.history} WHERE created_at < now() - $1::double precision * interval '1 millisecond'`, age)
      .then(() => this.pool.query(`DELETE FROM ${this.sessions} WHERE expires_at < now()`))
      .catch(() => undefined);
  }

  /** Creates the tables once (concurrent creations by other servers are fine). */
  private tables(): Promise<void> {
    this.ready ??= (async () => {
      for (const ddl of [
        `CREATE TABLE IF NOT EXISTS ${this.sessions} (pid text PRIMARY KEY, expires_at timestamptz NOT NULL, session bytea NOT NULL)`,
        `CREATE TABLE IF NOT EXISTS ${this.history} (id bigserial PRIMARY KEY, nsp text NOT NULL, ` +
          'created_at timestamptz NOT NULL DEFAULT now(), payload bytea NOT NULL)',
      ]) {
        try {
          await this.pool.query(ddl);
        } catch (err) {
          if (!['42P07', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
        }
      }
      this.tablesReady = true;
    })().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }
}
