/**
 * The Redis adapter: several Socketeer servers (and socket.io servers running `@socket.io/redis-adapter` 8.x, and
 * `@socket.io/redis-emitter` processes) share rooms and broadcasts over Redis pub/sub.
 *
 * ```ts
 * import { Server } from 'socketeer';
 * import { createAdapter } from 'socketeer/redis';
 * import { Redis } from 'ioredis';
 *
 * const pubClient = new Redis();
 * const subClient = pubClient.duplicate();
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * ```
 *
 * Channels (per namespace): broadcasts on `<key>#<nsp>#` (or `<key>#<nsp>#<room>#` for a single room), requests
 * on `<key>-request#<nsp>#`, responses on `<key>-response#<nsp>#` (or `…#<uid>#`). The number of servers is the
 * subscriber count of the request channel. With connection state recovery on, sessions and offsets live in Redis
 * (see `session-store.ts`), so a client may recover on any server.
 *
 * Owns the classic protocol (channels, request types, answers). Must never import the server classes nor a Redis
 * client library (it speaks to a `RedisConnection`), nor the sharded adapter.
 */
import type { Packet } from '../../../protocol/index.js';
import { remoteDetails, type DisconnectDetails } from '../../../protocol/disconnect.js';
import type { AdapterNamespace, BroadcastOptions, FetchedSocket, Room, SocketDetails } from '../../adapter.js';
import { wrapClient, type RedisConnection } from './client.js';
import { RedisAdapterBase, log, type BaseAdapterOptions } from './base.js';
import {
  HEARTBEAT_REQUEST, RequestType, broadcastChannel, classicChannels, decodeBroadcast, decodeMessage, encodeBinary,
  encodeBroadcast, encodeJson, fromWireOptions, isWirePacket, randomId, roomOfChannel, toDetails, toWireOptions,
  type ClassicChannels, type WirePacket,
} from './wire.js';

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions extends BaseAdapterOptions {
  /** Prefix of every channel and key. Default `socket.io` (as `@socket.io/redis-adapter`). */
  key?: string;
  /** Answer requests on the requester's own channel instead of the shared response channel. Default false. */
  publishOnSpecificResponseChannel?: boolean;
}

interface AckRequest {
  clientCountCallback: (clientCount: number) => void;
  ack: (...args: unknown[]) => void;
}

/** A request or response of the classic protocol, as decoded (every field unchecked). */
type ClassicMessage = Record<string, unknown>;

/** The rooms of a decoded message field (an empty list unless an array). */
function roomList(value: unknown): Room[] {
  return Array.isArray(value) ? (value as Room[]) : [];
}

/**
 * Creates the adapter factory to pass as the `adapter` server option.
 * @param pubClient - a Redis client used to publish and run commands (`ioredis` or `redis` v4, standalone or cluster)
 * @param subClient - a Redis client used only to subscribe (e.g. `pubClient.duplicate()`)
 * @param opts - key, timeouts
 * @returns a function creating the adapter of a namespace
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { Redis } from 'ioredis';
 * import { Server } from 'socketeer';
 * import { createAdapter } from 'socketeer/redis';
 *
 * const pubClient = new Redis('redis://localhost:6379');
 * const subClient = pubClient.duplicate();
 * const io = new Server(createServer(), { adapter: createAdapter(pubClient, subClient) });
 *
 * io.emit('hello');   // reaches the clients of every server sharing this Redis
 * ```
 */
export function createAdapter(pubClient: unknown, subClient: unknown, opts: RedisAdapterOptions = {}):
  (nsp: AdapterNamespace) => RedisAdapter {
  const pub = wrapClient(pubClient);
  const sub = wrapClient(subClient);
  return function redisAdapter(nsp: AdapterNamespace): RedisAdapter {
    return new RedisAdapter(nsp, pub, sub, opts);
  };
}

/**
 * The adapter of one namespace, over Redis pub/sub (the `@socket.io/redis-adapter` protocol).
 * @example
 * ```ts
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * const adapter = io.of('/').adapter as RedisAdapter;
 * console.log(await adapter.serverCount(), await adapter.allRooms());   // across every server
 * ```
 */
