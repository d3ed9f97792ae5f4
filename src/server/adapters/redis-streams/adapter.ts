/**
 * The Redis Streams engine of the cluster core: broadcasts and room operations are appended to a Redis stream
 * (read by every node with XREAD, so a node that loses Redis for a while catches up from where it was: the stream
 * is the buffer), the messages that need not be kept (requests, answers, broadcasts with acks, membership) go over
 * Pub/Sub, and connection state recovery reads the stream. Wire-compatible with `@socket.io/redis-streams-adapter`
 * 0.3: same stream, fields, channels and session keys, so its nodes and ours serve one cluster.
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createAdapter } from 'socketeer/redis-streams';
 * const io = new Server(httpServer, { adapter: createAdapter(new Redis()), connectionStateRecovery: {} });
 * ```
 *
 * Owns the bus side only (publishing, reading the stream, subscribing); every operation is the core's. Must never
 * import a Redis client library (the user's client is wrapped by `../redis/client.ts`) nor the server classes.
 */
import { createLogger } from '../../../util/logger.js';
import type { AdapterNamespace } from '../../adapter-types.js';
import { wrapClient, type RedisConnection } from '../redis/client.js';
import { ClusterAdapter, type ClusterAdapterOptions } from '../cluster/cluster-adapter.js';
import { settleWithin } from '../cluster/requests.js';
import { isEphemeral, type ClusterMessage, type ClusterResponse } from '../cluster/messages.js';
import { RedisStreamsSessionStore } from './session-store.js';
import { channelsFor, decodeEntry, decodePayload, encodeEntry, encodePayload, streamFor } from './wire.js';

const log = createLogger('socketeer:redis-streams');

/**
 * How long counting the subscribers of the namespace's channel may take before the heartbeats stand in, and how
 * long closing waits for Redis, in ms.
 */
const COUNT_TIMEOUT = 2000;

/** Options, with the names of `@socket.io/redis-streams-adapter`. */
export interface RedisStreamsAdapterOptions extends ClusterAdapterOptions {
  /** The stream (or the prefix of the streams). Default `socket.io`. */
  streamName?: string;
  /** How many streams the namespaces are spread over (each namespace stays on one). Default 1. */
  streamCount?: number;
  /** Prefix of the Pub/Sub channels. Default `socket.io`. */
  channelPrefix?: string;
  /** SPUBLISH/SSUBSCRIBE (Redis 7) instead of PUBLISH/SUBSCRIBE. Default false. */
  useShardedPubSub?: boolean;
  /** Approximate length the stream is trimmed to (`MAXLEN ~`). Default 10000. */
  maxLen?: number;
  /** Entries read per XREAD. Default 100. */
  readCount?: number;
  /** How long an XREAD blocks, in ms. Default 5000. */
  blockTimeInMs?: number;
  /** Prefix of the session keys. Default `sio:session:`. */
  sessionKeyPrefix?: string;
  /** The data never holds binary: skip the check. Default false. */
  onlyPlaintext?: boolean;
}

type Resolved = Required<Omit<RedisStreamsAdapterOptions, keyof ClusterAdapterOptions>> & ClusterAdapterOptions;

/** What the duplicates of the user's client need: `duplicate()`, and `connect()` for the `redis` package. */
interface Duplicable {
  duplicate(): unknown;
}

async function duplicate(client: unknown): Promise<{ conn: RedisConnection; close(): void }> {
  const dup = (client as Duplicable).duplicate() as {
    on?(e: string, f: () => void): void; connect?(): Promise<unknown>; disconnect?(): unknown; quit?(): unknown;
    options?: { lazyConnect?: boolean }; status?: string; isOpen?: boolean;
  };
  dup.on?.('error', () => {});
  const nodeRedis = typeof (dup as { sPublish?: unknown }).sPublish === 'function';
  if ((nodeRedis && !dup.isOpen) || dup.options?.lazyConnect) await dup.connect?.();
  return {
    conn: wrapClient(dup),
    close: () => {
      try {
        if (nodeRedis) void (dup.disconnect?.() as Promise<void> | undefined)?.catch?.(() => {});
        else dup.disconnect?.();
      } catch { /* already closed */ }
    },
  };
}

type EntryHandler = (message: ClusterMessage, offset: string) => void;

/** The shared side of one `createAdapter()`: the stream reader and the subscriber, used by every namespace. */
class StreamsBus {
  readonly conn: RedisConnection;
  private readonly handlers = new Map<string, EntryHandler>();
  private readonly offsets = new Map<string, string>();
  private reader: Promise<{ conn: RedisConnection; close(): void }> | null = null;
  private subscriber: Promise<{ conn: RedisConnection; close(): void }> | null = null;
  private running = false;
  /** Bumped when reading stops: a loop of an earlier generation ends. */
  private generation = 0;

  constructor(private readonly client: unknown, readonly opts: Resolved) {
    this.conn = wrapClient(client);
  }

  /** The subscriber connection (made on first use). */
  sub(): Promise<RedisConnection> {
    this.subscriber ??= duplicate(this.client);
    return this.subscriber.then((s) => s.conn);
  }

