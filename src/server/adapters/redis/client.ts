/**
 * One small interface over the Redis clients users bring: `ioredis` (standalone or Cluster) and `redis` v4
 * (standalone or cluster). The adapters only speak to a RedisConnection, never to a client library directly.
 *
 * ```ts
 * const conn = wrapClient(new Redis());
 * await conn.subscribe(['news'], (channel, message) => console.log(channel, message.toString()));
 * ```
 *
 * Owns the client detection, the connection state and the handler tables. Must never import the client
 * libraries (they are typed structurally here), the adapters, nor anything of the server.
 */
import { createLogger } from '../../../util/logger.js';

const log = createLogger('socketeer:redis');

/** Called for every message on a subscribed channel (or a channel matching a subscribed pattern). */
export type MessageHandler = (channel: string, message: Buffer) => void;

/** Structural view of an `ioredis` client (`Redis` or `Cluster`). */
interface IoRedisLike {
  status: string;
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
  publish(channel: string, message: string | Buffer): Promise<number>;
  spublish(channel: string, message: string | Buffer): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  callBuffer(command: string, ...args: Array<string | Buffer | number>): Promise<unknown>;
  nodes?(role?: string): IoRedisLike[];
  isCluster?: boolean;
}

/** Structural view of a `redis` v4 client (`createClient()` or `createCluster()`). */
interface NodeRedisLike {
  isReady?: boolean;
  isOpen?: boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
  publish(channel: string, message: string | Buffer): Promise<number>;
  sPublish(channel: string, message: string | Buffer): Promise<number>;
  subscribe(channels: string | string[], listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  unsubscribe(channels: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  pSubscribe(pattern: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  pUnsubscribe(pattern: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  sSubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  sUnsubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, buffers: true): Promise<void>;
  /** Standalone form: the command and its arguments. */
  sendCommand(args: Array<string | Buffer>, options?: object): Promise<unknown>;
  /** Cluster form: the key routing the command, whether it is read-only, the command and its arguments. */
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: Array<string | Buffer>, options?: object): Promise<unknown>;
  masters?: Array<{ client?: { sendCommand(args: string[]): Promise<unknown> } }>;
}

/**
 * What the adapters need from Redis, whatever the client library.
 * @example
 * ```ts
 * const conn: RedisConnection = wrapClient(pubClient);
 * const [subscribers] = await conn.numsub(['socket.io-request#/#']);
 * ```
 */
export interface RedisConnection {
  /** `ioredis` or `redis` (v4). */
  readonly library: 'ioredis' | 'redis';
  /** Whether the client talks to a Redis Cluster. */
  readonly cluster: boolean;
  /** Whether commands are answered right now (connected and not failed). */
  readonly up: boolean;
  /**
   * Registers a listener for connection state changes (up on `ready`, down on `error`/`close`/`end`).
   * @returns a function removing the listener
   */
  onState(fn: (up: boolean, err?: Error) => void): () => void;
  /** PUBLISH; resolves with the number of receivers. */
  publish(channel: string, payload: string | Buffer): Promise<number>;
  /** SPUBLISH (Redis 7 sharded pub/sub). */
  spublish(channel: string, payload: string | Buffer): Promise<number>;
  /** SUBSCRIBE to each channel; the handler is called for messages on them. */
  subscribe(channels: string[], handler: MessageHandler): Promise<void>;
  /** Removes the handler; UNSUBSCRIBE once no handler remains on a channel. */
  unsubscribe(channels: string[], handler: MessageHandler): Promise<void>;
  /** PSUBSCRIBE. */
  psubscribe(pattern: string, handler: MessageHandler): Promise<void>;
  /** Removes the handler; PUNSUBSCRIBE once no handler remains. */
  punsubscribe(pattern: string, handler: MessageHandler): Promise<void>;
  /** SSUBSCRIBE (one channel). */
  ssubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Removes the handler; SUNSUBSCRIBE once no handler remains. */
  sunsubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /**
   * Subscriber counts of channels, summed over every master in a cluster.
   * @param channels - the channels
   * @param sharded - SHARDNUMSUB instead of NUMSUB
   * @returns one count per channel, in order
   */
  numsub(channels: string[], sharded?: boolean): Promise<number[]>;
  /**
   * Runs any command; bulk replies come back as Buffers.
   * @param key - the key the command touches (routes it in a cluster)
   */
  command(args: Array<string | Buffer>, key?: string): Promise<unknown>;
}

/** Listeners per channel (or pattern) on one subscriber connection, shared by every adapter using it. */
class HandlerTable {
  readonly map = new Map<string, Set<MessageHandler>>();

  /** @returns true when this is the first handler for the key (a subscribe command is needed) */
  add(key: string, fn: MessageHandler): boolean {
    let set = this.map.get(key);
    const first = set === undefined;
    if (!set) this.map.set(key, (set = new Set()));
    set.add(fn);
    return first;
  }

  /** @returns true when no handler is left for the key (an unsubscribe command is needed) */
  remove(key: string, fn: MessageHandler): boolean {
    const set = this.map.get(key);
    if (!set) return false;
    set.delete(fn);
    if (set.size > 0) return false;
    this.map.delete(key);
    return true;
  }

  dispatch(key: string, channel: string, message: Buffer): void {
    const set = this.map.get(key);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(channel, message);
      } catch (err) {
        log('handler error on %s: %s', channel, (err as Error).message);
      }
    }
  }
}