export class RedisAdapter extends RedisAdapterBase {
  private readonly channels: ClassicChannels;
  private readonly specificResponses: boolean;
  private readonly ackRequests = new Map<string, AckRequest>();
  private readonly onBroadcastMessage = (channel: string, msg: Buffer): void => this.onBroadcast(channel, msg);
  private readonly onRequestMessage = (channel: string, msg: Buffer): void => this.onRequest(channel, msg);

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param opts - options
   * @example
   * ```ts
   * // created per namespace by the factory createAdapter() returns
   * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient, { key: 'my-app' }) });
   * ```
   */
  constructor(nsp: AdapterNamespace, pub: RedisConnection, sub: RedisConnection, opts: RedisAdapterOptions = {}) {
    const key = opts.key || 'socket.io';
    super(nsp, pub, sub, randomId(6), key, opts);
    this.specificResponses = !!opts.publishOnSpecificResponseChannel;
    this.channels = classicChannels(key, nsp.name, this.uid);
    this.subscribeAll();
  }

  protected override async doSubscribe(): Promise<void> {
    const c = this.channels;
    await Promise.all([
      this.sub.psubscribe(c.broadcast + '*', this.onBroadcastMessage),
      this.sub.subscribe([c.request, c.response, c.specificResponse], this.onRequestMessage),
    ]);
  }

  protected override async doUnsubscribe(): Promise<void> {
    const c = this.channels;
    await Promise.all([
      this.sub.punsubscribe(c.broadcast + '*', this.onBroadcastMessage),
      this.sub.unsubscribe([c.request, c.response, c.specificResponse], this.onRequestMessage),
    ]);
  }

  protected override get membershipChannel(): string {
    return this.channels.request;
  }

  protected override readonly shardedChannels = false;

  protected override peerChannel(uid: string): string {
    return `${this.channels.response}${uid}#`;
  }

  protected override publishHeartbeat(): void {
    this.publish(this.channels.request, encodeJson({ uid: this.uid, type: HEARTBEAT_REQUEST }));
  }

  private publish(channel: string, payload: string | Buffer): void {
    this.publishGuarded(channel, payload, false);
  }

  protected override publishBroadcast(packet: Packet, opts: BroadcastOptions): void {
    const msg = encodeBroadcast(this.uid, packet as WirePacket, toWireOptions(opts));
    this.publish(broadcastChannel(this.channels.broadcast, opts.rooms), msg);
  }

  /** Whether a local room exists, numeric rooms included (as published by socket.io servers). */
  private hasRoom(room: string): boolean {
    if (this.rooms.has(room)) return true;
    const n = Number(room);
    return room !== '' && !Number.isNaN(n) && this.rooms.has(n as unknown as Room);
  }

  /** A broadcast published by another server or an emitter. */
  private onBroadcast(channel: string, msg: Buffer): void {
    const room = roomOfChannel(this.channels.broadcast, channel);
    if (room === null) return;
    if (room !== '' && !this.hasRoom(room)) return;
    const decoded = decodeBroadcast(msg);
    if (decoded === null) {
      log('[%s] ignoring malformed broadcast on %s', this.uid, channel);
      return;
    }
    const [uid, packet, opts] = decoded;
    if (uid === this.uid) return;
    this.notePeer(uid, false);
    if (packet.nsp !== this.nsp.name) return;
    this.localBroadcast(packet as Packet, fromWireOptions(opts));
  }

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
      const requestId = randomId(6);
      this.ackRequests.set(requestId, { clientCountCallback, ack });
      this.publish(this.channels.request, encodeBinary({
        uid: this.uid, requestId, type: RequestType.BROADCAST, packet, opts: toWireOptions(opts),
      }));
      // client acknowledgements cannot be counted here: forget the request after the broadcast's own timeout
      setTimeout(() => this.ackRequests.delete(requestId), opts.flags?.timeout ?? this.requestsTimeout).unref();
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  // ---- requests from other servers ----------------------------------------------------------------------------

  private respond(request: ClassicMessage, response: string | Buffer): void {
    const channel = this.specificResponses ? `${this.channels.response}${String(request.uid)}#` : this.channels.response;
    this.publish(channel, response);
  }

  /** A message on the request or a response channel. */
  private onRequest(channel: string, msg: Buffer): void {
    if (channel.startsWith(this.channels.response)) {
      this.onResponse(msg);
      return;
    }
    if (channel !== this.channels.request) return;
    const request = decodeMessage(msg);
    if (request === null) {
      log('[%s] ignoring malformed request', this.uid);
      return;
    }
    this.handleRequest(request).catch((err: Error) => log('[%s] request failed: %s', this.uid, err.message));
  }