  /**
   * Registers a namespace's handler for the entries of its stream and starts reading.
   * @returns resolves once the stream is read from its current end: every entry added later is delivered
   */
  register(nsp: string, handler: EntryHandler): Promise<void> {
    this.handlers.set(nsp, handler);
    const stream = streamFor(nsp, this.opts.streamName, this.opts.streamCount);
    if (!this.running) {
      this.running = true;
      const generation = ++this.generation;
      this.reader ??= duplicate(this.client);
      void this.reader.then((r) => this.poll(r.conn, generation), (err: Error) => log('no reader connection: %s', err.message));
    }
    if (this.offsets.has(stream)) return Promise.resolve();
    // the id of the last entry now (not `$`, which would skip what is added before the first XREAD)
    const last = this.conn.command(['XREVRANGE', stream, '+', '-', 'COUNT', '1'], stream)
      .then((reply) => (Array.isArray(reply) && reply.length > 0 ? String((reply as Array<[Buffer]>)[0]![0]) : '0-0'));
    return settleWithin(last, COUNT_TIMEOUT, '$').then((id) => {
      if (!this.offsets.has(stream)) this.offsets.set(stream, id);
    });
  }

  /** Removes a namespace; the last one stops the reader and closes the duplicates. */
  unregister(nsp: string): void {
    this.handlers.delete(nsp);
    if (this.handlers.size > 0) return;
    this.running = false;
    this.generation++;
    const reader = this.reader;
    const subscriber = this.subscriber;
    this.reader = this.subscriber = null;
    this.offsets.clear();
    void reader?.then((r) => r.close(), () => {});
    void subscriber?.then((s) => s.close(), () => {});
  }

