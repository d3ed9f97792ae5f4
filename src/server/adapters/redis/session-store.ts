/**
 * Connection state recovery across nodes, the storage: disconnected sessions and the recent broadcast history
 * live in Redis, so a client may reconnect to any node. Sessions are plain keys with an expiry of
 * `maxDisconnectionDuration`; the history is one Redis Stream per namespace whose entry ids are the offsets
 * handed to clients. It is the cluster core's {@link ClusterSessionStore} of the Redis pub/sub engine.
 *
 * ```ts
 * const store = new RedisSessionStore(wrapClient(pubClient), { key: 'socket.io', nsp: '/', maxDisconnectionDuration: 120_000 });
 * const offset = await store.append({ data: ['hello'], rooms: [], except: [] });
 * ```
 *
 * Owns the keys and their encoding. Must never import the adapters nor the server classes (it speaks to a
 * `RedisConnection`).
 */
import { createLogger } from '../../../util/logger.js';
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { RedisConnection } from './client.js';
import { reaches, type ClusterSessionStore, type RecoverableBroadcast } from '../cluster/session-store.js';
import type { Room, Session, SessionToPersist } from '../../adapter-types.js';

const log = createLogger('socketeer:redis');

/** A disconnected session as saved by the server layer. */
export interface StoredSession {
  sid: string;
  pid: string;
  rooms: Room[];
  data: unknown;
}

/** A restored session with the event argument lists the client missed. */
export interface RestoredSession extends StoredSession {
  missedPackets: unknown[][];
}

/** Options of {@link RedisSessionStore}. */
export interface SessionStoreOptions {
  /** Key prefix (the adapter's `key`). */
  key: string;
  /** Namespace name. */
  nsp: string;
  /** How long a session stays restorable when `persist` is given no ttl, in ms. Default 120000. */
  maxDisconnectionDuration?: number;
  /** Approximate number of broadcasts kept per namespace (XADD MAXLEN ~). Default 10000. */
  maxLen?: number;
  /** Longest wait for one Redis command before giving up, in ms. Default 2000. */
  commandTimeout?: number;
}

const OFFSET_RE = /^\d+-\d+$/;
const PAGE = 500;

/** Rejects after `ms` unless the promise settles first. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout reached while waiting for Redis (${what})`)), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Persists sessions and broadcast history of one namespace in Redis.
 * @example
 * ```ts
 * const store = new RedisSessionStore(wrapClient(pubClient), { key: 'socket.io', nsp: '/', maxDisconnectionDuration: 120_000 });
 * const offset = await store.append({ data: ['hello', 'world'], rooms: ['news'], except: [] });
 * const session = await store.restore(pid, offset);   // the session and the broadcasts after `offset`
 * ```
 */
export class RedisSessionStore implements ClusterSessionStore {
  private readonly streamKey: string;
  private readonly sessionPrefix: string;
  private readonly maxLen: number;
  private readonly timeout: number;

  /**
   * @param conn - the publishing connection (any command connection works)
   * @param opts - keys, expiry and limits
   * @example
   * ```ts
   * const store = new RedisSessionStore(wrapClient(pubClient), { key: 'socket.io', nsp: '/chat', maxDisconnectionDuration: 120_000 });
   * ```
   */
  constructor(private readonly conn: RedisConnection, private readonly opts: SessionStoreOptions) {
    this.streamKey = `${opts.key}-stream#${opts.nsp}#`;
    this.sessionPrefix = `${opts.key}-session#`;
    this.maxLen = opts.maxLen ?? 10000;
    this.timeout = opts.commandTimeout ?? 2000;
  }

  /**
   * Appends a broadcast to the history.
   * @param broadcast - the event arguments (without offset), targeted and excluded rooms
   * @returns the offset (stream entry id)
   * @example
   * ```ts
   * const offset = await store.append({ data: ['hello', 'world'], rooms: ['news'], except: [] });   // e.g. '1718000000000-0'
   * ```
   */
  async append(broadcast: RecoverableBroadcast): Promise<string> {
    const entry = msgpackEncode({ data: broadcast.data, rooms: broadcast.rooms, except: broadcast.except });
    const id = await withTimeout(this.conn.command(['XADD', this.streamKey, 'MAXLEN', '~', String(this.maxLen), '*', 'p', entry],
      this.streamKey), this.timeout, 'XADD');
    return String(id);
  }