  private async handleRequest(request: ClassicMessage): Promise<void> {
    const fromSelf = request.uid === this.uid;
    if (!fromSelf) this.notePeer(request.uid, request.type === HEARTBEAT_REQUEST);
    // a request id of ours: this server asked (the request came back on the shared channel)
    const ours = typeof request.requestId === 'string' && this.hasRequest(request.requestId);
    switch (request.type) {
      case HEARTBEAT_REQUEST:
        return;
      case RequestType.SOCKETS: {
        if (fromSelf || ours) return;
        const sockets = await this.localSockets(new Set(roomList(request.rooms)));
        this.respond(request, encodeJson({ requestId: request.requestId, sockets: [...sockets], uid: this.uid }));
        return;
      }
      case RequestType.ALL_ROOMS:
        if (fromSelf || ours) return;
        this.respond(request, encodeJson({ requestId: request.requestId, rooms: [...this.rooms.keys()], uid: this.uid }));
        return;
      case RequestType.REMOTE_JOIN:
      case RequestType.REMOTE_LEAVE:
      case RequestType.REMOTE_DISCONNECT:
        this.applyRemote(request, fromSelf);
        return;
      case RequestType.REMOTE_FETCH: {
        if (fromSelf || ours) return;
        const local = await this.localFetchSockets(fromWireOptions(request.opts));
        this.respond(request, encodeJson({ requestId: request.requestId, sockets: local.map(toDetails), uid: this.uid }));
        return;
      }
      case RequestType.SERVER_SIDE_EMIT: {
        if (fromSelf || !Array.isArray(request.data)) return;
        if (request.requestId === undefined) {
          this.nsp.receiveServerSideEmit(request.data);
          return;
        }
        let called = false;
        const callback = (arg: unknown): void => {
          if (called) return;
          called = true;
          // the reference always answers serverSideEmit on the shared response channel
          this.publish(this.channels.response, encodeJson({
            type: RequestType.SERVER_SIDE_EMIT, requestId: request.requestId, data: arg, uid: this.uid,
          }));
        };
        this.nsp.receiveServerSideEmit([...request.data, callback]);
        return;
      }
      case RequestType.BROADCAST: {
        if ((typeof request.requestId === 'string' && this.ackRequests.has(request.requestId)) || fromSelf) return;
        if (!isWirePacket(request.packet)) return;
        this.localBroadcastWithAck(request.packet as Packet, fromWireOptions(request.opts), (clientCount) => {
          this.respond(request, encodeJson({ type: RequestType.BROADCAST_CLIENT_COUNT, requestId: request.requestId, clientCount }));
        }, (arg: unknown) => {
          this.respond(request, encodeBinary({ type: RequestType.BROADCAST_ACK, requestId: request.requestId, packet: arg }));
        });
        return;
      }
      default:
        log('[%s] ignoring unknown request type %s', this.uid, request.type);
    }
  }

  /** REMOTE_JOIN / REMOTE_LEAVE / REMOTE_DISCONNECT, in the bulk form (`opts`) or the legacy single-socket form (`sid`). */
  private applyRemote(request: ClassicMessage, fromSelf: boolean): void {
    if (request.opts) {
      // our own bulk requests were already applied locally
      if (fromSelf) return;
      const opts = fromWireOptions(request.opts);
      if (request.type === RequestType.REMOTE_JOIN) this.localAddSockets(opts, roomList(request.rooms));
      else if (request.type === RequestType.REMOTE_LEAVE) this.localDelSockets(opts, roomList(request.rooms));
      else this.localDisconnectSockets(opts, !!request.close, remoteDetails(request.details));
      return;
    }
    const socket = typeof request.sid === 'string' ? this.nsp.sockets.get(request.sid) : undefined;
    if (!socket) return;
    const room = request.room as Room;
    if (request.type === RequestType.REMOTE_JOIN) socket.join(room);
    else if (request.type === RequestType.REMOTE_LEAVE) socket.leave(room);
    else socket.disconnect(!!request.close);
    this.respond(request, encodeJson({ requestId: request.requestId }));
  }

