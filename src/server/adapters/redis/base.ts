// What the classic and the sharded Redis adapters share: Redis connection state (publish gating, outage logging,
// resubscription), requests waiting on other servers (timeouts, departure of servers), the server count, and
// connection state recovery across servers (offsets, saved and live sessions in Redis).
import { createLogger } from '../../../util/logger.js';
import { PacketType, type Packet } from '../../../protocol/index.js';
import {
  Adapter, type AdapterNamespace, type BroadcastOptions, type FetchedSocket, type PrivateSessionId, type Room,
  type Session, type SessionToPersist,
} from '../../adapter.js';
import type { RedisConnection } from './client.js';
import { reaches, RedisSessionStore } from './session-store.js';

/** Logger of the Redis adapters (`DEBUG=socketeer:redis`). */
export const log = createLogger('socketeer:redis');

/** Options shared by both Redis adapters. */
export interface BaseAdapterOptions {
  /** How long a request to the other servers (fetchSockets, serverSideEmit with ack, …) may wait, in ms. Default 5000. */
  requestsTimeout?: number;
  /**
   * While requests wait on other servers, how often the number of live servers is checked, in ms: when a server
   * is gone, the requests resolve with what answered. Default 1000 (0 disables).
   */
  membershipCheckInterval?: number;
  /** Approximate number of broadcasts kept in Redis for connection state recovery. Default 10000. */
  maxLen?: number;
  /** How often this server tells the other Socketeer servers it is alive, in ms. Default 5000. */
  heartbeatInterval?: number;
  /**
   * A Socketeer server silent for this long is taken for stuck (frozen or cut off while Redis still holds its
   * connection): requests stop waiting for it. In ms. Default 10000.
   */
  heartbeatTimeout?: number;
}

/** A request waiting for the answers of the other servers. */
export interface PendingRequest {
  /** Number of answers expected (other servers). */
  expected: number;
  /** Adds one answer. */
  collect(response: Record<string, unknown>): void;
  /** Settles the request: `timedOut` when not every server answered. */
  finish(timedOut: boolean): void;
}

interface StoredRequest extends PendingRequest {
  received: number;
  timer: NodeJS.Timeout;
  /** Socketeer servers alive when the request was sent that have not answered yet. */
  missing: Set<string>;
}

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

/** A promise resolved (with null) when the Redis connection drops. */
function outageSignal(): { promise: Promise<null>; resolve: (v: null) => void } {
  let resolve!: (v: null) => void;
  const promise = new Promise<null>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Resolves to `fallback` when `p` does not settle within `ms` or rejects. */
export function settleWithin<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, () => { clearTimeout(timer); resolve(fallback); });
  });
}