/** Parses a `PUBSUB NUMSUB`/`SHARDNUMSUB` reply (`[channel, count, channel, count, …]`) into counts. */
function parseNumSub(reply: unknown, size: number): number[] {
  const arr = Array.isArray(reply) ? reply : [];
  const out: number[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const n = parseInt(String(arr[2 * i + 1] ?? '0'), 10);
    out[i] = Number.isFinite(n) ? n : 0;
  }
  return out;
}

/** Adds up per-node count lists. */
function sumCounts(lists: number[][], size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (const list of lists) for (let i = 0; i < size; i++) out[i]! += list[i]!;
  return out;
}

/** Tracks up/down from the client's own events; `initiallyUp` reads the client's state once. */
class StateTracker {
  up: boolean;
  private readonly listeners = new Set<(up: boolean, err?: Error) => void>();

  constructor(client: { on(event: string, fn: (...args: never[]) => void): unknown }, initiallyUp: boolean,
    upEvents: string[], downEvents: string[]) {
    this.up = initiallyUp;
    for (const ev of upEvents) client.on(ev, () => this.set(true));
    for (const ev of downEvents) client.on(ev, (err?: unknown) => this.set(false, err instanceof Error ? err : undefined));
  }

  private set(up: boolean, err?: Error): void {
    if (this.up === up && !err) return;
    const changed = this.up !== up;
    this.up = up;
    if (!changed) return;
    for (const fn of this.listeners) fn(up, err);
  }

