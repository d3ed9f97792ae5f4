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
 * `socket.io-adapter` ClusterAdapter messages `{ uid, nsp, type, data }`, JSON unless they carry binary.
 *
 * Owns the sharded protocol (channels, message types, answers). Must never import the server classes nor a Redis
 * client library (it speaks to a `RedisConnection`), nor the classic adapter.
 */
import { randomBytes } from 'node:crypto';
import type { Packet } from '../../../protocol/index.js';
import { remoteDetails, type DisconnectDetails } from '../../../protocol/disconnect.js';
import type { AdapterNamespace, BroadcastOptions, FetchedSocket, Room, SocketDetails } from '../../adapter.js';
import { wrapClient, type RedisConnection } from './client.js';
import { RedisAdapterBase, log, type BaseAdapterOptions } from './base.js';
import {
  MessageType, asRecord, decodeMessage, encodeClusterMessage, fromWireOptions, isWirePacket, toDetails, toWireOptions,
} from './wire.js';

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

interface AckRequest {
  clientCountCallback: (clientCount: number) => void;
  ack: (...args: unknown[]) => void;
}

/** A message of the sharded protocol (`data` unchecked when decoded). */
interface ClusterMessage {
  uid?: string;
  nsp?: string;
  type: number;
  data?: unknown;
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
export class ShardedRedisAdapter extends RedisAdapterBase {
  private readonly channel: string;
  private readonly responseChannel: string;
  private readonly mode: 'static' | 'dynamic' | 'dynamic-private';
  private readonly ackRequests = new Map<string, AckRequest>();
  private readonly roomChannels = new Set<string>();
  private readonly handler = (channel: string, msg: Buffer): void => this.onRawMessage(channel, msg);

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
    super(nsp, pub, sub, randomBytes(8).toString('hex'), prefix, opts);
    this.mode = opts.subscriptionMode ?? 'dynamic';
    this.channel = `${prefix}#${nsp.name}#`;
    this.responseChannel = `${prefix}#${nsp.name}#${this.uid}#`;
    if (this.mode !== 'static') {
      this.on('create-room', (room: Room) => {
        if (this.separateChannel(room)) this.subscribeRoom(this.dynamicChannel(room));
      });
      this.on('delete-room', (room: Room) => {
        const channel = this.dynamicChannel(room);
        if (!this.roomChannels.delete(channel)) return;
        this.sub.sunsubscribe(channel, this.handler).catch((err: Error) => log('[%s] sunsubscribe failed: %s', this.uid, err.message));
      });
    }
    this.subscribeAll();
  }

  private dynamicChannel(room: Room): string {
    return this.channel + room + '#';
  }

  /** Whether a room of this server gets its own channel (checked when the room is created). */
  private separateChannel(room: Room): boolean {
    if (this.mode === 'dynamic-private') return true;
    return this.mode === 'dynamic' && !this.sids.has(room);
  }

  private subscribeRoom(channel: string): void {
    this.roomChannels.add(channel);
    this.sub.ssubscribe(channel, this.handler).catch((err: Error) => {
      log('[%s] ssubscribe %s failed: %s', this.uid, channel, err.message);
    });
  }

  protected override async doSubscribe(): Promise<void> {
    await Promise.all([
      this.sub.ssubscribe(this.channel, this.handler),
      this.sub.ssubscribe(this.responseChannel, this.handler),
      ...[...this.roomChannels].map((ch) => this.sub.ssubscribe(ch, this.handler)),
    ]);
  }

  protected override async doUnsubscribe(): Promise<void> {
    await Promise.all([this.channel, this.responseChannel, ...this.roomChannels].map((ch) => this.sub.sunsubscribe(ch, this.handler)));
  }

  protected override get membershipChannel(): string {
    return this.channel;
  }

  protected override readonly shardedChannels = true;

  protected override peerChannel(uid: string): string {
    return `${this.channel}${uid}#`;
  }

  protected override publishHeartbeat(): void {
    this.publish({ type: MessageType.HEARTBEAT });
  }

  /**
   * Tells the other servers this one leaves, then unsubscribes.
   * @example
   * ```ts
   * await io.close();   // the other servers stop waiting for this one at once
   * ```
   */
  override close(): Promise<void> | void {
    if (!this.closed) this.publish({ type: MessageType.ADAPTER_CLOSE });
    return super.close();
  }

  /** Publishes a message of this server on the channel it belongs to. */
  private publish(message: ClusterMessage, channel = this.channel): void {
    message.uid = this.uid;
    message.nsp = this.nsp.name;
    const payload = encodeClusterMessage(message);
    this.publishGuarded(channel, payload, true);
  }

  private publishResponse(requesterUid: string, response: ClusterMessage): void {
    this.publish(response, `${this.channel}${requesterUid}#`);
  }

