/**
 * The Redis pub/sub bus of the cluster core, shared by the classic and the sharded adapter: publishing (dropped,
 * with one log line, while Redis is down), subscribing (again once Redis is back when it failed), the server count
 * (subscribers of a channel, minus the Socketeer servers that stopped heartbeating while still subscribed), and
 * connection state recovery through the Redis session store. Every cross-node operation is the core's
 * (`../cluster/`); the subclasses only map its messages to their channels with the codec of `wire.ts`.
 *
 * ```ts
 * class MyRedisAdapter extends RedisBusAdapter {
 *   protected doPublish(message) { const out = encode(message); return this.send(out.channel, out.payload); }
 *   protected doPublishResponse(uid, response) { … }
 *   protected subscriptions() { return { channels: [...], patterns: [...] }; }
 *   protected onRedisMessage(channel, raw) { this.onMessage(decode(raw)); }
 * }
 * ```
 *
 * Owns the Redis connection state of an adapter. Must never import the server classes nor a Redis client library
 * (it speaks to a `RedisConnection`).
 */
import { createLogger } from '../../../util/logger.js';
import type { AdapterNamespace } from '../../adapter-types.js';
import { ClusterAdapter, type ClusterAdapterOptions } from '../cluster/cluster-adapter.js';
import { MessageType, type ClusterMessage } from '../cluster/messages.js';
import { PeerTracker } from '../cluster/peers.js';
import type { ClusterSessionStore } from '../cluster/session-store.js';
import { settleWithin } from '../cluster/requests.js';
import type { RedisConnection } from './client.js';
import { RedisSessionStore } from './session-store.js';

/** Logger of the Redis adapters (`DEBUG=socketeer:redis`). */
export const log = createLogger('socketeer:redis');

/** How long closing waits for the unsubscriptions, and counting for NUMSUB, in ms. */
const COMMAND_WAIT = 2000;

/** How many answers to other servers' requests are held while the publishing connection is down. */
const MAX_HELD_RESPONSES = 1000;

/** Options shared by both Redis adapters (those of the cluster core, and the history length). */
export interface BaseAdapterOptions extends ClusterAdapterOptions {
  /** Approximate number of broadcasts kept in Redis for connection state recovery. Default 10000. */
  maxLen?: number;
}

/**
 * The session store as the adapter uses it: while Redis is down a broadcast gets no offset at once, and an append
 * pending when the connection drops stops waiting (the broadcast is delivered without one) rather than holding the
 * local deliveries behind it until the command timeout.
 */
function failFast(store: RedisSessionStore, pub: RedisConnection): ClusterSessionStore {
  return {
    persist: (session, ttl) => store.persist(session, ttl),
    forget: (pid) => store.forget(pid),
    restore: (pid, offset) => store.restore(pid, offset),
    ordered: store.ordered,
    append: (broadcast) => {
      if (!pub.up) return Promise.reject(new Error('Redis unavailable: no offset'));
      return new Promise<string>((resolve, reject) => {
        const stop = pub.onState((up) => {
          if (!up) reject(new Error('Redis connection lost: no offset'));
        });
        store.append(broadcast).then(resolve, reject).finally(stop);
      });
    },
  };
}

/** What a Redis adapter subscribes to. */
export interface Subscriptions {
  /** Channels (SUBSCRIBE, or SSUBSCRIBE when sharded). */
  channels: string[];
  /** Patterns (PSUBSCRIBE; never sharded). */
  patterns: string[];
}

/**
 * Base of the Redis adapters: a cluster core adapter whose bus is Redis pub/sub.
 * @example
 * ```ts
 * import { createAdapter } from 'socketeer/redis';
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * io.of('/').adapter instanceof RedisBusAdapter;   // true, for the classic and the sharded adapter
 * ```
 */