/** Base of the Redis adapters; subclasses define channels and the message protocol. */
export abstract class RedisAdapterBase extends Adapter {
  /** This server's id on the bus. */
  readonly uid: string;
  /** Default wait for requests to other servers, in ms. */
  readonly requestsTimeout: number;
  /** Publishing / command connection. */
  protected readonly pub: RedisConnection;
  /** Subscribing connection. */
  protected readonly sub: RedisConnection;
  /** Session store (connection state recovery on), else null. */
  protected readonly store: RedisSessionStore | null;
  /** Whether `close()` was called. */
  protected closed = false;
  private readonly membershipInterval: number;
  private readonly requests = new Map<string, StoredRequest>();
  private membershipTimer: NodeJS.Timeout | null = null;
  private lastServerCount = 1;
  private subscribed = false;
  private subscribing = false;
  private dropping = false;
  private readonly unlisten: Array<() => void> = [];
  private tail: Promise<void> = Promise.resolve();
  private outage = outageSignal();
  private readonly dirty = new Set<string>();
  private readonly persisted = new Set<string>();
  /** Restores in progress. */
  private restoring = 0;
  /** While restores are in progress: the broadcasts delivered (with their offset, rooms and except). */
  private delivering: Array<{ offset: string; data: unknown[]; rooms: Room[]; except: Room[] }> | null = null;
  /** Sockets restored a moment ago → the offset of the last missed packet delivered, and until when to check. */
  private readonly restored = new Map<string, { upTo: string; until: number }>();
  /** Sessions being written by `persistSession` (awaited by `close()`). */
  private readonly saving = new Set<Promise<void>>();
  private flushScheduled = false;
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatInterval: number;
  private readonly heartbeatTimeout: number;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Other Socketeer servers (they send heartbeats) → when they were last heard of. */
  private readonly peers = new Map<string, number>();

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param uid - this server's id
   * @param key - prefix of the recovery keys
   * @param opts - options
   */
  constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection, uid: string, key: string, opts: BaseAdapterOptions) {
    super(nsp);
    this.pub = pub;
    this.sub = sub;
    this.uid = uid;
    this.requestsTimeout = opts.requestsTimeout || 5000;
    this.membershipInterval = opts.membershipCheckInterval ?? 1000;
    const recovery = nsp.server.opts.connectionStateRecovery;
    const maxDisconnectionDuration = (recovery ? recovery.maxDisconnectionDuration : undefined) ?? 120000;
    this.store = recovery
      ? new RedisSessionStore(pub, { key, nsp: nsp.name, maxDisconnectionDuration, maxLen: opts.maxLen })
      : null;
    this.unlisten.push(sub.onState((up, err) => {
      if (up) {
        log('[%s] subscriber connection to Redis is up', this.uid);
        if (!this.subscribed) this.subscribeAll();
      } else {
        log('[%s] subscriber connection to Redis lost%s', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    this.unlisten.push(pub.onState((up, err) => {
      if (up) {
        this.outage = outageSignal();
        if (this.dropping) log('[%s] Redis is back: cross-server delivery resumes', this.uid);
        this.dropping = false;
      } else {
        this.outage.resolve(null);
        log('[%s] publisher connection to Redis lost%s; local delivery continues', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    if (this.store) this.trackLiveSessions(maxDisconnectionDuration);
    this.heartbeatInterval = opts.heartbeatInterval ?? 5000;
    this.heartbeatTimeout = opts.heartbeatTimeout ?? 10000;
    if (this.heartbeatInterval > 0) {
      this.heartbeatTimer = setInterval(() => {
        if (this.pub.up) this.publishHeartbeat();
      }, this.heartbeatInterval);
      this.heartbeatTimer.unref();
    }
  }

  // ---- protocol hooks -----------------------------------------------------------------------------------------

  /** Subscribes to the channels of the protocol. */
  protected abstract doSubscribe(): Promise<void>;
  /** Unsubscribes from them (also used to forget half-made subscriptions). */
  protected abstract doUnsubscribe(): Promise<void>;
  /** Publishes a broadcast to the other servers. */
  protected abstract publishBroadcast(packet: Packet, opts: BroadcastOptions): void;
  /** Channel every server of this namespace subscribes to once (its subscriber count is the server count). */
  protected abstract readonly membershipChannel: string;
  /** Whether the channels are sharded (SHARDNUMSUB). */
  protected abstract readonly shardedChannels: boolean;
  /** The channel only the server `uid` subscribes to (its subscription proves its connection to Redis). */
  protected abstract peerChannel(uid: string): string;
  /** Tells the other servers this one is alive. */
  protected abstract publishHeartbeat(): void;

  /** Asks Redis how many servers share this namespace (this one included). */
  protected async countServers(): Promise<number> {
    const [count] = await this.pub.numsub([this.membershipChannel], this.shardedChannels);
    return count!;
  }

  /**
   * Notes a message of another server: a heartbeat makes it a known (heartbeating) Socketeer server; any
   * other message refreshes a known one.
   * @param uid - the sender
   * @param heartbeat - whether the message is a heartbeat
   */
  protected notePeer(uid: unknown, heartbeat: boolean): void {
    if (typeof uid !== 'string' || uid === this.uid) return;
    if (heartbeat || this.peers.has(uid)) this.peers.set(uid, Date.now());
  }

  /** A server that announced it is leaving. */
  protected removePeer(uid: string): void {
    this.peers.delete(uid);
  }

  /** Known servers that have been silent for longer than `heartbeatTimeout`. */
  private stalePeers(): string[] {
    const limit = Date.now() - this.heartbeatTimeout;
    const out: string[] = [];
    for (const [uid, seen] of this.peers) if (seen < limit) out.push(uid);
    return out;
  }

  /** Known servers that are heard from. */
  private freshPeers(): Set<string> {
    const limit = Date.now() - this.heartbeatTimeout;
    const out = new Set<string>();
    for (const [uid, seen] of this.peers) if (seen >= limit) out.add(uid);
    return out;
  }

  /**
   * Counts servers: subscribers of the membership channel, minus the stuck ones (silent, yet still subscribed).
   * Silent servers no longer subscribed are forgotten.
   * @returns the count (this server included) and the stuck servers
   */
  private async liveServers(): Promise<{ count: number; stuck: Set<string> }> {
    const stale = this.stalePeers();
    const counts = await this.pub.numsub([this.membershipChannel, ...stale.map((uid) => this.peerChannel(uid))],
      this.shardedChannels);
    const stuck = new Set<string>();
    stale.forEach((uid, i) => {
      if (counts[i + 1]! > 0) stuck.add(uid);
      else this.peers.delete(uid);
    });
    return { count: counts[0]! - stuck.size, stuck };
  }

  // ---- connection ---------------------------------------------------------------------------------------------

  /** Subscribes (again after a failure: retried once Redis is back). Call at the end of the subclass constructor. */
  protected subscribeAll(): void {
    if (this.subscribing || this.closed) return;
    this.subscribing = true;
    this.doSubscribe().then(() => {
      this.subscribing = false;
      this.subscribed = true;
      log('[%s] subscribed for namespace %s', this.uid, this.nsp.name);
      // let the other servers know this one at once
      if (this.heartbeatInterval > 0) this.publishHeartbeat();
    }, (err: Error) => {
      this.subscribing = false;
      log('[%s] could not subscribe (%s); retrying once Redis is back', this.uid, err.message);
      void this.doUnsubscribe().catch(() => {});
      if (this.sub.up) setTimeout(() => this.subscribeAll(), 500).unref();
    });
  }

  /**
   * Publishes unless Redis is known to be down (then the message is dropped and the outage logged once).
   * @param channel - the channel
   * @param payload - the message
   * @param sharded - SPUBLISH instead of PUBLISH
   */
  protected publishGuarded(channel: string, payload: string | Buffer, sharded: boolean): void {
    if (!this.pub.up) {
      if (!this.dropping) log('[%s] Redis unavailable: cross-server messages are dropped until it is back', this.uid);
      this.dropping = true;
      return;
    }
    (sharded ? this.pub.spublish(channel, payload) : this.pub.publish(channel, payload)).catch(this.onPublishError);
  }

  private readonly onPublishError = (err: Error): void => {
    log('[%s] publish failed: %s', this.uid, err.message);
  };

  // ---- local operations (for messages from other servers) -----------------------------------------------------

  /** Delivers to the local sockets only. */
  protected localBroadcast(packet: Packet, opts: BroadcastOptions): void {
    super.broadcast(packet, this.restored.size === 0 && this.delivering === null ? opts : this.skipRestored(packet, opts));
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

  /** Delivers to the local sockets only, expecting acks. */
  protected localBroadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (n: number) => void,
    ack: (...args: unknown[]) => void): void {
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /** The matching local sockets. */
  protected localFetchSockets(opts: BroadcastOptions): Promise<FetchedSocket[]> {
    return super.fetchSockets(opts);
  }

  /** The ids of the matching local sockets. */
  protected localSockets(rooms: Set<Room>): Promise<Set<string>> {
    return super.sockets(rooms);
  }

  /** Local sockets join rooms. */
  protected localAddSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(opts, rooms);
  }

  /** Local sockets leave rooms. */
  protected localDelSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.delSockets(opts, rooms);
  }

  /** Local sockets disconnect. */
  protected localDisconnectSockets(opts: BroadcastOptions, close: boolean): void {
    super.disconnectSockets(opts, close);
  }

  // ---- broadcasting -------------------------------------------------------------------------------------------

  /**
   * Broadcasts to the matching sockets of every server (only this one with `flags.local`).
   * With connection state recovery on, the packet first gets its offset from Redis (broadcasts keep their order).
   * @param packet - the packet
   * @param opts - rooms, except and flags
   */
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (opts.flags?.local) {
      super.broadcast(packet, opts);
      return;
    }
    packet.nsp = this.nsp.name;
    if (this.store === null) {
      this.publishBroadcast(packet, opts);
      super.broadcast(packet, opts);
      return;
    }
    const recoverable = packet.type === PacketType.EVENT && packet.id === undefined && opts.flags?.volatile === undefined;
    const offset = recoverable && this.pub.up
      ? this.store.append(packet.data as unknown[], [...opts.rooms], opts.except ? [...opts.except] : [])
      : null;
    this.tail = this.tail.then(async () => {
      if (offset) {
        try {
          // an outage must not hold local delivery: stop waiting for Redis when the connection drops
          const id = await Promise.race([offset, this.outage.promise]);
          if (id !== null) (packet.data as unknown[]).push(id);
        } catch (err) {
          log('[%s] no offset for broadcast: %s', this.uid, (err as Error).message);
        }
      }
      this.publishBroadcast(packet, opts);
      super.broadcast(packet, this.restored.size === 0 && this.delivering === null ? opts : this.skipRestored(packet, opts));
    }).catch((err: Error) => log('[%s] broadcast failed: %s', this.uid, err.message));
  }

  // ---- requests to other servers ------------------------------------------------------------------------------

  /**
   * Registers a request and publishes it; it settles on `expected` answers, on timeout, or when the servers that
   * did not answer have left.
   * @param requestId - request id
   * @param publish - publishes the request
   * @param request - expected count, collect and finish callbacks
   * @param timeout - in ms
   */
  protected sendRequest(requestId: string, publish: () => void, request: PendingRequest, timeout: number): void {
    const timer = setTimeout(() => this.settle(requestId, true), timeout);
    this.requests.set(requestId, { ...request, received: 0, timer, missing: this.freshPeers() });
    if (!this.membershipTimer && this.membershipInterval > 0) {
      this.membershipTimer = setInterval(() => this.checkMembership(), this.membershipInterval);
      this.membershipTimer.unref();
    }
    publish();
  }

  /**
   * Hands an answer to a waiting request.
   * @returns false when no such request waits (answer to another server, or too late)
   */
  protected collectResponse(requestId: string, response: Record<string, unknown>, from?: unknown): boolean {
    const request = this.requests.get(requestId);
    if (!request) return false;
    if (typeof from === 'string') request.missing.delete(from);
    request.collect(response);
    request.received++;
    if (request.received >= request.expected) this.settle(requestId, false);
    return true;
  }

  /** Whether a request of ours with this id waits. */
  protected hasRequest(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  private settle(requestId: string, timedOut: boolean): void {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    clearTimeout(request.timer);
    if (this.requests.size === 0 && this.membershipTimer) {
      clearInterval(this.membershipTimer);
      this.membershipTimer = null;
    }
    request.finish(timedOut);
  }

  /**
   * Resolves the waiting requests for which every server still alive has answered: servers whose Redis
   * connection is gone no longer count, nor do stuck ones (silent beyond `heartbeatTimeout`).
   */
  private checkMembership(): void {
    if (!this.pub.up || this.requests.size === 0) return;
    settleWithin(this.liveServers(), this.membershipInterval, null).then((live) => {
      if (live === null) return;
      const others = live.count - 1 + live.stuck.size;
      for (const [requestId, request] of this.requests) {
        let stuckUnanswered = 0;
        for (const uid of request.missing) if (live.stuck.has(uid)) stuckUnanswered++;
        if (request.received >= others - stuckUnanswered) {
          log('[%s] request %s resolves with the %d answers of the servers still alive', this.uid, requestId, request.received);
          this.settle(requestId, false);
        }
      }
    });
  }

  /**
   * @returns the number of servers sharing this namespace (this one included). While Redis is unreachable, the
   * last known count, so that requests to the other servers time out rather than complete partially. Never rejects.
   */
  override async serverCount(): Promise<number> {
    if (!this.pub.up) return this.lastServerCount;
    const live = await settleWithin(this.liveServers(), Math.min(this.requestsTimeout, 2000), null);
    if (live === null) return this.lastServerCount;
    this.lastServerCount = Math.max(live.count, 1);
    return this.lastServerCount;
  }

  // ---- connection state recovery ------------------------------------------------------------------------------

  /**
   * With recovery on, the session of every connected socket is kept in Redis too (written when its rooms change
   * and refreshed every third of `maxDisconnectionDuration`), so that its clients can recover on another server
   * even if this one dies.
   */
  private trackLiveSessions(maxDisconnectionDuration: number): void {
    const mark = (_room: Room, id: string): void => this.markDirty(id);
    this.on('join-room', mark);
    this.on('leave-room', mark);
    this.refreshTimer = setInterval(() => {
      for (const id of this.sids.keys()) this.dirty.add(id);
      this.flushSessions();
    }, Math.max(1000, Math.floor(maxDisconnectionDuration / 3)));
    this.refreshTimer.unref();
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
    if (!this.store || !this.pub.up) {
      this.dirty.clear();
      return;
    }
    for (const id of this.dirty) {
      const socket = this.nsp.sockets.get(id);
      const rooms = this.sids.get(id);
      const pid = socket?.privateSessionId;
      if (!socket || typeof pid !== 'string' || !rooms) continue;
      this.store.persist({ sid: id, pid, rooms: [...rooms], data: socket.data })
        .catch((err: Error) => log('[%s] could not save live session of %s: %s', this.uid, id, err.message));
    }
    this.dirty.clear();
  }

  /**
   * Removes a socket from all its rooms; with recovery on, forgets its saved session unless the server just
   * saved it for recovery (`persistSession`).
   * @param id - the socket id
   */
  override delAll(id: string): void {
    if (this.store) {
      this.dirty.delete(id);
      if (!this.persisted.delete(id)) {
        const pid = this.nsp.sockets.get(id)?.privateSessionId;
        if (typeof pid === 'string') this.store.forget(pid).catch(() => {});
      }
    }
    super.delAll(id);
  }

  /**
   * Saves a disconnected session in Redis (with recovery on).
   * @param session - the session
   */
  override persistSession(session: SessionToPersist): Promise<void> | void {
    if (!this.store) return;
    this.persisted.add(session.sid);
    const saving = this.store.persist(session)
      .catch((err: Error) => log('[%s] could not save session %s: %s', this.uid, session.pid, err.message))
      .finally(() => this.saving.delete(saving));
    this.saving.add(saving);
    return saving;
  }

  /**
   * Restores a session saved by any server, with the broadcasts it missed.
   * @param pid - private session id
   * @param offset - last offset the client received
   * @returns the session, or null
   */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | null {
    if (!this.store) return null;
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
      log('[%s] could not restore session %s: %s', this.uid, pid, err.message);
      return null;
    });
  }

  /**
   * Stops timers and fails the waiting requests; once the broadcasts waiting for their offset are published and the
   * sessions being saved are written (each bounded by the command timeout), unsubscribes.
   */
  override close(): Promise<void> | void {
    if (this.closed) return;
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const requestId of [...this.requests.keys()]) this.settle(requestId, true);
    return Promise.allSettled([this.tail, ...this.saving]).then(() => {
      for (const fn of this.unlisten) fn();
      return this.doUnsubscribe();
    }).catch(() => {});
  }
}
