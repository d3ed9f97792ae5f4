/**
 * The Redis adapter: several Socketeer servers (and socket.io servers running `@socket.io/redis-adapter` 8.x, and
 * `@socket.io/redis-emitter` processes) share rooms and broadcasts over Redis pub/sub. It runs on the cluster core
 * (`../cluster/`): every cross-node operation is the core's; this file maps its messages to the classic channels
 * with the codec of `wire.ts`, and answers what only the classic protocol asks (SOCKETS, ALL_ROOMS, the
 * single-socket REMOTE_* form).
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
 * Owns the classic channels. Must never import the server classes nor a Redis client library (it speaks to a
 * `RedisConnection`), nor the sharded adapter.
 */
import type { AdapterNamespace, Room } from '../../adapter-types.js';
import { randomId, type ClusterMessage, type ClusterResponse } from '../cluster/messages.js';
import { wrapClient, type RedisConnection } from './client.js';
import { RedisBusAdapter, log, type BaseAdapterOptions, type Subscriptions } from './bus.js';
import {
  RequestType, classicChannels, decodeClassicBroadcast, decodeClassicRequest, decodeClassicResponse, decodeMessage,
  encodeClassic, encodeClassicResponse, encodeJson, roomOfChannel, type ClassicChannels, type Outgoing,
} from './wire.js';

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions extends BaseAdapterOptions {
  /** Prefix of every channel and key. Default `socket.io` (as `@socket.io/redis-adapter`). */
  key?: string;
  /** Answer requests on the requester's own channel instead of the shared response channel. Default false. */
  publishOnSpecificResponseChannel?: boolean;
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
export class RedisAdapter extends RedisBusAdapter {
  private readonly channels: ClassicChannels;
  private readonly specificResponses: boolean;
  protected override readonly sharded = false;

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
    super(nsp, pub, sub, key, opts);
    this.specificResponses = !!opts.publishOnSpecificResponseChannel;
    this.channels = classicChannels(key, nsp.name, this.uid);
  }

  protected override subscriptions(): Subscriptions {
    const c = this.channels;
    return { channels: [c.request, c.response, c.specificResponse], patterns: [c.broadcast + '*'] };
  }

  protected override get membershipChannel(): string {
    return this.channels.request;
  }

  protected override peerChannel(uid: string): string {
    return `${this.channels.response}${uid}#`;
  }

  protected override doPublish(message: ClusterMessage): Promise<void> {
    return this.sendOut(encodeClassic(message, this.channels));
  }

  protected override doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    const out = encodeClassicResponse(response, requesterUid, this.channels, this.specificResponses);
    return out === null ? Promise.resolve() : this.sendResponse(out.channel, out.payload);
  }

  private sendOut(out: Outgoing | null): Promise<void> {
    return out === null ? Promise.resolve() : this.send(out.channel, out.payload);
  }

  // ---- receiving ----------------------------------------------------------------------------------------------

  protected override onRedisMessage(channel: string, raw: Buffer): void {
    const c = this.channels;
    if (channel === c.request) {
      const request = decodeMessage(raw);
      if (request === null) {
        log('[%s] ignoring malformed request', this.uid);
        return;
      }
      const message = decodeClassicRequest(request, this.nsp.name);
      if (message !== null) this.receive(message);
      else this.onClassicRequest(request).catch((err: Error) => log('[%s] request failed: %s', this.uid, err.message));
      return;
    }
    if (channel.startsWith(c.response)) {
      const response = decodeMessage(raw);
      if (response !== null) this.receive(decodeClassicResponse(response, this.nsp.name));
      return;
    }
    const room = roomOfChannel(c.broadcast, channel);
    if (room === null || (room !== '' && !this.hasRoom(room))) return;
    const message = decodeClassicBroadcast(raw);
    if (message === null) log('[%s] ignoring malformed broadcast on %s', this.uid, channel);
    else this.receive(message);
  }

  /** Whether a local room exists, numeric rooms included (as published by socket.io servers). */
  private hasRoom(room: string): boolean {
    if (this.rooms.has(room)) return true;
    const n = Number(room);
    return room !== '' && !Number.isNaN(n) && this.rooms.has(n as unknown as Room);
  }

  /** What only the classic protocol asks: SOCKETS, ALL_ROOMS, and the single-socket REMOTE_* form. */
  private async onClassicRequest(request: Record<string, unknown>): Promise<void> {
    if (request.uid === this.uid) return;
    const answer = (response: object): void => {
      const channel = this.specificResponses ? `${this.channels.response}${String(request.uid)}#` : this.channels.response;
      void this.sendResponse(channel, encodeJson(response)).catch((err: Error) => log('[%s] could not answer: %s', this.uid, err.message));
    };
    switch (request.type) {
      case RequestType.SOCKETS: {
        const rooms = Array.isArray(request.rooms) ? (request.rooms as Room[]) : [];
        const sockets = await this.sockets(new Set(rooms));
        answer({ requestId: request.requestId, sockets: [...sockets], uid: this.uid });
        return;
      }
      case RequestType.ALL_ROOMS:
        answer({ requestId: request.requestId, rooms: [...this.rooms.keys()], uid: this.uid });
        return;
      case RequestType.REMOTE_JOIN:
      case RequestType.REMOTE_LEAVE:
      case RequestType.REMOTE_DISCONNECT: {
        const socket = typeof request.sid === 'string' ? this.nsp.sockets.get(request.sid) : undefined;
        if (!socket) return;
        const room = request.room as Room;
        if (request.type === RequestType.REMOTE_JOIN) socket.join(room);
        else if (request.type === RequestType.REMOTE_LEAVE) socket.leave(room);
        else socket.disconnect(!!request.close);
        answer({ requestId: request.requestId });
        return;
      }
      default:
        log('[%s] ignoring unknown request type %s', this.uid, request.type);
    }
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
    const requestId = randomId();
    return new Promise((resolve, reject) => {
      const request = encodeJson({ uid: this.uid, requestId, type: RequestType.ALL_ROOMS });
      this.requests.send(requestId, () => {
        this.send(this.channels.request, request).catch((err: Error) => log('[%s] could not publish: %s', this.uid, err.message));
      }, {
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
}