  on(fn: (up: boolean, err?: Error) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

const connections = new WeakMap<object, RedisConnection>();

/** Key whose slot decides the node classic PUBLISH commands go to in a cluster. */
const PUBLISH_ROUTING_KEY = 'socketeer';

/**
 * Wraps a user's Redis client (memoised: every adapter sharing a client shares one wrapper and its subscriptions).
 * @param client - an `ioredis` Redis/Cluster, or a connected `redis` v4 client/cluster
 * @returns the connection interface used by the adapters
 * @example
 * ```ts
 * const conn = wrapClient(new Redis());   // or a connected redis v4 client / cluster
 * conn.onState((up) => console.log(up ? 'Redis up' : 'Redis down'));
 * await conn.publish('channel', 'message');
 * ```
 */
export function wrapClient(client: unknown): RedisConnection {
  if (!client || typeof client !== 'object') throw new TypeError('socketeer/redis: a Redis client is required');
  const known = connections.get(client);
  if (known) return known;
  const c = client as Record<string, unknown>;
  let conn: RedisConnection;
  if (typeof c.pSubscribe === 'function' || typeof c.sPublish === 'function') conn = new NodeRedisConnection(client as NodeRedisLike);
  else if (typeof c.psubscribe === 'function' && typeof c.callBuffer === 'function') conn = new IoRedisConnection(client as IoRedisLike);
  else throw new TypeError('socketeer/redis: unsupported Redis client (expected ioredis or redis v4)');
  connections.set(client, conn);
  return conn;
}

/** `ioredis` (standalone or Cluster). */
class IoRedisConnection implements RedisConnection {
  readonly library = 'ioredis' as const;
  readonly cluster: boolean;
  private readonly state: StateTracker;
  private readonly channels = new HandlerTable();
  private readonly patterns = new HandlerTable();
  private readonly shardChannels = new HandlerTable();
  private listening = false;

  constructor(private readonly client: IoRedisLike) {
    this.cluster = client.isCluster === true || client.constructor?.name === 'Cluster';
    this.state = new StateTracker(client, client.status === 'ready' || client.status === 'wait' || client.status === 'connecting',
      ['ready'], ['error', 'close', 'end']);
  }

  get up(): boolean {
    return this.state.up && this.client.status !== 'end';
  }

  onState(fn: (up: boolean, err?: Error) => void): () => void {
    return this.state.on(fn);
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.client.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      this.channels.dispatch(name, name, message);
    });
    this.client.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => {
      this.patterns.dispatch(pattern.toString(), channel.toString(), message);
    });
    this.client.on('smessageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      this.shardChannels.dispatch(name, name, message);
    });
  }

  publish(channel: string, payload: string | Buffer): Promise<number> {
    if (this.cluster && this.client.nodes) {
      // a keyless PUBLISH would go to a random node: pin one master so that messages keep their order
      const masters = this.client.nodes('master');
      let node: IoRedisLike | undefined;
      let best = '';
      for (const m of masters) {
        const opts = (m as unknown as { options?: { host?: string; port?: number } }).options;
        const name = `${opts?.host}:${opts?.port}`;
        if (m.status === 'ready' && (node === undefined || name < best)) {
          node = m;
          best = name;
        }
      }
      if (node) return node.publish(channel, payload);
    }
    return this.client.publish(channel, payload);
  }

  spublish(channel: string, payload: string | Buffer): Promise<number> {
    return this.client.spublish(channel, payload);
  }

  async subscribe(channels: string[], handler: MessageHandler): Promise<void> {
    this.listen();
    const fresh = channels.filter((ch) => this.channels.add(ch, handler));
    if (fresh.length) await this.client.subscribe(...fresh);
  }

  async unsubscribe(channels: string[], handler: MessageHandler): Promise<void> {
    const gone = channels.filter((ch) => this.channels.remove(ch, handler));
    if (gone.length) await this.client.unsubscribe(...gone);
  }

  async psubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    this.listen();
    if (this.patterns.add(pattern, handler)) await this.client.psubscribe(pattern);
  }

  async punsubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    if (this.patterns.remove(pattern, handler)) await this.client.punsubscribe(pattern);
  }

  async ssubscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.listen();
    if (this.shardChannels.add(channel, handler)) await this.client.ssubscribe(channel);
  }

  async sunsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    if (this.shardChannels.remove(channel, handler)) await this.client.sunsubscribe(channel);
  }

  async numsub(channels: string[], sharded = false): Promise<number[]> {
    const sub = sharded ? 'SHARDNUMSUB' : 'NUMSUB';
    const n = channels.length;
    if (this.cluster && this.client.nodes) {
      const lists = await Promise.all(this.client.nodes('master').map((node) =>
        node.callBuffer('PUBSUB', sub, ...channels).then((r) => parseNumSub(r, n))));
      return sumCounts(lists, n);
    }
    return parseNumSub(await this.client.callBuffer('PUBSUB', sub, ...channels), n);
  }

  command(args: Array<string | Buffer>): Promise<unknown> {
    const [name, ...rest] = args;
    return this.client.callBuffer(String(name), ...rest);
  }
}

