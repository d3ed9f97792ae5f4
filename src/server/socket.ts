/**
 * The server side of one client in one namespace.
 *
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.join('room1');
 *   socket.on('hello', (name, ack) => ack(`hi ${name}`));
 *   socket.emit('welcome', { id: socket.id });
 *   socket.on('disconnect', (reason) => {});
 * });
 * ```
 */
import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { createLogger } from '../util/logger.js';
import { PacketType, type Packet } from '../protocol/index.js';
import type { Adapter, BroadcastFlags, PrivateSessionId, Room, Session, SocketId, WriteOptions } from './adapter.js';
import { BroadcastOperator } from './broadcast-operator.js';
import type { Connection } from './connection.js';
import { callReported, isThenable, type Escape, type HandlerErrorKind } from './handler-errors.js';
import { generateId } from './ids.js';
import type { Namespace } from './namespace.js';
import type { Server } from './server.js';
import { RESERVED_EVENTS, type DisconnectReason, type Handshake, type SocketReservedEventsMap } from './socket-types.js';
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
} from './typed-events.js';

const debug = createLogger('socketeer:socket');

/** Reasons after which a session is kept for connection state recovery. */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/** An incoming event as seen by packet middlewares: `[name, ...args]`, with the ack callback last if any. */
export type Event = [string, ...any[]];

/** The flags of the next emit. */
type SocketFlags = BroadcastFlags;

const EMPTY_FLAGS: SocketFlags = Object.freeze({}) as SocketFlags;
// constant write options: no allocation per emitted packet
const WRITE_DEFAULT: WriteOptions = { compress: true };
const WRITE_NO_COMPRESS: WriteOptions = { compress: false };
const WRITE_VOLATILE: WriteOptions = { compress: true, volatile: true };
const WRITE_VOLATILE_NO_COMPRESS: WriteOptions = { compress: false, volatile: true };

const eventEmitterEmit = EventEmitter.prototype.emit as (this: unknown, ...args: any[]) => boolean;

function noop(): void {}

function writeOptionsOf(flags: SocketFlags): WriteOptions {
  if (flags.volatile) return flags.compress === false ? WRITE_VOLATILE_NO_COMPRESS : WRITE_VOLATILE;
  return flags.compress === false ? WRITE_NO_COMPRESS : WRITE_DEFAULT;
}

function queryOf(req: IncomingMessage | undefined): Handshake['query'] {
  if (req === undefined) return {};
  const parsed = (req as IncomingMessage & { _query?: Handshake['query'] })._query;
  if (parsed) return parsed;
  try {
    return Object.fromEntries(new URL(req.url || '/', 'http://localhost').searchParams);
  } catch {
    return {};
  }
}

