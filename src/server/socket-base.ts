/**
 * The membership of a server-side socket, as the base class of {@link Socket}: being created (or restored by
 * connection state recovery), accepted or refused, its rooms, its handshake and data, and leaving the namespace
 * with a {@link DisconnectReason}. The packet path (dispatch, acks) is in `socket.ts`.
 *
 * Owns: the socket's state (`connected`, its session id, the events it missed). It uses its connection and its
 * namespace only through {@link SocketLink} and {@link SocketHost}; it must never import the connection or the
 * server, and imports the namespace for the type of `socket.nsp` only.
 *
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.join('room-101');
 *   socket.on('disconnecting', (reason) => console.log(reason, socket.rooms));
 * });
 * ```
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createLogger } from '../util/logger.js';
import { compactListeners } from '../util/event-table.js';
import { PacketType, type Packet } from '../protocol/index.js';
import { DISCONNECT_DETAILS_EVENT, validDisconnectDetails, type DisconnectDetails } from '../protocol/disconnect.js';
import type { Adapter, PrivateSessionId, Room, Session, SocketId, WriteOptions } from './adapter.js';
import type { EngineConnection } from './engine.js';
import { isThenable, type ErrorReporter, type Escape, type HandlerErrorKind } from './handler-errors.js';
import { generateId } from './ids.js';
import type { Namespace } from './namespace.js';
import { buildHandshake, isEmptyPlainObject } from './socket-handshake.js';
import { RECOVERABLE_DISCONNECT_REASONS, type SocketHost, type SocketLink } from './socket-link.js';
import { SocketOperators } from './socket-operators.js';
import type { DisconnectReason, Handshake } from './socket-types.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

const debug = createLogger('socketeer:socket');


/**
 * A socket's membership of its namespace and rooms (see {@link Socket}).
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.join('room-101');
 *   socket.on('disconnect', (reason) => console.log(reason));
 * });
 * ```
 */
