/**
 * Connection state recovery across the nodes of a cluster, on the adapter's side: the sessions of connected
 * sockets are kept in the session store too (so a client recovers even when its server is killed), disconnected
 * sessions are saved and restored by any node, and for a moment after a restore the live copies of the
 * broadcasts the restore already delivered skip the restored socket.
 *
 * ```ts
 * const recovery = new ClusterRecovery(adapter, store, 120_000);
 * const session = await recovery.restore(pid, lastOffset);   // on any node
 * adapter.deliver(packet, recovery.deliveryOptions(packet, opts));
 * ```
 *
 * Owns the recovery state of one adapter; storage is the {@link ClusterSessionStore}'s. Must never import a bus
 * client, `cluster-adapter.ts` nor the server classes.
 */
import { createLogger } from '../../../util/logger.js';
import { PacketType, type Packet } from '../../../protocol/index.js';
import type {
  AdapterNamespace, BroadcastOptions, PrivateSessionId, Room, Session, SessionToPersist, SocketId,
} from '../../adapter-types.js';
import { compareOffsets, reaches, type ClusterSessionStore } from './session-store.js';

const log = createLogger('socketeer:cluster');

/** How long after a restore the live copies of the broadcasts it delivered are skipped, in ms. */
const RESTORED_WINDOW_MS = 10_000;
/** How long a restored socket not accepted yet (its middlewares running) still collects the broadcasts it misses. */
const PENDING_WINDOW_MS = 60_000;

/** A socket restored a moment ago. */
interface RestoredMark {
  /** Offset of the last broadcast it got in its missed packets (live copies up to it skip the socket). */
  upTo: string;
  /** Until when the mark is kept, in ms since the epoch. */
  until: number;
  /**
   * Until the socket is accepted, its missed packets (the very array it sends on acceptance) and its rooms: the
   * broadcasts meanwhile cannot reach it live (it is not among the namespace's sockets yet), so they are added.
   */
  pending: { missed: unknown[][]; rooms: readonly Room[] } | null;
}

/** What the recovery uses of its adapter. */
export interface RecoveryHost {
  readonly uid: string;
  readonly nsp: AdapterNamespace;
  /** Socket id → its rooms (local sockets). */
  readonly sids: Map<SocketId, Set<Room>>;
  on(event: 'join-room' | 'leave-room', listener: (room: Room, id: SocketId) => void): unknown;
}

/**
 * Whether a packet is kept for recovery: an event, without ack, not volatile.
 * @param packet the packet
 * @param opts its broadcast options
 * @example
 * ```ts
 * if (isRecoverable(packet, opts)) (packet.data as unknown[]).push(offset);
 * ```
 */
export function isRecoverable(packet: Packet, opts: BroadcastOptions): boolean {
  return packet.type === PacketType.EVENT && packet.id === undefined && opts.flags?.volatile === undefined &&
    Array.isArray(packet.data);
}

/**
 * The recovery state of one cluster adapter (connection state recovery on).
 * @example
 * ```ts
 * class MyAdapter extends Adapter {
 *   private readonly recovery = new ClusterRecovery(this, store, 120_000);
 *   override persistSession(session) { return this.recovery.persist(session); }
 *   override restoreSession(pid, offset) { return this.recovery.restore(pid, offset); }
 * }
 * ```
 */
export class ClusterRecovery {
  private readonly dirty = new Set<SocketId>();
  private readonly persisted = new Set<SocketId>();
  private restoring = 0;
  /** While restores are in progress: the broadcasts delivered (with their offset, rooms and except). */
  private delivering: Array<{ offset: string; data: unknown[]; rooms: Room[]; except: Room[] }> | null = null;
  /** Sockets restored a moment ago. */
  private readonly restored = new Map<SocketId, RestoredMark>();
  private readonly saving = new Set<Promise<void>>();
  private flushScheduled = false;
  private readonly refreshTimer: NodeJS.Timeout;
  private readonly compare: (a: string, b: string) => number;

