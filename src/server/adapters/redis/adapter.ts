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
 */
import createDebug from 'debug';
import { PacketType, type Packet } from '../../../protocol/index.js';
import {
  Adapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session, type SessionToPersist,
  type SocketDetails,
} from '../../adapter.js';
import { wrapClient, type RedisConnection } from './client.js';
import { RedisSessionStore } from './session-store.js';
import {
  RequestType, broadcastChannel, classicChannels, decodeBroadcast, decodeMessage, encodeBinary,
  encodeBroadcast, encodeJson, randomId, roomOfChannel, type ClassicChannels, type WireFlags, type WireOptions, type WirePacket,
} from './wire.js';

const log = createDebug('socketeer:redis');

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions {
  /** Prefix of every channel and key. Default `socket.io` (as `@socket.io/redis-adapter`). */
  key?: string;
  /** How long a request to the other servers (fetchSockets, serverSideEmit with ack, …) may wait, in ms. Default 5000. */
  requestsTimeout?: number;
  /** Answer requests on the requester's own channel instead of the shared response channel. Default false. */
  publishOnSpecificResponseChannel?: boolean;
  /**
   * While requests wait on other servers, how often the number of live servers is checked, in ms: when a server
   * is gone, the requests resolve with what answered. Default 1000.
   */
  membershipCheckInterval?: number;
  /** Approximate number of broadcasts kept in Redis for connection state recovery. Default 10000. */
  maxLen?: number;
}

interface PendingRequest {
  type: number;
  expected: number;
  received: number;
  timer: NodeJS.Timeout;
  /** Adds one response; returns nothing. */
  collect(response: Record<string, any>): void;
  /** Settles the request: `timedOut` when not every server answered. */
  finish(timedOut: boolean): void;
}

interface AckRequest {
  clientCountCallback: (clientCount: number) => void;
  ack: (...args: any[]) => void;
}

/** Resolves to `fallback` when `p` does not settle within `ms` or rejects. */
function settleWithin<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, () => { clearTimeout(timer); resolve(fallback); });
  });
}