  private async poll(conn: RedisConnection, generation: number): Promise<void> {
    while (generation === this.generation) {
      const streams = [...this.offsets.keys()];
      if (streams.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        const reply = await conn.command(['XREAD', 'BLOCK', String(this.opts.blockTimeInMs), 'COUNT', String(this.opts.readCount),
          'STREAMS', ...streams, ...streams.map((s) => this.offsets.get(s)!)], streams[0]);
        if (generation !== this.generation) return;
        if (Array.isArray(reply)) this.dispatch(reply as Array<[Buffer, Array<[Buffer, Buffer[]]>]>);
      } catch (err) {
        if (generation !== this.generation) return;
        log('reading the stream failed: %s', (err as Error)?.message ?? String(err));
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private dispatch(reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]>): void {
    for (const [name, entries] of reply) {
      const stream = String(name);
      for (const [rawId, fields] of entries) {
        const id = String(rawId);
        this.offsets.set(stream, id);
        const message = decodeEntry(fields);
        if (!message) continue;
        try {
          this.handlers.get(message.nsp)?.(message, id);
        } catch (err) {
          log('entry %s failed: %s', id, (err as Error).message);
        }
      }
    }
  }
}

/**
 * The adapter of one namespace on Redis Streams.
 * @example
 * ```ts
 * const io = new Server(httpServer, { adapter: createAdapter(redis, { streamName: 'chat' }) });
 * io.of('/').adapter instanceof RedisStreamsAdapter;   // true
 * ```
 */
export class RedisStreamsAdapter extends ClusterAdapter {
  private readonly stream: string;
  private readonly channels: { all: string; own: string };
  private readonly onPayload = (_channel: string, payload: Buffer): void => {
    const message = decodePayload(payload);
    if (message) this.onMessage(message);
  };
  private subscribed: Promise<RedisConnection> | null = null;
  /** Resolves once the namespace's stream is read from where it ended when the adapter was made. */
  private readonly reading: Promise<void>;

  /**
   * @param nsp the namespace
   * @param bus the shared reader and subscriber of the `createAdapter()` call
   * @param opts the options
   * @example
   * ```ts
   * const adapter = createAdapter(redis)(io.of('/'));   // what the server does for each namespace
   * ```
   */
  constructor(nsp: AdapterNamespace, private readonly bus: StreamsBus, private readonly opts: Resolved) {
    super(nsp, {
      ...opts,
      sessionStore: opts.sessionStore ?? new RedisStreamsSessionStore(bus.conn, {
        streamName: streamFor(nsp.name, opts.streamName, opts.streamCount), nsp: nsp.name, sessionKeyPrefix: opts.sessionKeyPrefix,
      }),
    });
    this.stream = streamFor(nsp.name, opts.streamName, opts.streamCount);
    this.channels = channelsFor(opts.channelPrefix, nsp.name, this.uid);
    this.reading = bus.register(nsp.name, (message, offset) => this.onMessage(message, offset));
  }

  /**
   * Subscribes to the namespace's channels, then announces this node.
   * @example
   * ```ts
   * await io.of('/chat').adapter.init();   // the server calls it
   * ```
   */
  override async init(): Promise<void> {
    const channels = [this.channels.all, this.channels.own];
    this.subscribed = this.bus.sub().then(async (sub) => {
      if (this.opts.useShardedPubSub) for (const c of channels) await sub.ssubscribe(c, this.onPayload);
      else await sub.subscribe(channels, this.onPayload);
      return sub;
    });
    await Promise.all([this.subscribed, this.reading]);
    await super.init();
  }

  /**
   * Says goodbye, unsubscribes, and stops reading once no namespace is left.
   * @example
   * ```ts
   * await io.close();   // closes every namespace's adapter
   * ```
   */
  override async close(): Promise<void> {
    await super.close();
    const sub = await settleWithin(this.subscribed ?? Promise.resolve(null), COUNT_TIMEOUT, null);
    if (sub) {
      const channels = [this.channels.all, this.channels.own];
      const unsubscribe = this.opts.useShardedPubSub
        ? Promise.all(channels.map((c) => sub.sunsubscribe(c, this.onPayload)))
        : sub.unsubscribe(channels, this.onPayload);
      // Redis may be down: the duplicates are closed anyway
      await settleWithin(unsubscribe.then(() => undefined), COUNT_TIMEOUT, undefined);
    }
    this.bus.unregister(this.nsp.name);
  }

  /**
   * @returns whether Redis answers now
   * @example
   * ```ts
   * if (!adapter.isUp()) console.warn('Redis is down');
   * ```
   */
  protected override isUp(): boolean {
    return this.bus.conn.up;
  }

  /**
   * @returns the number of nodes subscribed to the namespace's channel (ours and the reference's)
   * @example
   * ```ts
   * const servers = await io.of('/').adapter.serverCount();
   * ```
   */
  override async serverCount(): Promise<number> {
    // while Redis is down the count would wait for it: the nodes heard of recently stand in
    const counts = await settleWithin(this.bus.conn.numsub([this.channels.all], this.opts.useShardedPubSub), COUNT_TIMEOUT, null);
    return counts === null ? super.serverCount() : Math.max(1, counts[0] ?? 1);
  }

  /**
   * Appends to the stream (resolves with the entry id), or publishes on the namespace's channel when the message
   * need not be kept.
   * @param message the message
   * @returns the entry id, for a message kept in the stream
   * @example
   * ```ts
   * io.to('news').emit('headline', text);   // XADD socket.io MAXLEN ~ 10000 * uid … nsp / type 3 data {…}
   * ```
   */
  protected doPublish(message: ClusterMessage): Promise<string | void> {
    if (isEphemeral(message)) return this.pub(this.channels.all, message).then(() => undefined);
    const args = ['XADD', this.stream, 'MAXLEN', '~', String(this.opts.maxLen), '*', ...encodeEntry(message, this.opts.onlyPlaintext)];
    return this.bus.conn.command(args, this.stream).catch((err: Error) => {
      // an append in flight when the connection dropped: `redis` v4 rejects it (ioredis sends it again itself);
      // sent again, it waits with the appends made during the outage and goes first once Redis is back
      if (!isConnectionLoss(err)) throw err;
      return this.bus.conn.command(args, this.stream);
    }).then((id) => String(id));
  }

  /**
   * Publishes an answer on the requester's own channel.
   * @param requesterUid the requester
   * @param response the answer
   * @example
   * ```ts
   * const sockets = await io.fetchSockets();   // each other node answers on `socket.io#/#<uid>#`
   * ```
   */
  protected doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    return this.pub(channelsFor(this.opts.channelPrefix, this.nsp.name, requesterUid).own, response).then(() => undefined);
  }

  private pub(channel: string, message: ClusterMessage): Promise<number> {
    const payload = encodePayload(message);
    return this.opts.useShardedPubSub ? this.bus.conn.spublish(channel, payload) : this.bus.conn.publish(channel, payload);
  }
}

/** Whether a command failed because the connection dropped while it was in flight (`redis` v4). */
function isConnectionLoss(err: Error): boolean {
  return err?.message === 'Socket closed unexpectedly';
}

/**
 * Creates the adapter factory for a Redis client the application made (`ioredis` or `redis` v4); two duplicates
 * of it are opened (the stream reader and the subscriber).
 * @param redisClient an `ioredis` client or a connected `redis` v4 client
 * @param opts options (the names of `@socket.io/redis-streams-adapter`)
 * @returns the `adapter` option of the server
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = createClient({ url: 'redis://localhost:6379' });
 * await redis.connect();
 * const io = new Server(httpServer, { adapter: createAdapter(redis, { maxLen: 50_000 }), connectionStateRecovery: {} });
 * ```
 */
export function createAdapter(redisClient: unknown, opts: RedisStreamsAdapterOptions = {}): (nsp: AdapterNamespace) => RedisStreamsAdapter {
  const resolved: Resolved = {
    streamName: 'socket.io', streamCount: 1, channelPrefix: 'socket.io', useShardedPubSub: false, maxLen: 10_000,
    readCount: 100, blockTimeInMs: 5000, sessionKeyPrefix: 'sio:session:', onlyPlaintext: false, ...opts,
  };
  const bus = new StreamsBus(redisClient, resolved);
  return (nsp) => new RedisStreamsAdapter(nsp, bus, resolved);
}