  protected override publishBroadcast(packet: Packet, opts: BroadcastOptions): void {
    // a single-room broadcast may use the room channel (never with acks: the server count covers every server)
    let channel = this.channel;
    if (opts.rooms.size === 1 && this.mode !== 'static') {
      const room = opts.rooms.values().next().value as Room;
      if (this.mode === 'dynamic-private' || !looksLikeASocketId(room)) channel = this.dynamicChannel(room);
    }
    this.publish({ type: MessageType.BROADCAST, data: { packet, opts: toWireOptions(opts) } }, channel);
  }

  // ---- messages from other servers ----------------------------------------------------------------------------

  private onRawMessage(channel: string, raw: Buffer): void {
    const message = decodeMessage(raw) as ClusterMessage | null;
    if (message === null || typeof message.type !== 'number') {
      log('[%s] ignoring malformed message on %s', this.uid, channel);
      return;
    }
    if (channel === this.responseChannel) this.onResponse(message);
    else this.onMessage(message);
  }

  private onMessage(message: ClusterMessage): void {
    if (message.uid === this.uid) return;
    if (message.nsp !== this.nsp.name) return;
    const heartbeat = message.type === MessageType.HEARTBEAT || message.type === MessageType.INITIAL_HEARTBEAT;
    this.notePeer(message.uid, heartbeat);
    const data = asRecord(message.data);
    switch (message.type) {
      case MessageType.INITIAL_HEARTBEAT:
        this.publishHeartbeat();
        return;
      case MessageType.HEARTBEAT:
        return;
      case MessageType.ADAPTER_CLOSE:
        if (typeof message.uid === 'string') this.removePeer(message.uid);
        return;
      case MessageType.BROADCAST: {
        const requestId = data.requestId;
        if (!isWirePacket(data.packet)) return;
        const packet = data.packet as Packet;
        if (requestId === undefined) {
          this.localBroadcast(packet, fromWireOptions(data.opts));
          return;
        }
        this.localBroadcastWithAck(packet, fromWireOptions(data.opts), (clientCount) => {
          this.publishResponse(message.uid!, { type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId, clientCount } });
        }, (arg: unknown) => {
          this.publishResponse(message.uid!, { type: MessageType.BROADCAST_ACK, data: { requestId, packet: arg } });
        });
        return;
      }
      case MessageType.SOCKETS_JOIN:
        this.localAddSockets(fromWireOptions(data.opts), Array.isArray(data.rooms) ? (data.rooms as Room[]) : []);
        return;
      case MessageType.SOCKETS_LEAVE:
        this.localDelSockets(fromWireOptions(data.opts), Array.isArray(data.rooms) ? (data.rooms as Room[]) : []);
        return;
      case MessageType.DISCONNECT_SOCKETS:
        this.localDisconnectSockets(fromWireOptions(data.opts), !!data.close, remoteDetails(data.details));
        return;
      case MessageType.FETCH_SOCKETS:
        this.localFetchSockets(fromWireOptions(data.opts)).then((sockets) => {
          this.publishResponse(message.uid!, {
            type: MessageType.FETCH_SOCKETS_RESPONSE, data: { requestId: data.requestId, sockets: sockets.map(toDetails) },
          });
        }, (err: Error) => log('[%s] fetchSockets failed: %s', this.uid, err.message));
        return;
      case MessageType.SERVER_SIDE_EMIT: {
        if (!Array.isArray(data.packet)) return;
        if (data.requestId === undefined) {
          this.nsp.receiveServerSideEmit(data.packet);
          return;
        }
        let called = false;
        const callback = (arg: unknown): void => {
          if (called) return;
          called = true;
          this.publishResponse(message.uid!, { type: MessageType.SERVER_SIDE_EMIT_RESPONSE, data: { requestId: data.requestId, packet: arg } });
        };
        this.nsp.receiveServerSideEmit([...data.packet, callback]);
        return;
      }
      case MessageType.BROADCAST_CLIENT_COUNT:
      case MessageType.BROADCAST_ACK:
      case MessageType.FETCH_SOCKETS_RESPONSE:
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        this.onResponse(message);
        return;
      default:
        // heartbeats and close notices of heartbeat-based adapters need no action here
        log('[%s] ignoring message type %s', this.uid, message.type);
    }
  }

  private onResponse(response: ClusterMessage): void {
    this.notePeer(response.uid, false);
    const data = asRecord(response.data);
    const requestId = data.requestId;
    if (typeof requestId !== 'string') return;
    switch (response.type) {
      case MessageType.BROADCAST_CLIENT_COUNT:
        this.ackRequests.get(requestId)?.clientCountCallback(Number(data.clientCount));
        return;
      case MessageType.BROADCAST_ACK:
        this.ackRequests.get(requestId)?.ack(data.packet);
        return;
      case MessageType.FETCH_SOCKETS_RESPONSE:
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        this.collectResponse(requestId, data, response.uid);
        return;
      default:
        log('[%s] ignoring response type %s', this.uid, response.type);
    }
  }

  // ---- operations across servers ------------------------------------------------------------------------------

  /**
   * Broadcasts expecting acknowledgements from the clients of every server.
   * @param packet - the packet
   * @param opts - rooms, except and flags (`timeout` bounds the wait)
   * @param clientCountCallback - called once per server with its number of clients
   * @param ack - called with each client response
   * @example
   * ```ts
   * const responses = await io.timeout(5000).emitWithAck('are-you-there');   // one per client, on every server
   * ```
   */
  override broadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const requestId = randomBytes(8).toString('hex');
      this.ackRequests.set(requestId, { clientCountCallback, ack });
      this.publish({ type: MessageType.BROADCAST, data: { packet, requestId, opts: toWireOptions(opts) } });
      setTimeout(() => this.ackRequests.delete(requestId), opts.flags?.timeout ?? this.requestsTimeout).unref();
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /**
   * @param opts - rooms, except and flags (`local` skips the other servers; `timeout` overrides `requestsTimeout`)
   * @returns local sockets and `SocketDetails` of the matching sockets on the other servers
   * @throws Error (rejection) when the other servers do not all answer in time
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();   // local Sockets and RemoteSockets of the others
   * ```
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<FetchedSocket[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const count = await this.serverCount();
    if (count <= 1) return local;
    const requestId = randomBytes(8).toString('hex');
    const sockets: FetchedSocket[] = local;
    return new Promise((resolve, reject) => {
      this.sendRequest(requestId, () => this.publish({ type: MessageType.FETCH_SOCKETS, data: { opts: toWireOptions(opts), requestId } }), {
        expected: count - 1,
        collect: (data) => {
          if (Array.isArray(data.sockets)) for (const s of data.sockets) sockets.push(s as SocketDetails);
        },
        finish: (timedOut) => {
          if (timedOut) reject(new Error('timeout reached while waiting for fetchSockets response'));
          else resolve(sockets);
        },
      }, opts.flags?.timeout ?? this.requestsTimeout);
    });
  }

  /**
   * Makes the matching sockets of every server join rooms.
   * @param opts - rooms, except and flags
   * @param rooms - rooms to join
   * @example
   * ```ts
   * io.in('room-101').socketsJoin('room-102');   // on every server
   * ```
   */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publish({ type: MessageType.SOCKETS_JOIN, data: { opts: toWireOptions(opts), rooms: [...rooms] } });
    super.addSockets(opts, rooms);
  }

  /**
   * Makes the matching sockets of every server leave rooms.
   * @param opts - rooms, except and flags
   * @param rooms - rooms to leave
   * @example
   * ```ts
   * io.in('room-101').socketsLeave('room-102');   // on every server
   * ```
   */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publish({ type: MessageType.SOCKETS_LEAVE, data: { opts: toWireOptions(opts), rooms: [...rooms] } });
    super.delSockets(opts, rooms);
  }

  /**
   * Disconnects the matching sockets of every server.
   * @param opts - rooms, except and flags
   * @param close - whether to close the underlying connections
   * @param details - why, for the clients: an extra `details` field of the message, ignored by the official adapter
   * @example
   * ```ts
   * io.in('room-101').disconnectSockets(true);   // on every server
   * ```
   */
  override disconnectSockets(opts: BroadcastOptions, close: boolean, details?: DisconnectDetails): void {
    if (!opts.flags?.local) {
      const data: Record<string, unknown> = { opts: toWireOptions(opts), close };
      if (details !== undefined) data.details = details;
      this.publish({ type: MessageType.DISCONNECT_SOCKETS, data });
    }
    super.disconnectSockets(opts, close, details);
  }

  /**
   * Emits an event to the other servers.
   * @param packet - `[event, ...args]`, optionally ending with `(err, responses) => void`
   * @example
   * ```ts
   * io.serverSideEmit('hello', 'world');
   * const answers = await io.serverSideEmitWithAck('ping');   // one answer per other server
   * ```
   */
  override serverSideEmit(packet: unknown[]): void {
    const ack = typeof packet[packet.length - 1] === 'function' ? packet.pop() as (err: Error | null, responses: unknown[]) => void : null;
    if (ack === null) {
      this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { packet } });
      return;
    }
    void this.serverCount().then((count) => {
      const expected = count - 1;
      if (expected <= 0) {
        ack(null, []);
        return;
      }
      const requestId = randomBytes(8).toString('hex');
      const responses: unknown[] = [];
      this.sendRequest(requestId, () => this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { requestId, packet } }), {
        expected,
        collect: (data) => responses.push(data.packet),
        finish: (timedOut) => {
          if (timedOut) ack(new Error(`timeout reached: only ${responses.length} responses received out of ${expected}`), responses);
          else ack(null, responses);
        },
      }, this.requestsTimeout);
    });
  }
}
