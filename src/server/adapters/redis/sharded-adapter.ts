/**
 * The sharded Redis adapter, on Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), for Redis Cluster: the load
 * of broadcasts spreads over the shards, and with per-room channels a server only receives the broadcasts of rooms
 * it has sockets in. Wire-compatible with `createShardedAdapter` of `@socket.io/redis-adapter` 8.x.
 *
 * ```ts
 * import { createCluster } from 'redis';
 * import { createShardedAdapter } from 'socketeer/redis';
 *
 * const pubClient = createCluster({ rootNodes: [{ url: 'redis://localhost:7000' }] });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * const io = new Server(httpServer, { adapter: createShardedAdapter(pubClient, subClient) });
 * ```
 *
 * Channels (per namespace): `<prefix>#<nsp>#` for everything, `<prefix>#<nsp>#<uid>#` for the answers to this
 * server, and in the `dynamic` modes `<prefix>#<nsp>#<room>#` for single-room broadcasts. Messages are the
 * cluster core's (those of `socket.io-adapter`'s ClusterAdapter) `{ uid, nsp, type, data }`, JSON unless they carry
 * binary: every cross-node operation is the core's (`../cluster/`); this file only picks the channels.
 *
 * Owns the sharded channels. Must never import the server classes nor a Redis
 * client library (it speaks to a `RedisConnection`), nor the classic adapter.
 */
import type { AdapterNamespace, Room } from '../../adapter-types.js';
import { MessageType, asRecord, type ClusterMessage, type ClusterResponse } from '../cluster/messages.js';
import { wrapClient, type RedisConnection } from './client.js';
import { RedisBusAdapter, log, type BaseAdapterOptions, type Subscriptions } from './bus.js';
import { decodeMessage, encodeClusterMessage } from './wire.js';

/** Options of {@link createShardedAdapter}. */
export interface ShardedRedisAdapterOptions extends BaseAdapterOptions {
  /** Prefix of the channels. Default `socket.io`. */
  channelPrefix?: string;
  /**
   * - `static`: two channels per namespace; every server receives every broadcast.
   * - `dynamic` (default): plus one channel per public room (not socket ids), for single-room broadcasts.
   * - `dynamic-private`: plus one channel per room, private rooms (socket ids) included.
   */
  subscriptionMode?: 'static' | 'dynamic' | 'dynamic-private';
}

/** As the reference: a room name of 20 characters is taken for a socket id (a private room). */
function looksLikeASocketId(room: unknown): boolean {
  return typeof room === 'string' && room.length === 20;
}

/**
 * Creates the sharded adapter factory to pass as the `adapter` server option.
 * @param pubClient - a Redis client (cluster) used to publish and run commands (`redis` v4 or `ioredis`)
 * @param subClient - a Redis client (cluster) used only to subscribe
 * @param opts - prefix, subscription mode, timeouts
 * @returns a function creating the adapter of a namespace
 * @example
 * ```ts
 * import { createCluster } from 'redis';
 * import { Server } from 'socketeer';
 * import { createShardedAdapter } from 'socketeer/redis';
 *
 * const pubClient = createCluster({ rootNodes: [{ url: 'redis://localhost:7000' }] });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * const io = new Server(httpServer, { adapter: createShardedAdapter(pubClient, subClient, { subscriptionMode: 'dynamic' }) });
 * ```
 */
export function createShardedAdapter(pubClient: unknown, subClient: unknown, opts: ShardedRedisAdapterOptions = {}):
  (nsp: AdapterNamespace) => ShardedRedisAdapter {
  const pub = wrapClient(pubClient);
  const sub = wrapClient(subClient);
  return function shardedRedisAdapter(nsp: AdapterNamespace): ShardedRedisAdapter {
    return new ShardedRedisAdapter(nsp, pub, sub, opts);
  };
}

/**
 * The adapter of one namespace, over Redis sharded pub/sub.
 * @example
 * ```ts
 * const io = new Server(httpServer, { adapter: createShardedAdapter(pubClient, subClient) });
 * io.to('room-101').emit('hello');   // on the room's own channel: only servers with sockets in it receive it
 * ```
 */
export class ShardedRedisAdapter extends RedisBusAdapter {
  private readonly channel: string;
  private readonly responseChannel: string;
  private readonly mode: 'static' | 'dynamic' | 'dynamic-private';
  private readonly roomChannels = new Set<string>();
  protected override readonly sharded = true;

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param opts - options
   * @example
   * ```ts
   * // created per namespace by the factory createShardedAdapter() returns
   * const io = new Server(httpServer, { adapter: createShardedAdapter(pubClient, subClient, { subscriptionMode: 'static' }) });
   * ```
   */
  constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection, opts: ShardedRedisAdapterOptions = {}) {
    const prefix = opts.channelPrefix || 'socket.io';
    super(nsp, pub, sub, prefix, opts);
    this.mode = opts.subscriptionMode ?? 'dynamic';
    this.channel = `${prefix}#${nsp.name}#`;
    this.responseChannel = `${prefix}#${nsp.name}#${this.uid}#`;
    if (this.mode !== 'static') {
      this.on('create-room', (room: Room) => {
        if (!this.separateChannel(room)) return;
        const channel = this.dynamicChannel(room);
        this.roomChannels.add(channel);
        this.subscribeChannel(channel);
      });
      this.on('delete-room', (room: Room) => {
        const channel = this.dynamicChannel(room);
        if (this.roomChannels.delete(channel)) this.unsubscribeChannel(channel);
      });
    }
  }

  private dynamicChannel(room: Room): string {
    return this.channel + room + '#';
  }

  /** Whether a room of this server gets its own channel (checked when the room is created). */
  private separateChannel(room: Room): boolean {
    if (this.mode === 'dynamic-private') return true;
    return this.mode === 'dynamic' && !this.sids.has(room);
  }

  protected override subscriptions(): Subscriptions {
    return { channels: [this.channel, this.responseChannel, ...this.roomChannels], patterns: [] };
  }

  protected override get membershipChannel(): string {
    return this.channel;
  }

  protected override peerChannel(uid: string): string {
    return `${this.channel}${uid}#`;
  }

  protected override doPublish(message: ClusterMessage): Promise<void> {
    return this.send(this.channelOf(message), encodeClusterMessage(message));
  }

  protected override doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    return this.sendResponse(`${this.channel}${requesterUid}#`, encodeClusterMessage(response));
  }

  /** A single-room broadcast may use the room channel (never with acks: the server count covers every server). */
  private channelOf(message: ClusterMessage): string {
    if (this.mode === 'static' || message.type !== MessageType.BROADCAST) return this.channel;
    const data = asRecord(message.data);
    const rooms = asRecord(data.opts).rooms;
    if (data.requestId !== undefined || !Array.isArray(rooms) || rooms.length !== 1) return this.channel;
    const room = rooms[0] as Room;
    return this.mode === 'dynamic-private' || !looksLikeASocketId(room) ? this.dynamicChannel(room) : this.channel;
  }

  protected override onRedisMessage(channel: string, raw: Buffer): void {
    const message = decodeMessage(raw) as ClusterMessage | null;
    if (message === null || typeof message.type !== 'number') {
      log('[%s] ignoring malformed message on %s', this.uid, channel);
      return;
    }
    this.receive(message);
  }
}
