/**
 * Where a cluster keeps what connection state recovery needs: the sessions (of disconnected sockets, and the live
 * copies of connected ones so that a client recovers even when its server dies) and the broadcasts missed since
 * an offset. A bus with a log (a Redis stream, a JetStream stream) provides its own store reading its log; a bus
 * without one appends the recoverable broadcasts to its store ({@link ClusterSessionStore.append}).
 *
 * ```ts
 * const store = new MemorySessionStore();   // one per process: for tests and single-process clusters
 * const offset = await store.append({ data: ['hello'], rooms: [], except: [] });
 * await store.persist({ sid, pid, rooms: [], data: {} }, 120_000);
 * const session = await store.restore(pid, offset);   // the session, and the broadcasts after `offset`
 * ```
 *
 * Owns the store interface and the in-memory store. Must never import a bus client, the adapters nor the server
 * classes (only the boundary types of `adapter-types.ts`).
 */
import type { PrivateSessionId, Room, Session, SessionToPersist } from '../../adapter-types.js';

/** A broadcast kept for recovery: its event arguments (without offset) and who it reached. */
export interface RecoverableBroadcast {
  data: unknown[];
  rooms: Room[];
  except: Room[];
}

/**
 * The storage of connection state recovery for a cluster adapter (one instance per namespace, or shared).
 * @example
 * ```ts
 * class MyStore implements ClusterSessionStore {
 *   async persist(session, ttl) { await kv.set(`session:${session.pid}`, session, ttl); }
 *   async forget(pid) { await kv.del(`session:${pid}`); }
 *   async restore(pid, offset) {
 *     const session = await kv.take(`session:${pid}`);
 *     return session && { ...session, missedPackets: await log.after(offset, session.rooms) };
 *   }
 * }
 * ```
 */
export interface ClusterSessionStore {
  /**
   * Saves a session, restorable for `ttl` ms (overwrites the one saved under the same pid).
   * @param session sid, pid, rooms and data
   * @param ttl how long it stays restorable, in ms
   */
  persist(session: SessionToPersist, ttl: number): Promise<void>;
  /**
   * Deletes a session (its socket left for good).
   * @param pid the private session id
   */
  forget(pid: PrivateSessionId): Promise<void>;
  /**
   * Takes a session (it is restored once) with the broadcasts that reach it after `offset`, each as its event
   * arguments followed by its own offset.
   * @param pid the private session id
   * @param offset the offset of the last broadcast the client received
   * @returns null when the session is unknown or expired, or the offset no longer in the history
   */
  restore(pid: PrivateSessionId, offset: string): Promise<Session | null>;
  /**
   * Keeps a recoverable broadcast the bus gave no offset to, and returns its offset. Absent when the bus hands
   * offsets itself (its publish resolves with one).
   * @param broadcast the event arguments, rooms and except
   */
  append?(broadcast: RecoverableBroadcast): Promise<string>;
  /**
   * Whether `append` gives offsets in the order it is called (e.g. one connection whose queue keeps the order),
   * so that a server may send the next append before the previous one is answered. Default false: a server waits
   * for each append before the next (a client that retries a command, or a pool, may run them out of order).
   */
  readonly ordered?: boolean;
  /**
   * Compares two offsets of this store (negative, zero, positive). Default: `<ms>-<seq>` ids, then integers, then
   * text order.
   */
  compareOffsets?(a: string, b: string): number;
}

/**
 * Whether a broadcast to `rooms` except `except` reaches a socket in `sessionRooms`.
 * @param sessionRooms the rooms of the socket (its own id among them)
 * @param rooms the targeted rooms (all when empty)
 * @param except the excluded rooms
 * @example
 * ```ts
 * reaches(['s1', 'news'], ['news'], []);   // true
 * reaches(['s1', 'news'], [], ['news']);   // false
 * ```
 */
export function reaches(sessionRooms: readonly Room[], rooms: readonly Room[], except: readonly Room[]): boolean {
  const included = rooms.length === 0 || sessionRooms.some((r) => rooms.includes(r));
  return included && sessionRooms.every((r) => !except.includes(r));
}

const ENTRY_ID = /^(\d+)-(\d+)$/;
const INTEGER = /^\d+$/;