/** A promise resolved (with null) when the Redis connection drops. */
function outageSignal(): { promise: Promise<null>; resolve: (v: null) => void } {
  let resolve!: (v: null) => void;
  const promise = new Promise<null>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Broadcast options → the arrays sent on the wire. */
function toWireOptions(opts: BroadcastOptions): WireOptions {
  return { rooms: [...opts.rooms], except: opts.except ? [...new Set(opts.except)] : [], flags: opts.flags as WireFlags | undefined };
}

/** Wire options → broadcast options. */
function fromWireOptions(opts: { rooms?: unknown; except?: unknown; flags?: any } | undefined): BroadcastOptions {
  return {
    rooms: new Set(Array.isArray(opts?.rooms) ? opts!.rooms as Room[] : []),
    except: new Set(Array.isArray(opts?.except) ? opts!.except as Room[] : []),
    flags: opts?.flags ?? {},
  };
}

/**
 * Creates the adapter factory to pass as the `adapter` server option.
 * @param pubClient - a Redis client used to publish and run commands (`ioredis` or `redis` v4, standalone or cluster)
 * @param subClient - a Redis client used only to subscribe (e.g. `pubClient.duplicate()`)
 * @param opts - key, timeouts
 * @returns a function creating the adapter of a namespace
 */
export function createAdapter(pubClient: unknown, subClient: unknown, opts: RedisAdapterOptions = {}): (nsp: any) => RedisAdapter {
  const pub = wrapClient(pubClient);
  const sub = wrapClient(subClient);
  return function redisAdapter(nsp: any): RedisAdapter {
    return new RedisAdapter(nsp, pub, sub, opts);
  };
}

/** The adapter of one namespace, over Redis pub/sub. */
export class RedisAdapter extends Adapter {
  /** This server's id on the bus. */
  readonly uid: string;
  /** Default wait for requests to other servers, in ms. */
  readonly requestsTimeout: number;
  private readonly pub: RedisConnection;
  private readonly sub: RedisConnection;
  private readonly channels: ClassicChannels;
  private readonly specificResponses: boolean;
  private readonly membershipInterval: number;
  private readonly requests = new Map<string, PendingRequest>();
  private readonly ackRequests = new Map<string, AckRequest>();
  private readonly store: RedisSessionStore | null;
  private tail: Promise<void> = Promise.resolve();
  private lastServerCount = 1;
  private membershipTimer: NodeJS.Timeout | null = null;
  private subscribed = false;
  private subscribing = false;
  private closed = false;
  private dropping = false;
  private readonly unlisten: Array<() => void> = [];
  private readonly dirty = new Set<string>();
  private readonly persisted = new Set<string>();
  private flushScheduled = false;
  private refreshTimer: NodeJS.Timeout | null = null;
  private outage = outageSignal();
  private readonly onBroadcastMessage = (channel: string, msg: Buffer): void => this.onBroadcast(channel, msg);
  private readonly onRequestMessage = (channel: string, msg: Buffer): void => this.onRequest(channel, msg);

  /**
   * @param nsp - the namespace
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param opts - options
   */
  constructor(nsp: any, pub: RedisConnection, sub: RedisConnection, opts: RedisAdapterOptions = {}) {
    super(nsp);
    this.pub = pub;
    this.sub = sub;
    this.uid = randomId(6);
    this.requestsTimeout = opts.requestsTimeout || 5000;
    this.specificResponses = !!opts.publishOnSpecificResponseChannel;
    this.membershipInterval = opts.membershipCheckInterval ?? 1000;
    const key = opts.key || 'socket.io';
    this.channels = classicChannels(key, nsp.name, this.uid);
    const recovery = nsp.server?.opts?.connectionStateRecovery;
    this.store = recovery
      ? new RedisSessionStore(pub, { key, nsp: nsp.name, maxDisconnectionDuration: recovery.maxDisconnectionDuration ?? 120000,
        maxLen: opts.maxLen })
      : null;
    this.unlisten.push(sub.onState((up, err) => {
      if (up) {
        log('[%s] subscriber connection to Redis is up', this.uid);
        if (!this.subscribed) this.subscribe();
      } else {
        log('[%s] subscriber connection to Redis lost%s', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    this.unlisten.push(pub.onState((up, err) => {
      if (!up) this.outage.resolve(null);
      else this.outage = outageSignal();
      if (up) {
        if (this.dropping) log('[%s] Redis is back: cross-server delivery resumes', this.uid);
        this.dropping = false;
      } else {
        log('[%s] publisher connection to Redis lost%s; local delivery continues', this.uid, err ? `: ${err.message}` : '');
      }
    }));
    this.subscribe();
    if (this.store) this.trackLiveSessions(recovery.maxDisconnectionDuration ?? 120000);
  }

  /**
   * With recovery on, the session of every connected socket is kept in Redis too (written when its rooms change
   * and refreshed periodically), so that its clients can recover on another server even if this one dies.
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
      if (!socket || typeof socket.pid !== 'string' || !rooms) continue;
      this.store.persist({ sid: id, pid: socket.pid, rooms: [...rooms], data: socket.data })
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
        const pid = this.nsp.sockets.get(id)?.pid;
        if (typeof pid === 'string') this.store.forget(pid).catch(() => {});
      }
    }
    super.delAll(id);
  }

  /** Subscribes to the broadcast pattern and request/response channels (again after a failure). */
  private subscribe(): void {
    if (this.subscribing || this.closed) return;
    this.subscribing = true;
    const c = this.channels;
    Promise.all([
      this.sub.psubscribe(c.broadcast + '*', this.onBroadcastMessage),
      this.sub.subscribe([c.request, c.response, c.specificResponse], this.onRequestMessage),
    ]).then(() => {
      this.subscribing = false;
      this.subscribed = true;
      log('[%s] subscribed to %s*', this.uid, c.broadcast);
    }, (err: Error) => {
      this.subscribing = false;
      log('[%s] could not subscribe (%s); retrying once Redis is back', this.uid, err.message);
      // forget the handlers so that the next attempt sends the commands again
      void this.sub.punsubscribe(c.broadcast + '*', this.onBroadcastMessage).catch(() => {});
      void this.sub.unsubscribe([c.request, c.response, c.specificResponse], this.onRequestMessage).catch(() => {});
      if (this.sub.up) setTimeout(() => this.subscribe(), 500).unref();
    });
  }

  /** Publishes unless Redis is known to be down (then the message is dropped and the outage logged once). */
  private publish(channel: string, payload: string | Buffer): void {
    if (!this.pub.up) {
      if (!this.dropping) log('[%s] Redis unavailable: cross-server messages are dropped until it is back', this.uid);
      this.dropping = true;
      return;
    }
    this.pub.publish(channel, payload).catch((err: Error) => {
      log('[%s] publish on %s failed: %s', this.uid, channel, err.message);
    });
  }

  // ---- broadcasting -------------------------------------------------------------------------------------------

  /**
   * Broadcasts to the matching sockets of every server (only this one with `flags.local`).
   * With connection state recovery on, the packet first gets its offset from Redis.
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
    // recovery: keep the order of broadcasts while offsets come back from Redis
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
      super.broadcast(packet, opts);
    }).catch((err: Error) => log('[%s] broadcast failed: %s', this.uid, err.message));
  }

  private publishBroadcast(packet: Packet, opts: BroadcastOptions): void {
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
    if (packet.nsp !== this.nsp.name) return;
    super.broadcast(packet as Packet, fromWireOptions(opts));
  }

  /**
   * Broadcasts expecting acknowledgements from the clients of every server.
   * @param packet - the packet
   * @param opts - rooms, except and flags (`timeout` bounds the wait)
   * @param clientCountCallback - called once per server with its number of clients
   * @param ack - called with each client response
   */
  override broadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (clientCount: number) => void,
    ack: (...args: any[]) => void): void {
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

  private respond(request: Record<string, any>, response: string | Buffer): void {
    const channel = this.specificResponses ? `${this.channels.response}${request.uid}#` : this.channels.response;
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

  private async handleRequest(request: Record<string, any>): Promise<void> {
    const fromSelf = request.uid === this.uid;
    switch (request.type) {
      case RequestType.SOCKETS: {
        if (fromSelf || this.requests.has(request.requestId)) return;
        const sockets = await super.sockets(new Set(request.rooms ?? []));
        this.respond(request, encodeJson({ requestId: request.requestId, sockets: [...sockets] }));
        return;
      }
      case RequestType.ALL_ROOMS:
        if (fromSelf || this.requests.has(request.requestId)) return;
        this.respond(request, encodeJson({ requestId: request.requestId, rooms: [...this.rooms.keys()] }));
        return;
      case RequestType.REMOTE_JOIN:
      case RequestType.REMOTE_LEAVE:
      case RequestType.REMOTE_DISCONNECT:
        this.applyRemote(request, fromSelf);
        return;
      case RequestType.REMOTE_FETCH: {
        if (fromSelf || this.requests.has(request.requestId)) return;
        const local = await super.fetchSockets(fromWireOptions(request.opts));
        this.respond(request, encodeJson({ requestId: request.requestId, sockets: local.map(toDetails) }));
        return;
      }
      case RequestType.SERVER_SIDE_EMIT: {
        if (fromSelf || !Array.isArray(request.data)) return;
        if (request.requestId === undefined) {
          this.nsp._onServerSideEmit(request.data);
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
        this.nsp._onServerSideEmit([...request.data, callback]);
        return;
      }
      case RequestType.BROADCAST: {
        if (this.ackRequests.has(request.requestId) || fromSelf) return;
        super.broadcastWithAck(request.packet, fromWireOptions(request.opts), (clientCount) => {
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
  private applyRemote(request: Record<string, any>, fromSelf: boolean): void {
    if (request.opts) {
      // our own bulk requests were already applied locally
      if (fromSelf) return;
      const opts = fromWireOptions(request.opts);
      if (request.type === RequestType.REMOTE_JOIN) super.addSockets(opts, request.rooms ?? []);
      else if (request.type === RequestType.REMOTE_LEAVE) super.delSockets(opts, request.rooms ?? []);
      else super.disconnectSockets(opts, !!request.close);
      return;
    }
    const socket = this.nsp.sockets.get(request.sid);
    if (!socket) return;
    if (request.type === RequestType.REMOTE_JOIN) socket.join(request.room);
    else if (request.type === RequestType.REMOTE_LEAVE) socket.leave(request.room);
    else socket.disconnect(!!request.close);
    this.respond(request, encodeJson({ requestId: request.requestId }));
  }

  /** A response to one of our requests (or to a request of another server: ignored). */
  private onResponse(msg: Buffer): void {
    const response = decodeMessage(msg);
    if (response === null) return;
    const requestId = response.requestId;
    const ackRequest = this.ackRequests.get(requestId);
    if (ackRequest) {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) ackRequest.clientCountCallback(response.clientCount);
      else if (response.type === RequestType.BROADCAST_ACK) ackRequest.ack(response.packet);
      return;
    }
    const request = this.requests.get(requestId);
    if (!request) return;
    request.collect(response);
    request.received++;
    if (request.received >= request.expected) this.settle(requestId, false);
  }

  // ---- requests to other servers ------------------------------------------------------------------------------

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
   * Sends a request and waits for `expected` responses, the timeout, or the departure of the silent servers.
   * @returns nothing; `collect` and `finish` of the request carry the results
   */
  private sendRequest(requestId: string, payload: string | Buffer, request: Omit<PendingRequest, 'timer' | 'received'>,
    timeout: number): void {
    const timer = setTimeout(() => this.settle(requestId, true), timeout);
    this.requests.set(requestId, { ...request, received: 0, timer });
    if (!this.membershipTimer && this.membershipInterval > 0) {
      this.membershipTimer = setInterval(() => this.checkMembership(), this.membershipInterval);
      this.membershipTimer.unref();
    }
    this.publish(this.channels.request, payload);
  }

  /** Resolves the waiting requests for which every server still alive has answered. */
  private checkMembership(): void {
    if (!this.pub.up || this.requests.size === 0) return;
    settleWithin(this.pub.numsub(this.channels.request), this.membershipInterval, -1).then((count) => {
      if (count < 1) return;
      this.lastServerCount = count;
      for (const [requestId, request] of this.requests) {
        if (request.received >= count - 1) {
          log('[%s] a server left: request %s resolves with %d responses', this.uid, requestId, request.received);
          this.settle(requestId, false);
        }
      }
    });
  }

  /**
   * @returns the number of servers subscribed to this namespace (this one included). While Redis is unreachable,
   * the last known count (so that requests to the other servers time out rather than complete partially).
   */
  override async serverCount(): Promise<number> {
    if (!this.pub.up) return this.lastServerCount;
    const count = await settleWithin(this.pub.numsub(this.channels.request), Math.min(this.requestsTimeout, 2000), -1);
    if (count < 0) return this.lastServerCount;
    this.lastServerCount = Math.max(count, 1);
    return this.lastServerCount;
  }

  /**
   * @param opts - rooms, except and flags (`local` skips the other servers; `timeout` overrides `requestsTimeout`)
   * @returns local sockets and `SocketDetails` of the matching sockets on the other servers
   * @throws Error (rejection) when the other servers do not all answer in time
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<any[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const numSub = await this.serverCount();
    if (numSub <= 1) return local;
    const requestId = randomId(6);
    const sockets: any[] = local;
    return new Promise((resolve, reject) => {
      this.sendRequest(requestId, encodeJson({
        uid: this.uid, requestId, type: RequestType.REMOTE_FETCH,
        opts: { rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] },
      }), {
        type: RequestType.REMOTE_FETCH,
        expected: numSub - 1,
        collect: (response) => {
          if (Array.isArray(response.sockets)) for (const s of response.sockets) sockets.push(s);
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
   */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set<Room>(this.rooms.keys());
    const numSub = await this.serverCount();
    if (numSub <= 1) return rooms;
    const requestId = randomId(6);
    return new Promise((resolve, reject) => {
      this.sendRequest(requestId, encodeJson({ uid: this.uid, requestId, type: RequestType.ALL_ROOMS }), {
        type: RequestType.ALL_ROOMS,
        expected: numSub - 1,
        collect: (response) => {
          if (Array.isArray(response.rooms)) for (const r of response.rooms) rooms.add(r);
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
   */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_JOIN, opts, { rooms: [...rooms] });
    super.addSockets(opts, rooms);
  }

  /**
   * Makes the matching sockets of every server leave rooms.
   * @param opts - rooms, except and flags
   * @param rooms - rooms to leave
   */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_LEAVE, opts, { rooms: [...rooms] });
    super.delSockets(opts, rooms);
  }

  /**
   * Disconnects the matching sockets of every server.
   * @param opts - rooms, except and flags
   * @param close - whether to close the underlying connections
   */
  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (!opts.flags?.local) this.bulkRequest(RequestType.REMOTE_DISCONNECT, opts, { close });
    super.disconnectSockets(opts, close);
  }

  /**
   * Emits an event to the other servers (`io.serverSideEmit`).
   * @param packet - `[event, ...args]`, optionally ending with `(err, responses) => void` called with one response
   *   per other server (err set on timeout, with the responses that arrived)
   */
  override serverSideEmit(packet: any[]): void {
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
      this.sendRequest(requestId, encodeJson({ uid: this.uid, requestId, type: RequestType.SERVER_SIDE_EMIT, data: packet }), {
        type: RequestType.SERVER_SIDE_EMIT,
        expected,
        collect: (response) => responses.push(response.data),
        finish: (timedOut) => {
          if (timedOut) ack(new Error(`timeout reached: only ${responses.length} responses received out of ${expected}`), responses);
          else ack(null, responses);
        },
      }, this.requestsTimeout);
    });
  }

  // ---- connection state recovery ------------------------------------------------------------------------------

  /**
   * Saves a disconnected session in Redis (with recovery on).
   * @param session - the session
   */
  override persistSession(session: SessionToPersist): Promise<void> | void {
    if (!this.store) return;
    this.persisted.add(session.sid);
    return this.store.persist(session).catch((err: Error) => log('[%s] could not save session %s: %s', this.uid, session.pid, err.message));
  }

  /**
   * Restores a session saved by any server, with the broadcasts it missed.
   * @param pid - private session id
   * @param offset - last offset the client received
   * @returns the session, or null
   */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | null {
    if (!this.store) return null;
    return this.store.restore(pid, offset).then((s) => s as Session | null, (err: Error) => {
      log('[%s] could not restore session %s: %s', this.uid, pid, err.message);
      return null;
    });
  }

  /** Unsubscribes and stops timers (pending requests fail now). */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.unlisten) fn();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const requestId of [...this.requests.keys()]) this.settle(requestId, true);
    const c = this.channels;
    void this.sub.punsubscribe(c.broadcast + '*', this.onBroadcastMessage).catch(() => {});
    void this.sub.unsubscribe([c.request, c.response, c.specificResponse], this.onRequestMessage).catch(() => {});
  }
}

/** What is sent about a local socket in a fetchSockets response. */
function toDetails(socket: any): SocketDetails {
  const { sessionStore: _ignored, ...handshake } = socket.handshake ?? {};
  return { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data };
}

