/**
 * What the classic and the sharded Redis adapters share: the Redis connection state (publish gating, outage
 * logging, resubscription), the server count, broadcasting with offsets, and the glue to the generic parts: the
 * requests waiting on other servers (`../cluster/requests.ts`), the heartbeating peers (`../cluster/peers.ts`) and
 * connection state recovery across servers (`recovery.ts`).
 *
 * ```ts
 * class MyRedisAdapter extends RedisAdapterBase {
 *   // channels and the message protocol: doSubscribe, doUnsubscribe, publishBroadcast, publishHeartbeat, …
 * }
 * ```
 *
 * Owns the base class only. Must never import the server classes nor a Redis client library (it speaks to a
 * `RedisConnection`).
 */
import { createLogger } from '../../../util/logger.js';
import type { Packet } from '../../../protocol/index.js';
import type { DisconnectDetails } from '../../../protocol/disconnect.js';
import {
  Adapter, type AdapterNamespace, type BroadcastOptions, type FetchedSocket, type PrivateSessionId, type Room,
  type Session, type SessionToPersist,
} from '../../adapter.js';
import { RequestTracker, settleWithin, type LiveServers, type PendingRequest } from '../cluster/requests.js';
import { PeerTracker } from '../cluster/peers.js';
import type { RedisConnection } from './client.js';
import { RedisSessionStore } from './session-store.js';
import { RedisRecovery } from './recovery.js';

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