export abstract class SocketBase<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends SocketOperators<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** The socket id, distinct from the Engine.IO id (and kept across a recovered reconnection). */
  readonly id: SocketId;
  /** The handshake details (built on first read; `time` and `issued` are those of the CONNECT). */
  private builtHandshake: Handshake | undefined;
  /** The CONNECT payload, until the handshake details are built. */
  private auth: Record<string, unknown> | undefined;
  /** When the CONNECT was handled (ms since the epoch). */
  private readonly issued: number;
  /** Arbitrary data (created on first read: most applications never use it). */
  private ownData: SocketData | undefined;
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /** Whether the socket left its namespace (or was refused): it joins no room any more. */
  protected left = false;
  /** Whether the connection state was recovered at this connection. */
  readonly recovered: boolean = false;
  /** The namespace. */
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The connection (Engine.IO session) this socket belongs to. */
  readonly client: SocketLink;
  /** The adapter of the namespace. */
  readonly adapter: Adapter;
  /** The private session id (connection state recovery). */
  private readonly pid: PrivateSessionId | undefined;

  /**
   * The private session id of connection state recovery (undefined when it is off); the adapters persist it.
   * @example
   * ```ts
   * adapter.persistSession({ sid: socket.id, pid: socket.privateSessionId!, rooms: [...socket.rooms], data: socket.data });
   * ```
   */
  get privateSessionId(): PrivateSessionId | undefined {
    return this.pid;
  }
  /** Events missed before a recovered reconnection, sent once the socket is accepted. */
  private missed: unknown[][] | undefined;

  /**
   * @param nsp the namespace (only its {@link SocketHost} members are used)
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
    client: SocketLink,
    auth: Record<string, unknown>,
    previousSession?: Session,
  ) {
    // a listener returning a rejected promise (an async listener) is reported, not left unhandled
    super({ captureRejections: true });
    compactListeners(this);
    this.issued = Date.now();
    // an empty payload is not kept: the handshake gets a fresh empty object when built
    this.auth = isEmptyPlainObject(auth) ? undefined : auth;
    this.nsp = nsp;
    this.client = client;
    this.adapter = nsp.adapter;
    if (previousSession) {
      this.id = previousSession.sid;
      this.pid = previousSession.pid;
      for (const room of previousSession.rooms) this.joinReported(room);
      this.ownData = previousSession.data as SocketData;
      // missed events go out just before the CONNECT reply, once the middlewares accepted the socket
      if (previousSession.missedPackets.length > 0) this.missed = previousSession.missedPackets;
      this.recovered = true;
    } else {
      this.id = client.protocol.socketId(nsp.name, client.id);
      if (this.host.recoveryEnabled) this.pid = generateId();
    }
  }

  /** The namespace, as this socket uses it (the {@link SocketHost} contract; no field of its own). */
  protected get host(): SocketHost {
    return this.nsp;
  }

  /**
   * The server.
   * @example
   * ```ts
   * io.on('connection', (socket) => socket.server === io);   // true
   * ```
   */
  get server(): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>['server'] {
    return this.nsp.server;
  }

  /** Where the errors of application code concerning this socket are reported. */
  protected get reporter(): ErrorReporter {
    return this.host.errors;
  }

  /**
   * Reports an error of application code concerning this socket.
   * @param err what was thrown or the rejection reason
   * @param kind the boundary
   * @param event the event name, if any
   * @param escape how socket.io would have let it escape
   */
  protected abstract reportError(err: unknown, kind: HandlerErrorKind, event?: string, escape?: Escape): void;

  /**
   * Called by EventEmitter when a listener's promise rejects (`captureRejections`).
   * @param err the rejection reason
   * @param ev the event
   * @example
   * ```ts
   * socket.on('save', async () => {
   *   throw new Error('db down');   // reported to io.onError listeners as kind 'listener'
   * });
   * ```
   */
  override [EventEmitter.captureRejectionSymbol](err: unknown, ev: string | symbol): void {
    this.reportError(err, 'listener', String(ev), 'reject');
  }

  /** Joins rooms on behalf of the server (own room, restored rooms): an adapter failure is reported. */
  private joinReported(rooms: Room | Room[]): void {
    try {
      const result = this.join(rooms);
      if (isThenable(result)) result.then(undefined, (err) => this.reportError(err, 'adapter', undefined, 'reject'));
    } catch (err) {
      this.reportError(err, 'adapter');
    }
  }

  /**
   * The handshake details, as of the CONNECT.
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   const { auth, query, address, headers } = socket.handshake;
   * });
   * ```
   */
  get handshake(): Handshake {
    if (this.builtHandshake === undefined) {
      this.builtHandshake = buildHandshake(this.client, this.auth ?? {}, this.issued);
      this.auth = undefined;
    }
    return this.builtHandshake;
  }

  /**
   * Arbitrary data, shared with other servers by `fetchSockets()` and kept by connection state recovery.
   * @example
   * ```ts
   * io.use((socket, next) => {
   *   socket.data.user = { id: 42 };   // readable by fetchSockets() on every server
   *   next();
   * });
   * ```
   */
  get data(): SocketData {
    return (this.ownData ??= {} as SocketData);
  }

  set data(data: SocketData) {
    this.ownData = data;
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
    // a socket that left its namespace joins nothing (a late `join` from an async listener)
    if (this.left) return;
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

  /**
   * Accepts the socket (the namespace calls it once the middlewares passed): joins its own room, sends the events
   * it missed (recovery), then the CONNECT reply.
   * @example
   * ```ts
   * namespace.sockets.set(socket.id, socket);
   * socket.accept();
   * ```
   */
  accept(): void {
    this.connected = true;
    this.joinReported(this.id);
    const missed = this.missed;
    if (missed !== undefined) {
      this.missed = undefined;
      for (const data of missed) this.packet({ type: PacketType.EVENT, nsp: this.host.name, data });
    }
    const data = this.client.protocol.connectReplyData(this.id, this.pid);
    if (data === undefined) this.packet({ type: PacketType.CONNECT, nsp: this.host.name });
    else this.packet({ type: PacketType.CONNECT, nsp: this.host.name, data });
  }

  /**
   * Refuses the socket (a connection middleware called `next(err)`): leaves the rooms and the namespace, and sends
   * CONNECT_ERROR in the shape of the connection's protocol.
   * @param err the error of the middleware
   * @example
   * ```ts
   * socket.refuse(new Error('not authorized'));   // the client gets connect_error
   * ```
   */
  refuse(err: { message: string; data?: unknown }): void {
    this.cleanup();
    this.packet({ type: PacketType.CONNECT_ERROR, nsp: this.host.name, data: this.client.protocol.connectErrorData(err) });
  }

  /**
   * Drops a socket that was never accepted (its connection closed while the middlewares ran).
   * @example
   * ```ts
   * if (socket.client.conn.readyState !== 'open') socket.abandon();
   * ```
   */
  abandon(): void {
    this.cleanup();
  }

  /** Fires `disconnecting` or `disconnect`; a listener that throws is reported and the closing goes on. */
  private emitClose(ev: 'disconnecting' | 'disconnect', reason: DisconnectReason, description: unknown): void {
    try {
      this.emitReserved(ev, reason, description);
    } catch (err) {
      this.reportError(err, 'listener', ev);
    }
  }

  /**
   * Leaves the namespace without sending anything: fires `disconnecting`, saves the session if the reason allows
   * recovery, leaves all rooms, fires `disconnect`. The connection calls it when it closes, the server when it shuts
   * down; {@link disconnect} sends a DISCONNECT packet first.
   * @param reason the reason, given to the `disconnecting` and `disconnect` listeners
   * @param description details from the transport
   * @returns undefined once left, this if the socket was not connected
   * @example
   * ```ts
   * socket.on('disconnect', (reason) => console.log(reason));   // 'server shutting down'
   * socket.leaveNamespace('server shutting down');
   * ```
   */
  leaveNamespace(reason: DisconnectReason, description?: unknown): this | undefined {
    if (!this.connected) return this;
    if (debug.enabled) debug('closing socket - reason %s', reason);
    this.emitClose('disconnecting', reason, description);
    if (this.host.recoveryEnabled && RECOVERABLE_DISCONNECT_REASONS.has(reason)) {
      try {
        const saved = this.adapter.persistSession({ sid: this.id, pid: this.pid!, rooms: [...this.rooms], data: this.data });
        if (isThenable(saved)) saved.then(undefined, (err) => this.reportError(err, 'adapter', undefined, 'reject'));
      } catch (err) {
        this.reportError(err, 'adapter');
      }
    }
    this.cleanup();
    this.client.removeSocket(this);
    this.connected = false;
    this.emitClose('disconnect', reason, description);
    return undefined;
  }

  /**
   * socket.io compatibility; Socketeer's own code uses {@link leaveNamespace}.
   * @param reason the reason
   * @param description details from the transport
   * @example
   * ```ts
   * socket._onclose('forced close');   // same as socket.leaveNamespace('forced close')
   * ```
   */
  _onclose(reason: DisconnectReason, description?: unknown): this | undefined {
    return this.leaveNamespace(reason, description);
  }

  /** Leaves all rooms and the namespace. */
  private cleanup(): void {
    try {
      const left: unknown = this.adapter.delAll(this.id);
      if (isThenable(left)) left.then(undefined, (err) => this.reportError(err, 'adapter', undefined, 'reject'));
    } catch (err) {
      this.reportError(err, 'adapter');
    }
    this.host.removeSocket(this);
    this.left = true;
  }

  /**
   * Disconnects this socket from its namespace. With `details`, the client is told why first: the event
   * `socketeer:disconnect` (`{ reason, message?, data? }`) goes just before the DISCONNECT packet; the Socketeer
   * client gives it with its `disconnect` event, any other client can listen to it. Without `details` nothing
   * changes from socket.io. The server-side `disconnect` listeners get the usual reason and `details` as the
   * description.
   * @param close whether to close the whole connection (all namespaces) too
   * @param details why, for the client (see `DisconnectReasons` for the built-in reasons)
   * @returns this
   * @throws TypeError if `details` has no non-empty string `reason`, or a `message` that is not a string
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   setTimeout(() => socket.disconnect(), 5000);   // the client gets "io server disconnect" and does not reconnect
   *   // socket.disconnect(true) also closes the underlying connection (every namespace of that client)
   *   // with a reason the client can show:
   *   socket.disconnect(false, { reason: 'kicked', message: 'Removed by a moderator' });
   * });
   * ```
   */
  disconnect(close = false, details?: DisconnectDetails): this {
    const checked = details === undefined ? undefined : validDisconnectDetails(details);
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll(checked);
    } else {
      if (checked !== undefined) this.sendDisconnectDetails(checked);
      this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this.leaveNamespace('server namespace disconnect', checked);
    }
    return this;
  }

  /**
   * Tells the client why it is about to be disconnected (the `socketeer:disconnect` event), without
   * disconnecting it. Written directly: not replayed by connection state recovery, not seen by `onAnyOutgoing`.
   * `data` that cannot be encoded is left out; the reason still goes.
   * @param details why
   * @example
   * ```ts
   * socket.sendDisconnectDetails({ reason: 'server shutting down' });
   * socket.leaveNamespace('server shutting down');   // then the connection closes; the client reconnects
   * ```
   */
  sendDisconnectDetails(details: DisconnectDetails): void {
    try {
      this.packet({ type: PacketType.EVENT, nsp: this.nsp.name, data: [DISCONNECT_DETAILS_EVENT, details] });
    } catch (err) {
      if (details.data === undefined) throw err;
      if (debug.enabled) debug('disconnect data cannot be encoded (%s): sent without it', (err as Error)?.message);
      const { data: _left, ...rest } = details;
      this.packet({ type: PacketType.EVENT, nsp: this.nsp.name, data: [DISCONNECT_DETAILS_EVENT, rest] });
    }
  }

  /**
   * Writes a packet of this namespace to the client.
   * @param packet the packet
   * @param opts write options
   * @example
   * ```ts
   * socket.packet({ type: 2, nsp: socket.nsp.name, data: ['hello'] });
   * ```
   */
  abstract packet(packet: Packet, opts?: WriteOptions): void;

  /**
   * Whether the socket is disconnected.
   * @example
   * ```ts
   * setTimeout(() => { if (socket.disconnected) console.log('gone'); }, 1000);
   * ```
   */
  get disconnected(): boolean {
    return !this.connected;
  }

  /**
   * The HTTP request that opened the connection.
   * @example
   * ```ts
   * io.on('connection', (socket) => console.log(socket.request.headers.cookie));
   * ```
   */
  get request(): IncomingMessage {
    return this.client.request;
  }

  /**
   * The Engine.IO connection.
   * @example
   * ```ts
   * socket.conn.once('upgrade', () => console.log(socket.conn.transport.name));   // 'websocket'
   * ```
   */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  /**
   * The rooms the socket is in (its own id included).
   * @example
   * ```ts
   * socket.join('room-101');
   * console.log(socket.rooms);   // Set { <socket.id>, 'room-101' }
   * ```
   */
  get rooms(): Set<Room> {
    return this.adapter.socketRooms(this.id) || new Set();
  }
}