export abstract class RedisBusAdapter extends ClusterAdapter {
  /** Publishing / command connection. */
  protected readonly pub: RedisConnection;
  /** Subscribing connection. */
  protected readonly sub: RedisConnection;
  /** The Socketeer servers that heartbeat (the others are counted by Redis alone). */
  private readonly heartbeating: PeerTracker;
  private readonly unlisten: Array<() => void> = [];
  private readonly handler = (channel: string, raw: Buffer): void => this.onRedisMessage(channel, raw);
  private subscribed = false;
  private subscribing: Promise<void> | null = null;
  private dropping = false;
  private stopped = false;
  private lastServerCount = 1;
  /** Answers written while the publishing connection was down, sent once it is back if still awaited. */
  private held: Array<{ channel: string; payload: string | Buffer; until: number }> = [];

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param key - prefix of the recovery keys
   * @param opts - options
   * @example
   * ```ts
   * class MyRedisAdapter extends RedisBusAdapter {
   *   constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection) { super(nsp, pub, sub, 'my-app', {}); }
   * }
   * ```
   */
  constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection, key: string, opts: BaseAdapterOptions) {
    const csr = nsp.server.opts.connectionStateRecovery;
    super(nsp, {
      ...opts,
      requestsTimeout: opts.requestsTimeout || 5000,
      sessionStore: opts.sessionStore ?? (csr ? failFast(new RedisSessionStore(pub, {
        key, nsp: nsp.name, maxDisconnectionDuration: csr.maxDisconnectionDuration ?? 120_000, maxLen: opts.maxLen,
      }), pub) : undefined),
    });
    this.pub = pub;
    this.sub = sub;
    this.heartbeating = new PeerTracker(this.uid, opts.heartbeatTimeout ?? 10_000);
  }

  // ---- what a subclass defines --------------------------------------------------------------------------------

  /** The channels and patterns of the protocol (asked again on each subscription). */
  protected abstract subscriptions(): Subscriptions;
  /** Handles a message on one of them. */
  protected abstract onRedisMessage(channel: string, raw: Buffer): void;
  /** Whether the channels are sharded (SSUBSCRIBE, SPUBLISH, SHARDNUMSUB). */
  protected abstract readonly sharded: boolean;
  /** The channel every server of the namespace subscribes to once (its subscriber count is the server count). */
  protected abstract readonly membershipChannel: string;
  /** The channel only the server `uid` subscribes to (its subscription proves its connection to Redis). */
  protected abstract peerChannel(uid: string): string;

  // ---- connection ---------------------------------------------------------------------------------------------

  /**
   * Subscribes, then announces this server (subscribing again once Redis is back when it fails).
   * @example
   * ```ts
   * await io.of('/chat').adapter.init();   // the server calls it when it creates the namespace
   * ```
   */
  override async init(): Promise<void> {
    this.unlisten.push(this.sub.onState((up, err) => {
      if (up) {
        log('[%s] subscriber connection to Redis is up', this.uid);
        if (!this.subscribed) void this.subscribeAll();
      } else {
        log('[%s] subscriber connection to Redis lost%s', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    this.unlisten.push(this.pub.onState((up, err) => {
      if (up) {
        if (this.dropping) log('[%s] Redis is back: cross-server delivery resumes', this.uid);
        this.dropping = false;
        this.flushHeld();
      } else {
        log('[%s] publisher connection to Redis lost%s; local delivery continues', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    await this.subscribeAll();
    await super.init();
  }

  private subscribeAll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.subscribing ??= this.subscribeOnce().finally(() => {
      this.subscribing = null;
    });
  }

  private async subscribeOnce(): Promise<void> {
    const { channels, patterns } = this.subscriptions();
    try {
      await Promise.all([
        ...(this.sharded ? channels.map((c) => this.sub.ssubscribe(c, this.handler)) : [this.sub.subscribe(channels, this.handler)]),
        ...patterns.map((p) => this.sub.psubscribe(p, this.handler)),
      ]);
      this.subscribed = true;
      log('[%s] subscribed for namespace %s', this.uid, this.nsp.name);
    } catch (err) {
      log('[%s] could not subscribe (%s); retrying once Redis is back', this.uid, (err as Error).message);
      void this.unsubscribeAll().catch(() => {});
      if (this.sub.up && !this.stopped) setTimeout(() => void this.subscribeAll(), 500).unref();
    }
  }

  private unsubscribeAll(): Promise<unknown> {
    const { channels, patterns } = this.subscriptions();
    return Promise.all([
      ...(this.sharded ? channels.map((c) => this.sub.sunsubscribe(c, this.handler)) : [this.sub.unsubscribe(channels, this.handler)]),
      ...patterns.map((p) => this.sub.punsubscribe(p, this.handler)),
    ]);
  }

  /**
   * Subscribes to one more channel (a room's, in the dynamic sharded modes).
   * @param channel - the channel
   * @example
   * ```ts
   * this.on('create-room', (room) => this.subscribeChannel(this.roomChannel(room)));
   * ```
   */
  protected subscribeChannel(channel: string): void {
    (this.sharded ? this.sub.ssubscribe(channel, this.handler) : this.sub.subscribe([channel], this.handler))
      .catch((err: Error) => log('[%s] could not subscribe to %s: %s', this.uid, channel, err.message));
  }

  /**
   * Unsubscribes from a channel subscribed with {@link subscribeChannel}.
   * @param channel - the channel
   * @example
   * ```ts
   * this.on('delete-room', (room) => this.unsubscribeChannel(this.roomChannel(room)));
   * ```
   */
  protected unsubscribeChannel(channel: string): void {
    (this.sharded ? this.sub.sunsubscribe(channel, this.handler) : this.sub.unsubscribe([channel], this.handler))
      .catch((err: Error) => log('[%s] could not unsubscribe from %s: %s', this.uid, channel, err.message));
  }

  /**
   * Says goodbye, waits for the sessions being saved, then unsubscribes (each step bounded: Redis may be down).
   * @example
   * ```ts
   * await io.close();   // the other servers stop waiting for this one at once
   * ```
   */
  override async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await super.close();
    for (const fn of this.unlisten.splice(0)) fn();
    await settleWithin(this.unsubscribeAll().then(() => undefined), COMMAND_WAIT, undefined);
  }

  // ---- publishing ---------------------------------------------------------------------------------------------

  /**
   * Publishes unless Redis is known to be down (then the message is dropped and the outage logged once).
   * @param channel - the channel
   * @param payload - the message
   * @returns settles once Redis took it
   * @example
   * ```ts
   * protected doPublish(message: ClusterMessage) { return this.send(this.channel, encodeClusterMessage(message)); }
   * ```
   */
  protected send(channel: string, payload: string | Buffer): Promise<void> {
    if (!this.pub.up) {
      if (!this.dropping) log('[%s] Redis unavailable: cross-server messages are dropped until it is back', this.uid);
      this.dropping = true;
      return Promise.resolve();
    }
    // the receiver count is not read: no extra promise per message
    return (this.sharded ? this.pub.spublish(channel, payload) : this.pub.publish(channel, payload)) as Promise<unknown> as Promise<void>;
  }

  /**
   * Publishes an answer to another server's request. Its two connections come back from an outage one after the
   * other: a server counted by Redis (subscribed again) may receive a request before it can publish, so the answer
   * is held until the publishing connection is back — as long as the requester still waits (`requestsTimeout`),
   * at most 1000 of them — instead of being dropped like a broadcast.
   * @param channel - the requester's response channel
   * @param payload - the answer
   * @returns settles once Redis took it (or at once when held)
   * @example
   * ```ts
   * protected doPublishResponse(uid: string, response: ClusterResponse) { return this.sendResponse(`resp#${uid}`, encode(response)); }
   * ```
   */
  protected sendResponse(channel: string, payload: string | Buffer): Promise<void> {
    if (this.pub.up || this.stopped) return this.send(channel, payload);
    if (this.held.length >= MAX_HELD_RESPONSES) this.held.shift();
    this.held.push({ channel, payload, until: Date.now() + this.requestsTimeout });
    return Promise.resolve();
  }

  private flushHeld(): void {
    const now = Date.now();
    for (const { channel, payload, until } of this.held.splice(0)) {
      if (until < now) continue;
      this.send(channel, payload).catch((err: Error) => log('[%s] could not answer: %s', this.uid, err.message));
    }
  }

  /**
   * Hands a decoded message to the core, noting the Socketeer servers that heartbeat.
   * @param message - the message
   * @example
   * ```ts
   * protected onRedisMessage(channel: string, raw: Buffer) { this.receive(decode(raw)); }
   * ```
   */
  protected receive(message: ClusterMessage): void {
    if (message.uid !== this.uid) {
      if (message.type === MessageType.ADAPTER_CLOSE) this.heartbeating.remove(message.uid);
      else this.heartbeating.note(message.uid, message.type === MessageType.HEARTBEAT || message.type === MessageType.INITIAL_HEARTBEAT);
    }
    this.onMessage(message);
  }

  // ---- membership ---------------------------------------------------------------------------------------------

  /**
   * Whether Redis answers now.
   * @example
   * ```ts
   * if (!adapter.isUp()) console.log('cross-server delivery paused');
   * ```
   */
  protected override isUp(): boolean {
    return this.pub.up;
  }

  /**
   * @returns the number of servers sharing this namespace (this one included): the subscribers of its channel,
   * minus the Socketeer servers silent past `heartbeatTimeout` that are still subscribed (frozen). While Redis is
   * unreachable, the last known count, so that requests to the other servers time out rather than complete
   * partially. Never rejects.
   * @example
   * ```ts
   * const count = await io.of('/').adapter.serverCount();   // servers sharing this namespace over Redis
   * ```
   */
  override async serverCount(): Promise<number> {
    if (!this.pub.up) return this.lastServerCount;
    const count = await settleWithin(this.liveServers(), Math.min(this.requestsTimeout, COMMAND_WAIT), null);
    if (count === null) return this.lastServerCount;
    this.lastServerCount = Math.max(count, 1);
    return this.lastServerCount;
  }

  private async liveServers(): Promise<number> {
    const stale = this.heartbeating.stale();
    const counts = await this.pub.numsub([this.membershipChannel, ...stale.map((uid) => this.peerChannel(uid))], this.sharded);
    let stuck = 0;
    stale.forEach((uid, i) => {
      if (counts[i + 1]! > 0) stuck++;
      else this.heartbeating.remove(uid);
    });
    return counts[0]! - stuck;
  }
}