/** A promise resolved (with null) when the Redis connection drops. */
function outageSignal(): { promise: Promise<null>; resolve: (v: null) => void } {
  let resolve!: (v: null) => void;
  const promise = new Promise<null>((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * Base of the Redis adapters; subclasses define channels and the message protocol.
 * @example
 * ```ts
 * import { createAdapter } from 'socketeer/redis';
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * io.of('/').adapter instanceof RedisAdapterBase;   // true, for the classic and the sharded adapter
 * ```
 */
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
  private readonly requests: RequestTracker;
  private readonly peers: PeerTracker;
  /** Connection state recovery across servers (on), else null. */
  private readonly recovery: RedisRecovery | null;
  private lastServerCount = 1;
  private subscribed = false;
  private subscribing = false;
  private dropping = false;
  private readonly unlisten: Array<() => void> = [];
  private tail: Promise<void> = Promise.resolve();
  private outage = outageSignal();
  private readonly heartbeatInterval: number;
  private heartbeatTimer: NodeJS.Timeout | null = null;

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param uid - this server's id
   * @param key - prefix of the recovery keys
   * @param opts - options
   * @example
   * ```ts
   * class MyRedisAdapter extends RedisAdapterBase {
   *   constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection) {
   *     super(nsp, pub, sub, randomId(6), 'my-app', { requestsTimeout: 3000 });
   *     this.subscribeAll();
   *   }
   * }
   * ```
   */
  constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection, uid: string, key: string, opts: BaseAdapterOptions) {
    super(nsp);
    this.pub = pub;
    this.sub = sub;
    this.uid = uid;
    this.requestsTimeout = opts.requestsTimeout || 5000;
    this.peers = new PeerTracker(uid, opts.heartbeatTimeout ?? 10000);
    this.requests = new RequestTracker({
      uid, log, membershipCheckInterval: opts.membershipCheckInterval ?? 1000, isUp: () => this.pub.up,
      liveServers: () => this.liveServers(), alivePeers: () => this.peers.fresh(),
    });
    const recovery = nsp.server.opts.connectionStateRecovery;
    const maxDisconnectionDuration = (recovery ? recovery.maxDisconnectionDuration : undefined) ?? 120000;
    this.store = recovery
      ? new RedisSessionStore(pub, { key, nsp: nsp.name, maxDisconnectionDuration, maxLen: opts.maxLen })
      : null;
    this.recovery = this.store ? new RedisRecovery(this, this.store, () => this.pub.up, maxDisconnectionDuration) : null;
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
    this.heartbeatInterval = opts.heartbeatInterval ?? 5000;
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
    this.peers.note(uid, heartbeat);
  }

  /** A server that announced it is leaving. */
  protected removePeer(uid: string): void {
    this.peers.remove(uid);
  }

  /**
   * Counts servers: subscribers of the membership channel, minus the stuck ones (silent, yet still subscribed).
   * Silent servers no longer subscribed are forgotten.
   * @returns the count (this server included) and the stuck servers
   */
  private async liveServers(): Promise<LiveServers> {
    const stale = this.peers.stale();
    const counts = await this.pub.numsub([this.membershipChannel, ...stale.map((uid) => this.peerChannel(uid))],
      this.shardedChannels);
    const stuck = new Set<string>();
    stale.forEach((uid, i) => {
      if (counts[i + 1]! > 0) stuck.add(uid);
      else this.peers.remove(uid);
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
    super.broadcast(packet, this.recovery === null ? opts : this.recovery.deliveryOptions(packet, opts));
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

  /** Local sockets disconnect (told why when `details`). */
  protected localDisconnectSockets(opts: BroadcastOptions, close: boolean, details?: DisconnectDetails): void {
    super.disconnectSockets(opts, close, details);
  }

  // ---- broadcasting -------------------------------------------------------------------------------------------

  /**
   * Broadcasts to the matching sockets of every server (only this one with `flags.local`).
   * With connection state recovery on, the packet first gets its offset from Redis (broadcasts keep their order).
   * @param packet - the packet
   * @param opts - rooms, except and flags
   * @example
   * ```ts
   * io.to('room-101').emit('hello');   // every server's clients in room-101
   * ```
   */
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (opts.flags?.local) {
      super.broadcast(packet, opts);
      return;
    }
    packet.nsp = this.nsp.name;
    const recovery = this.recovery;
    if (recovery === null) {
      this.publishBroadcast(packet, opts);
      super.broadcast(packet, opts);
      return;
    }
    const offset = recovery.append(packet, opts);
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
      super.broadcast(packet, recovery.deliveryOptions(packet, opts));
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
    this.requests.send(requestId, publish, request, timeout);
  }

  /**
   * Hands an answer to a waiting request.
   * @returns false when no such request waits (answer to another server, or too late)
   */
  protected collectResponse(requestId: string, response: Record<string, unknown>, from?: unknown): boolean {
    return this.requests.collect(requestId, response, from);
  }

  /** Whether a request of ours with this id waits. */
  protected hasRequest(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  /**
   * @returns the number of servers sharing this namespace (this one included). While Redis is unreachable, the
   * last known count, so that requests to the other servers time out rather than complete partially. Never rejects.
   * @example
   * ```ts
   * const count = await io.of('/').adapter.serverCount();   // servers sharing this namespace over Redis
   * ```
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
   * Removes a socket from all its rooms; with recovery on, forgets its saved session unless the server just
   * saved it for recovery (`persistSession`).
   * @param id - the socket id
   * @example
   * ```ts
   * socket.disconnect();   // leaves its rooms: adapter.delAll(socket.id)
   * ```
   */
  override delAll(id: string): void {
    this.recovery?.socketLeft(id);
    super.delAll(id);
  }

  /**
   * Saves a disconnected session in Redis (with recovery on).
   * @param session - the session
   * @example
   * ```ts
   * // with connectionStateRecovery on, a socket whose connection is lost is saved in Redis
   * const io = new Server(httpServer, { adapter: createAdapter(pub, sub), connectionStateRecovery: {} });
   * ```
   */
  override persistSession(session: SessionToPersist): Promise<void> | void {
    return this.recovery?.persist(session);
  }

  /**
   * Restores a session saved by any server, with the broadcasts it missed.
   * @param pid - private session id
   * @param offset - last offset the client received
   * @returns the session, or null
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   if (socket.recovered) console.log('restored, maybe saved by another server, with the events it missed');
   * });
   * ```
   */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | null {
    return this.recovery === null ? null : this.recovery.restore(pid, offset);
  }

  /**
   * Stops timers and fails the waiting requests; once the broadcasts waiting for their offset are published and the
   * sessions being saved are written (each bounded by the command timeout), unsubscribes.
   * @example
   * ```ts
   * await io.close();   // broadcasts waiting for their offset go out, sessions are written, then unsubscribes
   * ```
   */
  override close(): Promise<void> | void {
    if (this.closed) return;
    this.closed = true;
    const saving = this.recovery?.close() ?? [];
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.requests.failAll();
    return Promise.allSettled([this.tail, ...saving]).then(() => {
      for (const fn of this.unlisten) fn();
      return this.doUnsubscribe();
    }).catch(() => {});
  }
}