/** `redis` v4 (standalone client or cluster). */
class NodeRedisConnection implements RedisConnection {
  readonly library = 'redis' as const;
  readonly cluster: boolean;
  private readonly state: StateTracker;
  // one node-redis listener per handler, so unsubscribing removes exactly ours
  private readonly wrapped = new WeakMap<MessageHandler, (message: Buffer, channel: Buffer) => void>();

  constructor(private readonly client: NodeRedisLike) {
    this.cluster = Array.isArray(client.masters);
    const initiallyUp = this.cluster ? client.isOpen !== false : client.isReady !== false;
    this.state = new StateTracker(client, initiallyUp, ['ready', 'connect'], ['error', 'end', 'reconnecting']);
  }

  get up(): boolean {
    if (!this.cluster && this.client.isReady === false) return false;
    return this.state.up;
  }

  onState(fn: (up: boolean, err?: Error) => void): () => void {
    return this.state.on(fn);
  }

  private listener(handler: MessageHandler): (message: Buffer, channel: Buffer) => void {
    let fn = this.wrapped.get(handler);
    if (!fn) {
      fn = (message: Buffer, channel: Buffer) => {
        try {
          handler(channel.toString(), message);
        } catch (err) {
          log('handler error on %s: %s', channel.toString(), (err as Error).message);
        }
      };
      this.wrapped.set(handler, fn);
    }
    return fn;
  }

  publish(channel: string, payload: string | Buffer): Promise<number> {
    // a keyless (read-only) PUBLISH would go to a random node: route every one by the same key to one master,
    // so that messages keep their order
    if (this.cluster) return this.client.sendCommand(PUBLISH_ROUTING_KEY, false, ['PUBLISH', channel, payload]) as Promise<number>;
    return this.client.publish(channel, payload);
  }

  spublish(channel: string, payload: string | Buffer): Promise<number> {
    return this.client.sPublish(channel, payload);
  }

  subscribe(channels: string[], handler: MessageHandler): Promise<void> {
    return this.client.subscribe(channels, this.listener(handler), true);
  }

  async unsubscribe(channels: string[], handler: MessageHandler): Promise<void> {
    // one at a time: node-redis v4 mishandles unsubscribing several channels at once with a listener
    for (const ch of channels) await this.client.unsubscribe(ch, this.listener(handler), true);
  }

  psubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    return this.client.pSubscribe(pattern, this.listener(handler), true);
  }

  punsubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    return this.client.pUnsubscribe(pattern, this.listener(handler), true);
  }

  ssubscribe(channel: string, handler: MessageHandler): Promise<void> {
    return this.client.sSubscribe(channel, this.listener(handler), true);
  }

  sunsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    return this.client.sUnsubscribe(channel, this.listener(handler), true);
  }

  async numsub(channels: string[], sharded = false): Promise<number[]> {
    const args = ['PUBSUB', sharded ? 'SHARDNUMSUB' : 'NUMSUB', ...channels];
    const n = channels.length;
    if (this.cluster) {
      const lists = await Promise.all((this.client.masters ?? []).map((m) =>
        m.client ? m.client.sendCommand(args).then((r) => parseNumSub(r, n)) : Promise.resolve(new Array<number>(n).fill(0))));
      return sumCounts(lists, n);
    }
    return parseNumSub(await this.client.sendCommand(args), n);
  }

  command(args: Array<string | Buffer>, key?: string): Promise<unknown> {
    const opts = { returnBuffers: true };
    if (this.cluster) return this.client.sendCommand(key, false, args, opts);
    return this.client.sendCommand(args, opts);
  }
}