  /**
   * Saves a disconnected session, restorable for `ttl` ms.
   * @param session - sid, pid, rooms and data
   * @param ttl - how long it stays restorable, in ms (default: the `maxDisconnectionDuration` option)
   * @example
   * ```ts
   * await store.persist({ sid: socket.id, pid, rooms: [...socket.rooms], data: socket.data }, 120_000);
   * ```
   */
  async persist(session: StoredSession | SessionToPersist, ttl = this.opts.maxDisconnectionDuration ?? 120_000): Promise<void> {
    const value = msgpackEncode({ sid: session.sid, pid: session.pid, rooms: [...session.rooms], data: session.data });
    const key = this.sessionPrefix + session.pid;
    await withTimeout(this.conn.command(['SET', key, value, 'PX', String(ttl)], key),
      this.timeout, 'SET session');
  }

  /**
   * Deletes a saved session (the socket left for good).
   * @param pid - private session id
   * @example
   * ```ts
   * await store.forget(pid);   // the socket left for good
   * ```
   */
  async forget(pid: string): Promise<void> {
    const key = this.sessionPrefix + pid;
    await withTimeout(this.conn.command(['DEL', key], key), this.timeout, 'DEL session');
  }

  /**
   * Takes a saved session (it can be restored once) and the broadcasts it missed after `offset`.
   * @returns the session, or null when unknown, expired, or the offset is no longer in the history
   * @example
   * ```ts
   * const session = await store.restore(pid, lastOffset);
   * if (session) for (const args of session.missedPackets) socket.emit(...(args as [string, ...unknown[]]));
   * ```
   */
  async restore(pid: string, offset: string): Promise<(RestoredSession & Session) | null> {
    if (typeof pid !== 'string' || typeof offset !== 'string' || !OFFSET_RE.test(offset)) return null;
    const key = this.sessionPrefix + pid;
    const raw = await withTimeout(this.conn.command(['GETDEL', key], key), this.timeout, 'GETDEL session');
    if (!raw) return null;
    let session: StoredSession;
    try {
      session = msgpackDecode(raw as Buffer) as StoredSession;
    } catch {
      return null;
    }
    const head = await withTimeout(this.conn.command(['XRANGE', this.streamKey, offset, offset], this.streamKey),
      this.timeout, 'XRANGE');
    if (!Array.isArray(head) || head.length === 0) {
      log('offset %s of session %s is no longer in the history', offset, pid);
      return null;
    }
    const missedPackets: unknown[][] = [];
    let from = '(' + offset;
    for (;;) {
      const page = await withTimeout(this.conn.command(['XRANGE', this.streamKey, from, '+', 'COUNT', String(PAGE)],
        this.streamKey), this.timeout, 'XRANGE') as Array<[Buffer, Buffer[]]>;
      for (const [id, fields] of page) {
        const entry = decodeEntry(fields);
        if (!entry) continue;
        if (reaches(session.rooms, entry.rooms, entry.except)) missedPackets.push([...entry.data, String(id)]);
      }
      if (page.length < PAGE) break;
      from = '(' + String(page[page.length - 1]![0]);
    }
    return { ...session, missedPackets };
  }
}

/** Reads the `p` field of a stream entry. */
function decodeEntry(fields: Buffer[]): { data: unknown[]; rooms: Room[]; except: Room[] } | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (String(fields[i]) !== 'p') continue;
    try {
      const v = msgpackDecode(fields[i + 1]!) as { data: unknown[]; rooms: Room[]; except: Room[] };
      if (Array.isArray(v?.data)) return { data: v.data, rooms: v.rooms ?? [], except: v.except ?? [] };
    } catch {
      return null;
    }
  }
  return null;
}