  /** A response to one of our requests (or to a request of another server: ignored). */
  private onResponse(msg: Buffer): void {
    const response = decodeMessage(msg);
    if (response === null) return;
    const requestId = response.requestId;
    const ackRequest = typeof requestId === 'string' ? this.ackRequests.get(requestId) : undefined;
    if (ackRequest) {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) ackRequest.clientCountCallback(Number(response.clientCount));
      else if (response.type === RequestType.BROADCAST_ACK) ackRequest.ack(response.packet);
      return;
    }
    this.notePeer(response.uid, false);
    if (typeof requestId === 'string') this.collectResponse(requestId, response, response.uid);
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
    const numSub = await this.serverCount();
    if (numSub <= 1) return local;
    const requestId = randomId(6);
    const sockets: FetchedSocket[] = local;
    return new Promise((resolve, reject) => {
      this.sendRequest(requestId, () => this.publish(this.channels.request, encodeJson({
        uid: this.uid, requestId, type: RequestType.REMOTE_FETCH,
        opts: { rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] },
      })), {
        expected: numSub - 1,
        collect: (response) => {
          if (Array.isArray(response.sockets)) for (const s of response.sockets) sockets.push(s as SocketDetails);
        },
        finish: (timedOut) => {
          if (timedOut) reject(new Error('timeout reached while waiting for fetchSockets response'));
          else resolve(sockets);
        },
      }, opts.flags?.timeout ?? this.requestsTimeout);
    });
  }

  /**
   * @returns the rooms of every server
   * @throws Error (rejection) when the other servers do not all answer in time
   * @example
   * ```ts
   * const rooms = await (io.of('/').adapter as RedisAdapter).allRooms();   // every room of every server
   * ```
   */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set<Room>(this.rooms.keys());
    const numSub = await this.serverCount();
    if (numSub <= 1) return rooms;
    const requestId = randomId(6);
    return new Promise((resolve, reject) => {
      const request = encodeJson({ uid: this.uid, requestId, type: RequestType.ALL_ROOMS });
      this.sendRequest(requestId, () => this.publish(this.channels.request, request), {
        expected: numSub - 1,
        collect: (response) => {
          if (Array.isArray(response.rooms)) for (const r of response.rooms) rooms.add(r as Room);
        },
        finish: (timedOut) => {
          if (timedOut) reject(new Error('timeout reached while waiting for allRooms response'));
          else resolve(rooms);
        },
      }, this.requestsTimeout);
    });
  }

  private bulkRequest(type: number, opts: BroadcastOptions, extra: Record<string, unknown>): void {
    this.publish(this.channels.request, encodeJson({
      uid: this.uid, type, opts: { rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] }, ...extra,
    }));
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
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_JOIN, opts, { rooms: [...rooms] });
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
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_LEAVE, opts, { rooms: [...rooms] });
    super.delSockets(opts, rooms);
  }

  /**
   * Disconnects the matching sockets of every server.
   * @param opts - rooms, except and flags
   * @param close - whether to close the underlying connections
   * @param details - why, for the clients: an extra `details` field of the request, ignored by the official adapter
   * @example
   * ```ts
   * io.in('room-101').disconnectSockets(true);   // on every server
   * ```
   */
  override disconnectSockets(opts: BroadcastOptions, close: boolean, details?: DisconnectDetails): void {
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_DISCONNECT, opts, details === undefined ? { close } : { close, details });
    super.disconnectSockets(opts, close, details);
  }

  /**
   * Emits an event to the other servers (`io.serverSideEmit`).
   * @param packet - `[event, ...args]`, optionally ending with `(err, responses) => void` called with one response
   *   per other server (err set on timeout, with the responses that arrived)
   * @example
   * ```ts
   * io.serverSideEmit('hello', 'world');
   * const answers = await io.serverSideEmitWithAck('ping');   // one answer per other server
   * ```
   */
  override serverSideEmit(packet: unknown[]): void {
    const ack = typeof packet[packet.length - 1] === 'function' ? packet.pop() as (err: Error | null, responses: unknown[]) => void : null;
    if (ack === null) {
      this.publish(this.channels.request, encodeJson({ uid: this.uid, type: RequestType.SERVER_SIDE_EMIT, data: packet }));
      return;
    }
    void this.serverCount().then((count) => {
      const expected = count - 1;
      if (expected <= 0) {
        ack(null, []);
        return;
      }
      const requestId = randomId(6);
      const responses: unknown[] = [];
      const request = encodeJson({ uid: this.uid, requestId, type: RequestType.SERVER_SIDE_EMIT, data: packet });
      this.sendRequest(requestId, () => this.publish(this.channels.request, request), {
        expected,
        collect: (response) => responses.push(response.data),
        finish: (timedOut) => {
          if (timedOut) ack(new Error(`timeout reached: only ${responses.length} responses received out of ${expected}`), responses);
          else ack(null, responses);
        },
      }, this.requestsTimeout);
    });
  }

}