/**
 * The default order of offsets: stream entry ids (`<ms>-<seq>`), then integers, then text.
 * @param a an offset
 * @param b another
 * @returns negative, zero or positive
 * @example
 * ```ts
 * compareOffsets('1700000000000-2', '1700000000000-10');   // < 0
 * compareOffsets('9', '10');                               // < 0
 * ```
 */
export function compareOffsets(a: string, b: string): number {
  const ea = ENTRY_ID.exec(a);
  const eb = ENTRY_ID.exec(b);
  if (ea && eb) {
    const ms = Number(ea[1]) - Number(eb[1]);
    return ms !== 0 ? ms : Number(ea[2]) - Number(eb[2]);
  }
  if (INTEGER.test(a) && INTEGER.test(b)) return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Kept {
  offset: string;
  broadcast: RecoverableBroadcast;
  at: number;
}

/**
 * Sessions and broadcast history in this process's memory, shared by the adapters it is given to (several
 * namespaces, or several nodes of an in-process cluster). Offsets are increasing integers.
 * @example
 * ```ts
 * const store = new MemorySessionStore({ maxAge: 120_000 });
 * const adapter = createMyAdapter({ sessionStore: store });
 * ```
 */
export class MemorySessionStore implements ClusterSessionStore {
  /** Offsets are given in the order of the calls. */
  readonly ordered: boolean = true;
  private readonly sessions = new Map<PrivateSessionId, { session: SessionToPersist; until: number }>();
  private log: Kept[] = [];
  private next = 1;
  private readonly maxAge: number;
  private readonly maxLen: number;

  /**
   * @param opts `maxAge`: how long broadcasts are kept, in ms (default 2 min); `maxLen`: how many at most
   * (default 10000)
   * @example
   * ```ts
   * const store = new MemorySessionStore({ maxLen: 1000 });
   * ```
   */
  constructor(opts: { maxAge?: number; maxLen?: number } = {}) {
    this.maxAge = opts.maxAge ?? 120_000;
    this.maxLen = opts.maxLen ?? 10_000;
  }

  /**
   * @param broadcast the event arguments, rooms and except
   * @returns its offset
   * @example
   * ```ts
   * const offset = await store.append({ data: ['hello'], rooms: ['news'], except: [] });   // '1'
   * ```
   */
  append(broadcast: RecoverableBroadcast): Promise<string> {
    const offset = String(this.next++);
    const now = Date.now();
    this.log.push({ offset, broadcast, at: now });
    let drop = Math.max(0, this.log.length - this.maxLen);
    while (drop < this.log.length && this.log[drop]!.at < now - this.maxAge) drop++;
    if (drop > 0) this.log = this.log.slice(drop);
    return Promise.resolve(offset);
  }

  /**
   * @param session the session
   * @param ttl how long it stays restorable, in ms
   * @example
   * ```ts
   * await store.persist({ sid: 's1', pid: 'p1', rooms: ['s1'], data: {} }, 120_000);
   * ```
   */
  persist(session: SessionToPersist, ttl: number): Promise<void> {
    this.sessions.set(session.pid, { session: { ...session, rooms: [...session.rooms] }, until: Date.now() + ttl });
    return Promise.resolve();
  }

  /**
   * @param pid the private session id
   * @example
   * ```ts
   * await store.forget('p1');
   * ```
   */
  forget(pid: PrivateSessionId): Promise<void> {
    this.sessions.delete(pid);
    return Promise.resolve();
  }

  /**
   * @param pid the private session id
   * @param offset the last offset the client received
   * @returns the session with its missed broadcasts, or null
   * @example
   * ```ts
   * const session = await store.restore('p1', '41');
   * ```
   */
  restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    const kept = this.sessions.get(pid);
    this.sessions.delete(pid);
    if (!kept || kept.until < Date.now()) return Promise.resolve(null);
    const index = this.log.findIndex((k) => k.offset === offset);
    if (index === -1) return Promise.resolve(null);
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.log.length; i++) {
      const { broadcast, offset: id } = this.log[i]!;
      if (reaches(kept.session.rooms, broadcast.rooms, broadcast.except)) missedPackets.push([...broadcast.data, id]);
    }
    return Promise.resolve({ ...kept.session, missedPackets });
  }

  /**
   * @param a an offset of this store
   * @param b another
   * @returns negative, zero or positive
   * @example
   * ```ts
   * store.compareOffsets('9', '10');   // < 0
   * ```
   */
  compareOffsets(a: string, b: string): number {
    return Number(a) - Number(b);
  }
}
