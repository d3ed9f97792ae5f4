/**
 * Connection state recovery across the servers of a Redis cluster, on the adapter's side: broadcasts get their
 * offset from the history in Redis, the sessions of connected sockets are kept there too (so that a client recovers
 * even if its server dies), disconnected sessions are saved and restored by any server, and for a moment after a
 * restore the live copies of the broadcasts the restore already delivered skip the restored socket.
 *
 * ```ts
 * const recovery = new RedisRecovery(adapter, store, () => pub.up, 120_000);
 * const offset = recovery.append(packet, opts);            // with the broadcast
 * const session = await recovery.restore(pid, lastOffset); // on a reconnection, on any server
 * ```
 *
 * Owns the recovery state of one adapter. Storage is `session-store.ts`'s; must never import the adapters
 * (`base.ts`, `adapter.ts`, `sharded-adapter.ts`) nor the server classes.
 */
import { createLogger } from '../../../util/logger.js';
import { PacketType, type Packet } from '../../../protocol/index.js';
import type {
  AdapterNamespace, BroadcastOptions, PrivateSessionId, Room, Session, SessionToPersist, SocketId,
} from '../../adapter.js';
import { reaches, type RedisSessionStore } from './session-store.js';

const log = createLogger('socketeer:redis');

/** How long after a restore the live copies of the broadcasts it delivered are skipped, in ms. */
const RESTORED_WINDOW_MS = 10000;
/** A history offset (Redis Stream entry id). */
const OFFSET = /^\d+-\d+$/;

/** Compares two history offsets (`<ms>-<seq>`): negative, zero or positive. */
function compareOffsets(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = Number(a.slice(0, da));
  const mb = Number(b.slice(0, db));
  if (ma !== mb) return ma - mb;
  return Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}

/** What the recovery uses of its adapter. */
export interface RecoveryHost {
  /** The adapter's id (in the log). */
  readonly uid: string;
  readonly nsp: AdapterNamespace;
  /** Socket id → its rooms (local sockets). */
  readonly sids: Map<SocketId, Set<Room>>;
  on(event: 'join-room' | 'leave-room', listener: (room: Room, id: SocketId) => void): unknown;
}

/**
 * The recovery state of one Redis adapter (connection state recovery on).
 * @example
 * ```ts
 * class MyRedisAdapter extends Adapter {
 *   private readonly recovery = new RedisRecovery(this, store, () => pub.up, 120_000);
 *   override persistSession(session) { return this.recovery.persist(session); }
 *   override restoreSession(pid, offset) { return this.recovery.restore(pid, offset); }
 * }
 * ```
 */
export class RedisRecovery {
  private readonly dirty = new Set<string>();
  private readonly persisted = new Set<string>();
  /** Restores in progress. */
  private restoring = 0;
  /** While restores are in progress: the broadcasts delivered (with their offset, rooms and except). */
  private delivering: Array<{ offset: string; data: unknown[]; rooms: Room[]; except: Room[] }> | null = null;
  /** Sockets restored a moment ago → the offset of the last missed packet delivered, and until when to check. */
  private readonly restored = new Map<string, { upTo: string; until: number }>();
  /** Sessions being written by `persist` (awaited on close). */
  private readonly saving = new Set<Promise<void>>();
  private flushScheduled = false;
  private readonly refreshTimer: NodeJS.Timeout;

  /**
   * Starts keeping the sessions of the connected sockets in Redis: written when their rooms change and
   * refreshed every third of `maxDisconnectionDuration`.
   * @param host the adapter
   * @param store the session store
   * @param isUp whether Redis answers now
   * @param maxDisconnectionDuration how long a session stays restorable, in ms
   * @example
   * ```ts
   * const recovery = new RedisRecovery(adapter, new RedisSessionStore(pub, storeOptions), () => pub.up, 120_000);
   * ```
   */
  constructor(private readonly host: RecoveryHost, readonly store: RedisSessionStore, private readonly isUp: () => boolean,
    maxDisconnectionDuration: number) {
    const mark = (_room: Room, id: SocketId): void => this.markDirty(id);
    host.on('join-room', mark);
    host.on('leave-room', mark);
    this.refreshTimer = setInterval(() => {
      for (const id of host.sids.keys()) this.dirty.add(id);
      this.flushSessions();
    }, Math.max(1000, Math.floor(maxDisconnectionDuration / 3)));
    this.refreshTimer.unref();
  }

  /**
   * Adds a broadcast to the history, if it is recoverable (an event without ack, not volatile) and Redis answers.
   * @param packet the packet
   * @param opts rooms, except and flags
   * @returns its offset (to append to its arguments), or null
   * @example
   * ```ts
   * const offset = recovery.append(packet, opts);
   * if (offset) (packet.data as unknown[]).push(await offset);
   * ```
   */
  append(packet: Packet, opts: BroadcastOptions): Promise<string> | null {
    const recoverable = packet.type === PacketType.EVENT && packet.id === undefined && opts.flags?.volatile === undefined;
    return recoverable && this.isUp()
      ? this.store.append(packet.data as unknown[], [...opts.rooms], opts.except ? [...opts.except] : [])
      : null;
  }