  /**
   * Starts keeping the sessions of the connected sockets in the store: written when their rooms change, refreshed
   * every third of `maxDisconnectionDuration`.
   * @param host the adapter
   * @param store the session store
   * @param maxDisconnectionDuration how long a session stays restorable, in ms
   * @example
   * ```ts
   * const recovery = new ClusterRecovery(adapter, new MemorySessionStore(), 120_000);
   * ```
   */
  constructor(private readonly host: RecoveryHost, readonly store: ClusterSessionStore,
    private readonly maxDisconnectionDuration: number) {
    this.compare = store.compareOffsets ? store.compareOffsets.bind(store) : compareOffsets;
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
   * The options of a local delivery: around a restore, the restored sockets that already got the packet (in their
   * missed packets) are excluded, and a restored socket not accepted yet gets the packet added to its missed
   * packets (so that it is neither lost nor sent ahead of them).
   * @param packet the packet (its offset last, if recoverable)
   * @param opts rooms, except and flags
   * @returns `opts`, or a copy with more `except`
   * @example
   * ```ts
   * super.broadcast(packet, recovery.deliveryOptions(packet, opts));
   * ```
   */
  deliveryOptions(packet: Packet, opts: BroadcastOptions): BroadcastOptions {
    if (this.restored.size === 0 && this.delivering === null) return opts;
    const data = packet.data as unknown[] | undefined;
    const offset = isRecoverable(packet, opts) ? data![data!.length - 1] : undefined;
    if (typeof offset !== 'string') return opts;
    this.delivering?.push({ offset, data: [...data!], rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] });
    const now = Date.now();
    let except: Set<Room> | undefined;
    for (const [sid, mark] of this.restored) {
      if (mark.until < now) {
        this.restored.delete(sid);
      } else if (this.compare(offset, mark.upTo) <= 0) {
        (except ??= new Set(opts.except)).add(sid);
      } else if (mark.pending !== null) {
        if (this.host.nsp.sockets.has(sid)) {
          mark.pending = null;   // accepted: it gets live deliveries from now on
          mark.until = now + RESTORED_WINDOW_MS;
        } else if (this.reachesPending(sid, mark.pending.rooms, opts)) {
          mark.pending.missed.push([...data!]);
          mark.upTo = offset;
        }
      }
    }
    return except === undefined ? opts : { ...opts, except };
  }

  /** Whether a broadcast reaches a restored socket not accepted yet (its rooms in this adapter once it joined). */
  private reachesPending(sid: SocketId, sessionRooms: readonly Room[], opts: BroadcastOptions): boolean {
    const joined = this.host.sids.get(sid);
    const rooms = joined === undefined ? sessionRooms : [...joined];
    return reaches(rooms, [...opts.rooms], opts.except ? [...opts.except] : []);
  }

  private markDirty(id: SocketId): void {
    this.dirty.add(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushSessions());
  }

  /** Writes the live sessions of the sockets whose rooms changed. */
  private flushSessions(): void {
    this.flushScheduled = false;
    for (const id of this.dirty) {
      const socket = this.host.nsp.sockets.get(id);
      const rooms = this.host.sids.get(id);
      const pid = socket?.privateSessionId;
      if (!socket || typeof pid !== 'string' || !rooms) continue;
      this.store.persist({ sid: id, pid, rooms: [...rooms], data: socket.data }, this.maxDisconnectionDuration)
        .catch((err: Error) => log('[%s] could not save the live session of %s: %s', this.host.uid, id, err.message));
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
    this.restored.delete(id);
    if (this.persisted.delete(id)) return;
    const pid = this.host.nsp.sockets.get(id)?.privateSessionId;
    if (typeof pid === 'string') this.store.forget(pid).catch(() => {});
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
    this.dirty.delete(session.sid);
    const saving = this.store.persist(session, this.maxDisconnectionDuration)
      .catch((err: Error) => log('[%s] could not save session %s: %s', this.host.uid, session.pid, err.message))
      .finally(() => this.saving.delete(saving));
    this.saving.add(saving);
    return saving;
  }

  /**
   * Restores a session saved by any node, with the broadcasts it missed.
   * @param pid private session id
   * @param offset last offset the client received
   * @returns the session, or null
   * @example
   * ```ts
   * override restoreSession(pid, offset) { return recovery.restore(pid, offset); }
   * ```
   */
  restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    // broadcasts delivered while the history is read may be missing from it and still not reach the socket (not
    // in its rooms yet): they are kept meanwhile and added to the missed packets
    const seen = this.delivering ??= [];
    this.restoring++;
    const done = (): void => {
      if (--this.restoring === 0) this.delivering = null;
    };
    return this.store.restore(pid, offset)
      .then((s) => new Promise<Session | null>((resolve) => setImmediate(resolve, s)))
      .then((s) => {
        done();
        if (!s) return null;
        const last = s.missedPackets[s.missedPackets.length - 1];
        let upTo = last === undefined ? offset : String(last[last.length - 1]);
        for (const live of seen) {
          if (this.compare(live.offset, upTo) > 0 && reaches(s.rooms, live.rooms, live.except)) {
            s.missedPackets.push(live.data);
            upTo = live.offset;
          }
        }
        // until the socket is accepted, the broadcasts it would miss are added to the same missed packets
        this.restored.set(s.sid, {
          upTo, until: Date.now() + PENDING_WINDOW_MS, pending: { missed: s.missedPackets, rooms: s.rooms },
        });
        return s;
      }, (err: Error) => {
        done();
        log('[%s] could not restore session %s: %s', this.host.uid, pid, err?.message ?? String(err));
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