/**
 * A client connected to a namespace. `emit` sends to the client; listeners receive the client's events.
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<ListenEvents, EmitEvents, SocketReservedEventsMap> {
  /** The socket id, distinct from the Engine.IO id (and kept across a recovered reconnection). */
  readonly id: SocketId;
  /** The handshake details (built on first read; `time` and `issued` are those of the CONNECT). */
  private _handshake: Handshake | undefined;
  /** The CONNECT payload, until the handshake details are built. */
  private _auth: Record<string, unknown> | undefined;
  /** When the CONNECT was handled (ms since the epoch). */
  private readonly _issued: number;
  /** Arbitrary data (created on first read: most applications never use it). */
  private _data: SocketData | undefined;
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /** Whether the connection state was recovered at this connection. */
  readonly recovered: boolean = false;
  /** The namespace. */
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The connection (Engine.IO session) this socket belongs to. */
  readonly client: Connection<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The server. */
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The adapter of the namespace. */
  readonly adapter: Adapter;
  /** Pending acknowledgement callbacks (created on first use: most sockets never wait for one). */
  private _acks: Map<number, (...args: any[]) => void> | undefined;
  /** The private session id (connection state recovery). */
  private readonly pid: PrivateSessionId | undefined;
  private fns: Array<(event: Event, next: (err?: Error) => void) => void> | undefined;
  private flags: SocketFlags = EMPTY_FLAGS;
  private _anyListeners: Array<(...args: any[]) => void> | undefined;
  private _anyOutgoingListeners: Array<(...args: any[]) => void> | undefined;
  /** Events missed before a recovered reconnection, sent once the socket is accepted. */
  private _missed: unknown[][] | undefined;

  /**
   * @param nsp the namespace
   * @param client the connection
   * @param auth the CONNECT payload
   * @param previousSession a restored session, if any
   * @example
   * ```ts
   * // created by the server for each connection
   * io.on('connection', (socket) => {
   *   console.log(socket.id, socket.handshake.auth);
   * });
   * ```
   */
  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Connection<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
    previousSession?: Session,
  ) {
    // a listener returning a rejected promise (an async listener) is reported, not left unhandled
    super({ captureRejections: true });
    this._issued = Date.now();
    // an empty payload is not kept: the handshake gets a fresh empty object when built
    this._auth = isEmptyPlainObject(auth) ? undefined : auth;
    this.nsp = nsp;
    this.client = client;
    this.server = nsp.server;
    this.adapter = nsp.adapter;
    if (previousSession) {
      this.id = previousSession.sid;
      this.pid = previousSession.pid;
      for (const room of previousSession.rooms) this.joinReported(room);
      this._data = previousSession.data as SocketData;
      // missed events go out just before the CONNECT reply, once the middlewares accepted the socket
      if (previousSession.missedPackets.length > 0) this._missed = previousSession.missedPackets;
      this.recovered = true;
    } else {
      if (client.conn.protocol === 3) {
        this.id = nsp.name !== '/' ? nsp.name + '#' + client.id : client.id;
      } else {
        this.id = generateId();
      }
      if (this.server._opts.connectionStateRecovery) this.pid = generateId();
    }
  }

  /**
   * Reports an error of application code concerning this socket.
   * @param err what was thrown or the rejection reason
   * @param kind the boundary
   * @param event the event name, if any
   * @param escape how socket.io would have let it escape
   */
  private _reportError(err: unknown, kind: HandlerErrorKind, event?: string, escape: Escape = 'throw'): void {
    this.server._errors.report(err, kind, this.nsp.name, this, event, escape);
  }

  /**
   * Called by EventEmitter when a listener's promise rejects (`captureRejections`).
   * @param err the rejection reason
   * @param ev the event
   */
  override [EventEmitter.captureRejectionSymbol](err: unknown, ev: string | symbol): void {
    this._reportError(err, 'listener', String(ev), 'reject');
  }

  /** Joins rooms on behalf of the server (own room, restored rooms): an adapter failure is reported. */
  private joinReported(rooms: Room | Room[]): void {
    try {
      const result = this.join(rooms);
      if (isThenable(result)) result.then(undefined, (err) => this._reportError(err, 'adapter', undefined, 'reject'));
    } catch (err) {
      this._reportError(err, 'adapter');
    }
  }

  /** The handshake details, as of the CONNECT. */
  get handshake(): Handshake {
    if (this._handshake === undefined) {
      this._handshake = this.buildHandshake(this._auth ?? {});
      this._auth = undefined;
    }
    return this._handshake;
  }

  /** Arbitrary data, shared with other servers by `fetchSockets()` and kept by connection state recovery. */
  get data(): SocketData {
    return (this._data ??= {} as SocketData);
  }

  set data(data: SocketData) {
    this._data = data;
  }

  private buildHandshake(auth: Record<string, unknown>): Handshake {
    const req = this.client.conn.request as IncomingMessage | undefined;
    const now = new Date(this._issued);
    let query = queryOf(req);
    // a Socket.IO v2 client sends the query of a namespace in its CONNECT (`40/admin?token=1,`): it is the
    // `auth` of the socket, and is also merged into the query as the v2 server did
    if (this.client.conn.protocol === 3 && Object.keys(auth).length > 0) query = { ...query, ...(auth as Handshake['query']) };
    return {
      headers: req?.headers || {},
      time: now + '',
      address: this.client.conn.remoteAddress,
      xdomain: !!req?.headers.origin,
      secure: !req || !!(req.socket as TLSSocket | undefined)?.encrypted,
      issued: +now,
      url: req?.url as string,
      query,
      auth,
    };
  }

  /**
   * Emits an event to the client. A function as last argument is called with the client's acknowledgement
   * (after `timeout(ms)`: with an error first).
   * @param ev the event name
   * @param args the arguments
   * @returns true
   * @throws Error if the event name is reserved
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.emit('hello', 'world');
   *   socket.emit('with-binary', 1, '2', { 3: '4', 5: Buffer.from([6]) });
   *   socket.emit('with-ack', 'question', (answer) => {
   *     console.log(answer);   // what the client passed to its callback
   *   });
   * });
   * ```
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    // the rest array becomes the packet data: no second array
    const data = args as unknown[];
    data.unshift(ev);
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const flags = this.flags;
    this.flags = EMPTY_FLAGS;
    if (typeof data[data.length - 1] === 'function') {
      const id = this.nsp._ids++;
      if (debug.enabled) debug('emitting packet with ack id %d', id);
      this.registerAckCallback(id, data.pop() as (...args: any[]) => void, flags.timeout);
      packet.id = id;
    }
    if (this.server._recovery) {
      // stored by the adapter, with an offset, so that it can be replayed after a reconnection
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags });
    } else {
      this.notifyOutgoingListeners(packet);
      this.client._packet(packet, writeOptionsOf(flags));
    }
    return true;
  }

  /**
   * Emits an event and waits for the client's acknowledgement.
   * @param ev the event name
   * @param args the arguments (without callback)
   * @returns the first argument of the acknowledgement; rejects on timeout (with `timeout(ms)`)
   * @example
   * ```ts
   * io.on('connection', async (socket) => {
   *   // with a timeout: rejects when the client does not answer in time
   *   try {
   *     const answer = await socket.timeout(5000).emitWithAck('hello', 'world');
   *   } catch (err) {
   *     // the client did not acknowledge the event within 5 s
   *   }
   * });
   * ```
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      args.push((arg1: any, arg2: any) => {
        if (withErr) return arg1 ? reject(arg1) : resolve(arg2);
        return resolve(arg1);
      });
      (this.emit as (ev: string, ...args: any[]) => boolean)(ev as string, ...args);
    });
  }

  /** Pending acknowledgement callbacks, by ack id. */
  get acks(): Map<number, (...args: any[]) => void> {
    return (this._acks ??= new Map());
  }

  private registerAckCallback(id: number, ack: (...args: any[]) => void, timeout: number | undefined): void {
    if (timeout === undefined) {
      this.acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      if (debug.enabled) debug('event with ack id %d has timed out after %d ms', id, timeout);
      this.acks.delete(id);
      callReported(this.server._errors, ack, this, [new Error('operation has timed out')], 'ack', this.nsp.name, this);
    }, timeout);
    this.acks.set(id, (...args: any[]) => {
      clearTimeout(timer);
      return ack.call(this, null, ...args);
    });
  }

  /**
   * Targets a room: the event reaches the sockets in it, except this one.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.to('room-101').emit('hello', 'world');   // to everyone in room-101 but this socket
   * });
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().to(room);
  }

  /**
   * Targets a room. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.in('room-101').emit('hello');   // an alias of to()
   * });
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().in(room);
  }

  /**
   * Excludes a room from a broadcast (this socket is excluded too).
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.broadcast.except('room-101').emit('hello');   // everyone but this socket and room-101
   * });
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().except(room);
  }

  /**
   * Sends a `message` event.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.send('hello');   // received by socket.on('message') on the client
   * });
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...args: any[]) => boolean)('message', ...args);
    return this;
  }

  /**
   * Sends a `message` event. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.write('hello');   // same as socket.send()
   * });
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...args: any[]) => boolean)('message', ...args);
    return this;
  }

  /**
   * Writes a packet of this namespace to the client.
   * @param packet the packet
   * @param opts write options
   * @example
   * ```ts
   * socket.packet({ type: 2, nsp: socket.nsp.name, data: ['hello'] });   // a raw EVENT packet, as socket.emit('hello') sends
   * ```
   */
  packet(packet: Packet, opts: WriteOptions = WRITE_DEFAULT): void {
    packet.nsp = this.nsp.name;
    this.client._packet(packet, opts);
  }

  /**
   * Joins a room (or rooms).
   * @param rooms a room or an array of rooms
   * @returns a Promise with a distributed adapter
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.join('room-101');
   *   socket.join(['room-101', 'room-102']);
   *   console.log(socket.rooms);   // Set { <socket.id>, 'room-101', 'room-102' }
   * });
   * ```
   */
  join(rooms: Room | Room[]): Promise<void> | void {
    if (debug.enabled) debug('join room %s', rooms);
    return this.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  /**
   * Leaves a room.
   * @param room the room
   * @returns a Promise with a distributed adapter
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.on('leave', (room) => socket.leave(room));
   * });
   * ```
   */
  leave(room: Room): Promise<void> | void {
    if (debug.enabled) debug('leave room %s', room);
    return this.adapter.del(this.id, room);
  }

  /**
   * Leaves all the rooms.
   * @example
   * ```ts
   * socket.leaveAll();   // rooms are left at disconnection anyway
   * ```
   */
  leaveAll(): void {
    this.adapter.delAll(this.id);
  }

  /** Called once the socket is accepted: joins its own room and sends the CONNECT reply. @internal */
  _onconnect(): void {
    this.connected = true;
    this.joinReported(this.id);
    const missed = this._missed;
    if (missed !== undefined) {
      this._missed = undefined;
      for (const data of missed) this.packet({ type: PacketType.EVENT, nsp: this.nsp.name, data });
    }
    if (this.client.conn.protocol === 3) {
      this.packet({ type: PacketType.CONNECT, nsp: this.nsp.name });
    } else {
      const data: { sid: string; pid?: string } = { sid: this.id };
      if (this.pid !== undefined) data.pid = this.pid;
      this.packet({ type: PacketType.CONNECT, nsp: this.nsp.name, data });
    }
  }

  /** Handles a packet from the client. @internal */
  _onpacket(packet: Packet): void {
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onevent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onack(packet);
        break;
      case PacketType.DISCONNECT:
        this._onclose('client namespace disconnect');
        break;
    }
  }

  private onevent(packet: Packet): void {
    const args: any[] = packet.data || [];
    if (packet.id != null) args.push(this.ack(packet.id));
    const any = this._anyListeners;
    if (any !== undefined && any.length !== 0) {
      const listeners = any.slice();
      const errors = this.server._errors;
      for (let i = 0; i < listeners.length; i++) callReported(errors, listeners[i]!, this, args, 'listener', this.nsp.name, this, args[0]);
    }
    this.dispatch(args);
  }

  /** Creates the acknowledgement callback of an incoming event; it sends at most once. */
  private ack(id: number): (...args: any[]) => void {
    let sent = false;
    return (...args: any[]) => {
      if (sent) return;
      // marked sent once encoded, as the reference: an ack whose arguments cannot be encoded can be called again
      this.packet({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
      sent = true;
    };
  }

  private onack(packet: Packet): void {
    const ack = this._acks?.get(packet.id!);
    if (typeof ack === 'function') {
      this._acks!.delete(packet.id!);
      callReported(this.server._errors, ack, this, packet.data || [], 'ack', this.nsp.name, this);
    } else if (debug.enabled) {
      debug('bad ack %s', packet.id);
    }
  }

  /**
   * Fires an `error` event: a packet middleware's `next(err)`, a decode or a transport error. Without a
   * listener it is only logged (socket.io would throw it): a refusal such as a rate limit's is not a failure.
   * @param err the error
   * @internal
   */
  _onerror(err: Error): void {
    if (this.listenerCount('error') === 0) {
      if (debug.enabled) debug('error without listener: %s', err?.message);
      return;
    }
    try {
      this.emitReserved('error', err);
    } catch (e) {
      this._reportError(e, 'listener', 'error');
    }
  }

  /** Fires `disconnecting` or `disconnect`; a listener that throws is reported and the closing goes on. */
  private emitClose(ev: 'disconnecting' | 'disconnect', reason: DisconnectReason, description: unknown): void {
    try {
      this.emitReserved(ev, reason, description);
    } catch (err) {
      this._reportError(err, 'listener', ev);
    }
  }

  /**
   * Called when the socket leaves its namespace: fires `disconnecting`, saves the session if the reason allows
   * recovery, leaves all rooms, fires `disconnect`.
   * @param reason the reason
   * @param description details from the transport
   * @internal
   */
  _onclose(reason: DisconnectReason, description?: unknown): this | undefined {
    if (!this.connected) return this;
    if (debug.enabled) debug('closing socket - reason %s', reason);
    this.emitClose('disconnecting', reason, description);
    if (this.server._recovery && RECOVERABLE_DISCONNECT_REASONS.has(reason)) {
      try {
        const saved = this.adapter.persistSession({ sid: this.id, pid: this.pid!, rooms: [...this.rooms], data: this.data });
        if (isThenable(saved)) saved.then(undefined, (err) => this._reportError(err, 'adapter', undefined, 'reject'));
      } catch (err) {
        this._reportError(err, 'adapter');
      }
    }
    this._cleanup();
    this.client._remove(this);
    this.connected = false;
    this.emitClose('disconnect', reason, description);
    return undefined;
  }

  /** Leaves all rooms and the namespace. @internal */
  _cleanup(): void {
    try {
      const left: unknown = this.adapter.delAll(this.id);
      if (isThenable(left)) left.then(undefined, (err) => this._reportError(err, 'adapter', undefined, 'reject'));
    } catch (err) {
      this._reportError(err, 'adapter');
    }
    this.nsp._remove(this);
    this.join = noop;
  }

  /** Sends a CONNECT_ERROR packet. @internal */
  _error(err: unknown): void {
    this.packet({ type: PacketType.CONNECT_ERROR, nsp: this.nsp.name, data: err });
  }

  /**
   * Disconnects this socket from its namespace.
   * @param close whether to close the whole connection (all namespaces) too
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   setTimeout(() => socket.disconnect(), 5000);   // the client gets "io server disconnect" and does not reconnect
   *   // socket.disconnect(true) also closes the underlying connection (every namespace of that client)
   * });
   * ```
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client._disconnect();
    } else {
      this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this._onclose('server namespace disconnect');
    }
    return this;
  }

  private setFlag<K extends keyof SocketFlags>(key: K, value: SocketFlags[K]): void {
    if (this.flags === EMPTY_FLAGS) this.flags = {};
    this.flags[key] = value;
  }

  /**
   * Sets the compress flag of the next emit.
   * @param compress whether the transport may compress
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.compress(false).emit('hello', largeText);
   * });
   * ```
   */
  compress(compress: boolean): this {
    this.setFlag('compress', compress);
    return this;
  }

  /** The next emit may be dropped if the client is not ready to receive it. */
  get volatile(): this {
    this.setFlag('volatile', true);
    return this;
  }

  /** A broadcast to every socket of the namespace but this one. */
  get broadcast(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator();
  }

  /** A broadcast limited to this server. */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit: the callback then gets an error first.
   * @param timeout in ms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.timeout(5000).emit('my-event', (err, answer) => {
   *     if (err) {
   *       // the client did not acknowledge the event within 5 s
   *     } else {
   *       console.log(answer);
   *     }
   *   });
   * });
   * ```
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.setFlag('timeout', timeout);
    return this as any;
  }

  /**
   * Runs the packet middlewares, then fires the event to the listeners on a later tick, as socket.io does: an
   * event followed by a DISCONNECT in the same payload is not handled.
   */
  private dispatch(event: any[]): void {
    if (this.fns === undefined || this.fns.length === 0) {
      process.nextTick(dispatchAfterMiddlewares, this, event, undefined);
      return;
    }
    this.run(event as Event, (err) => {
      process.nextTick(dispatchAfterMiddlewares, this, event, err);
    });
  }

  /** Fires an event to its listeners, unless a middleware refused it or the socket left meanwhile. @internal */
  _dispatchChecked(event: any[], err: Error | undefined | null): void {
    if (err) return this._onerror(err);
    if (!this.connected) {
      if (debug.enabled) debug('ignore packet received after disconnection');
      return;
    }
    // one guard per event: a listener that throws is reported (the next listeners of the event are skipped);
    // one that returns a rejected promise is reported through captureRejections
    try {
      eventEmitterEmit.apply(this, event);
    } catch (err) {
      this._reportError(err, 'listener', event[0]);
    }
  }

  /**
   * Registers a packet middleware, run for every incoming event; `next(err)` drops the event and fires `error`.
   * @param fn the middleware
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.use(([event, ...args], next) => {
   *     if (isAllowed(socket, event)) return next();
   *     next(new Error('not allowed'));   // the socket emits 'error'; the event is not delivered
   *   });
   *   socket.on('error', (err) => socket.emit('refused', err.message));
   * });
   * ```
   */
  use(fn: (event: Event, next: (err?: Error) => void) => void): this {
    (this.fns ??= []).push(fn);
    return this;
  }

  /**
   * Runs the packet middlewares in turn. One that throws, or whose promise rejects, is reported as
   * `socket-middleware`; unless it called `next` first, the event is dropped.
   */
  private run(event: Event, fn: (err?: Error | null) => void): void {
    const fns = this.fns!.slice(0);
    const step = (i: number): void => {
      try {
        const result: unknown = fns[i]!(event, (err) => {
          if (err) return fn(err);
          if (!fns[i + 1]) return fn();
          step(i + 1);
        });
        if (isThenable(result)) result.then(undefined, (err) => this._reportError(err, 'socket-middleware', event[0], 'reject'));
      } catch (err) {
        this._reportError(err, 'socket-middleware', event[0]);
      }
    };
    step(0);
  }

  /** Whether the socket is disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** The HTTP request that opened the connection. */
  get request(): IncomingMessage {
    return this.client.request;
  }

  /** The Engine.IO connection. */
  get conn() {
    return this.client.conn;
  }

  /** The rooms the socket is in (its own id included). */
  get rooms(): Set<Room> {
    return this.adapter.socketRooms(this.id) || new Set();
  }

  /**
   * Adds a listener fired for every incoming event, with the event name first.
   * @param listener the listener
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.onAny((event, ...args) => {
   *     console.log(`got ${event}`, args);
   *   });
   * });
   * ```
   */
  onAny(listener: (event: string, ...args: any[]) => void): this {
    (this._anyListeners ||= []).push(listener);
    return this;
  }

  /**
   * Adds a catch-all listener first in the list.
   * @param listener the listener
   * @example
   * ```ts
   * socket.prependAny((event, ...args) => {
   *   console.log(`got ${event} (before the other catch-all listeners)`);
   * });
   * ```
   */
  prependAny(listener: (event: string, ...args: any[]) => void): this {
    (this._anyListeners ||= []).unshift(listener);
    return this;
  }

  /**
   * Removes a catch-all listener, or all of them.
   * @param listener the listener
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAny(listener);
   * socket.offAny(listener);   // that one
   * socket.offAny();           // all of them
   * ```
   */
  offAny(listener?: (event: string, ...args: any[]) => void): this {
    this._anyListeners = removeListener(this._anyListeners, listener);
    return this;
  }

  /**
   * @returns the catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAny().length);
   * ```
   */
  listenersAny(): Array<(...args: any[]) => void> {
    return this._anyListeners || [];
  }

  /**
   * Adds a listener fired for every outgoing event, with the event name first.
   * @param listener the listener
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.onAnyOutgoing((event, ...args) => {
   *     console.log(`sent ${event}`, args);
   *   });
   * });
   * ```
   */
  onAnyOutgoing(listener: (event: string, ...args: any[]) => void): this {
    (this._anyOutgoingListeners ||= []).push(listener);
    return this;
  }

  /**
   * Adds an outgoing catch-all listener first in the list.
   * @param listener the listener
   * @example
   * ```ts
   * socket.prependAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event} (seen first)`);
   * });
   * ```
   */
  prependAnyOutgoing(listener: (event: string, ...args: any[]) => void): this {
    (this._anyOutgoingListeners ||= []).unshift(listener);
    return this;
  }

  /**
   * Removes an outgoing catch-all listener, or all of them.
   * @param listener the listener
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAnyOutgoing(listener);
   * socket.offAnyOutgoing(listener);   // that one
   * socket.offAnyOutgoing();           // all of them
   * ```
   */
  offAnyOutgoing(listener?: (event: string, ...args: any[]) => void): this {
    this._anyOutgoingListeners = removeListener(this._anyOutgoingListeners, listener);
    return this;
  }

  /**
   * @returns the outgoing catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAnyOutgoing().length);
   * ```
   */
  listenersAnyOutgoing(): Array<(...args: any[]) => void> {
    return this._anyOutgoingListeners || [];
  }

  /**
   * Calls the outgoing catch-all listeners with the arguments of an outgoing packet.
   * @param packet the packet
   */
  notifyOutgoingListeners(packet: Packet): void {
    const any = this._anyOutgoingListeners;
    if (any === undefined || any.length === 0) return;
    const listeners = any.slice();
    for (let i = 0; i < listeners.length; i++) listeners[i]!.apply(this, packet.data);
  }

  private newBroadcastOperator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    const flags = { ...this.flags };
    this.flags = EMPTY_FLAGS;
    return new BroadcastOperator(this.adapter, new Set(), new Set([this.id]), flags);
  }
}

/**
 * Whether a value is a plain object (prototype `Object.prototype`) without own enumerable keys.
 * @param value the value
 */
function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}

function dispatchAfterMiddlewares(socket: Socket, event: any[], err: Error | undefined | null): void {
  socket._dispatchChecked(event, err);
}

function removeListener(
  listeners: Array<(...args: any[]) => void> | undefined,
  listener: ((...args: any[]) => void) | undefined,
): Array<(...args: any[]) => void> | undefined {
  if (listeners === undefined) return undefined;
  if (listener === undefined) return [];
  const i = listeners.indexOf(listener);
  if (i !== -1) listeners.splice(i, 1);
  return listeners;
}