  /**
   * The options of a local delivery: around a restore, the restored sockets that already got the packet (in their
   * missed packets) are excluded. Costs two reads when no restore is near.
   * @param packet the packet (with its offset, if any)
   * @param opts rooms, except and flags
   * @returns `opts`, or a copy with more `except`
   * @example
   * ```ts
   * super.broadcast(packet, recovery.deliveryOptions(packet, opts));
   * ```
   */
  deliveryOptions(packet: Packet, opts: BroadcastOptions): BroadcastOptions {
    return this.restored.size === 0 && this.delivering === null ? opts : this.skipRestored(packet, opts);
  }

  /**
   * A broadcast may reach a socket twice around its recovery: in the missed packets read from the history, and
   * live (it was added to the history before the restore read it, and published or delivered after the socket
   * joined its rooms). For a few seconds after a restore, the live copies of the broadcasts the restore already
   * delivered (offset up to the last missed packet) skip the restored socket.
   */
  private skipRestored(packet: Packet, opts: BroadcastOptions): BroadcastOptions {
    const data = packet.data as unknown[] | undefined;
    const offset = packet.type === PacketType.EVENT && packet.id === undefined && opts.flags?.volatile === undefined &&
      Array.isArray(data) ? data[data.length - 1] : undefined;
    if (typeof offset !== 'string' || !OFFSET.test(offset)) return opts;
    if (this.delivering !== null) {
      this.delivering.push({ offset, data: [...data!], rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] });
    }
    const now = Date.now();
    let except: Set<Room> | undefined;
    for (const [sid, mark] of this.restored) {
      if (mark.until < now) this.restored.delete(sid);
      else if (compareOffsets(offset, mark.upTo) <= 0) (except ??= new Set(opts.except)).add(sid);
    }
    return except === undefined ? opts : { ...opts, except };
  }

  private markDirty(id: string): void {
    this.dirty.add(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushSessions());
  }

  /** Writes the sessions of the sockets whose rooms changed. */
  private flushSessions(): void {
    this.flushScheduled = false;
    if (!this.isUp()) {
      this.dirty.clear();
      return;
    }
    for (const id of this.dirty) {
      const socket = this.host.nsp.sockets.get(id);
      const rooms = this.host.sids.get(id);
      const pid = socket?.privateSessionId;
      if (!socket || typeof pid !== 'string' || !rooms) continue;
      this.store.persist({ sid: id, pid, rooms: [...rooms], data: socket.data })
        .catch((err: Error) => log('[%s] could not save live session of %s: %s', this.host.uid, id, err.message));
    }
    this.dirty.clear();
  }

  /**
   * A socket left all its rooms: its saved session is forgotten, unless it was just saved for recovery.
   * @param id the socket id
   * @example
   * ```ts
   * override delAll(id) { recovery.socketLeft(id); super.delAll(id); }
   * ```
   */
  socketLeft(id: SocketId): void {
    this.dirty.delete(id);
    if (!this.persisted.delete(id)) {
      const pid = this.host.nsp.sockets.get(id)?.privateSessionId;
      if (typeof pid === 'string') this.store.forget(pid).catch(() => {});
    }
  }

  /**
   * Saves a disconnected session.
   * @param session the session
   * @returns settles once written (or failed, logged)
   * @example
   * ```ts
   * override persistSession(session) { return recovery.persist(session); }
   * ```
   */
  persist(session: SessionToPersist): Promise<void> {
    this.persisted.add(session.sid);
    const saving = this.store.persist(session)
      .catch((err: Error) => log('[%s] could not save session %s: %s', this.host.uid, session.pid, err.message))
      .finally(() => this.saving.delete(saving));
    this.saving.add(saving);
    return saving;
  }

  /**
   * Restores a session saved by any server, with the broadcasts it missed.
   * @param pid private session id
   * @param offset last offset the client received
   * @returns the session, or null
   * @example
   * ```ts
   * override restoreSession(pid, offset) { return recovery.restore(pid, offset); }
   * ```
   */
  restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    // broadcasts delivered while the history is read may be missing from it (added after the read) and still not
    // reach the socket (not in its rooms yet): they are kept meanwhile and added to the missed packets
    const seen = this.delivering ??= [];
    this.restoring++;
    const done = (): void => {
      if (--this.restoring === 0) this.delivering = null;
    };
    // one turn of the event loop first: a broadcast whose offset came in the same read as the history is delivered
    // (or kept in `seen`) by then
    return this.store.restore(pid, offset).then((s) => new Promise<typeof s>((resolve) => setImmediate(resolve, s)))
      .then((s) => {
      done();
      if (!s) return null;
      const lastMissed = s.missedPackets[s.missedPackets.length - 1];
      let upTo = lastMissed === undefined ? offset : lastMissed[lastMissed.length - 1] as string;
      for (const live of seen) {
        if (compareOffsets(live.offset, upTo) > 0 && reaches(s.rooms, live.rooms, live.except)) {
          s.missedPackets.push(live.data);
          upTo = live.offset;
        }
      }
      if (s.missedPackets.length > 0) this.restored.set(s.sid, { upTo, until: Date.now() + RESTORED_WINDOW_MS });
      return s as Session | null;
    }, (err: Error) => {
      done();
      log('[%s] could not restore session %s: %s', this.host.uid, pid, err.message);
      return null;
    });
  }

  /**
   * Stops the refresh timer.
   * @returns the session writes still in progress
   * @example
   * ```ts
   * await Promise.allSettled(recovery.close());
   * ```
   */
  close(): Array<Promise<void>> {
    clearInterval(this.refreshTimer);
    return [...this.saving];
  }
}
