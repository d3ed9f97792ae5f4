/**
 * A namespace: a communication channel with its own event handlers, rooms and middlewares, sharing the
 * connection of the client with the other namespaces.
 *
 * ```ts
 * const orders = io.of('/orders');
 * orders.use((socket, next) => (socket.handshake.auth.token ? next() : next(new Error('not authorized'))));
 * orders.on('connection', (socket) => socket.join('room1'));
 * orders.to('room1').emit('hello');
 * ```
 */
import { EventEmitter } from 'node:events';
import { createLogger } from '../util/logger.js';
import type { Adapter, Room, SocketId } from './adapter.js';
import { BroadcastOperator, type RemoteSocket } from './broadcast-operator.js';
import type { Connection } from './connection.js';
import { isThenable, toError, type Escape } from './handler-errors.js';
import type { Server } from './server.js';
import { Socket } from './socket.js';
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventNamesWithoutAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from './typed-events.js';

const debug = createLogger('socketeer:namespace');

/** An error passed to a middleware's `next`: `message` and `data` reach the client in CONNECT_ERROR. */
export interface ExtendedError extends Error {
  data?: any;
}

/** The events a namespace fires on its own. */
export interface NamespaceReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  connect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  connection: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** The events the server (main namespace) fires on its own. */
export interface ServerReservedEventsMap<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  new_namespace: (namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** Event names reserved by namespaces for server-side emits. */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>(['connect', 'connection', 'new_namespace']);

/** A connection middleware. */
export type NamespaceMiddleware<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ServerSideEvents extends EventsMap, SocketData> = (
  socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  next: (err?: ExtendedError) => void,
) => void;

/**
 * Whether a connection middleware also runs for sockets restored by connection state recovery when
 * `skipMiddlewares` is on: a middleware whose `runOnRecovery` property is `true` (e.g. a credentials check,
 * which must pass before the missed packets are sent).
 */
function runsOnRecovery(fn: unknown): boolean {
  return (fn as { runOnRecovery?: unknown }).runOnRecovery === true;
}

/**
 * A namespace. `emit` broadcasts to its sockets; `on('connection')` receives each new socket.
 */
export class Namespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The name (`/`, `/admin`…). */
  readonly name: string;
  /** The connected sockets, by id. */
  readonly sockets: Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = new Map();
  /** Sockets running the middlewares. */
  private readonly _preConnectSockets: Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  /** The adapter. */
  adapter!: Adapter;
  /** The server. */
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The connection middlewares. */
  protected _fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  /** The ack id counter, shared by the sockets of the namespace. @internal */
  _ids = 0;

  /**
   * @param server the server
   * @param name the namespace name
   * @example
   * ```ts
   * // created by io.of(name)
   * const admin = io.of('/admin');
   * ```
   */
  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, name: string) {
    // a listener returning a rejected promise (an async `connection` handler) is reported, not left unhandled
    super({ captureRejections: true });
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /** Creates the adapter from the server's adapter option. @internal */
  _initAdapter(): void {
    const ctor = this.server.adapter()!;
    // a class, or a factory `(nsp) => adapter`
    this.adapter = isClass(ctor) ? new (ctor as new (nsp: any) => Adapter)(this) : (ctor as (nsp: any) => Adapter)(this);
    Promise.resolve(this.adapter.init()).catch((err) => {
      debug('error while initializing adapter: %s', err);
    });
  }

  /**
   * Registers a connection middleware.
   * @param fn `(socket, next)`; `next(err)` refuses the connection with CONNECT_ERROR
   * @returns this
   * @example
   * ```ts
   * const admin = io.of('/admin');
   * admin.use((socket, next) => {
   *   if (socket.handshake.auth.role === 'admin') return next();
   *   next(Object.assign(new Error('not authorized'), { data: { code: 'NOT_ADMIN' } }));   // connect_error on the client
   * });
   * ```
   */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this._fns.push(fn);
    return this;
  }

  /**
   * Runs the middlewares in turn. One that throws, or whose promise rejects, before calling `next` is
   * treated as `next(err)`; after calling it, the error is only reported.
   */
  private run(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    fn: (err?: ExtendedError) => void,
    list = this._fns,
  ): void {
    if (!list.length) return fn();
    const fns = list.slice(0);
    const step = (i: number): void => {
      let called = false;
      const fail = (err: unknown, escape: Escape): void => {
        this.server._errors.report(err, 'middleware', this.name, socket, undefined, escape);
        if (called) return;
        called = true;
        fn(toError(err));
      };
      try {
        const result: unknown = fns[i]!(socket, (err) => {
          called = true;
          if (err) return fn(err);
          if (!fns[i + 1]) return fn();
          step(i + 1);
        });
        // socket.io runs the middlewares from an async function: what they throw becomes a rejection
        if (isThenable(result)) result.then(undefined, (err) => fail(err, 'reject'));
      } catch (err) {
        fail(err, 'reject');
      }
    };
    step(0);
  }

  /**
   * Fires a namespace event; a listener that throws is reported and the other events go on.
   * @param ev the event
   * @param socket the socket
   */
  private emitConnection(ev: 'connect' | 'connection', socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    try {
      this.emitReserved(ev, socket);
    } catch (err) {
      this.server._errors.report(err, 'connection', this.name, socket, ev);
    }
  }

  /**
   * Called by EventEmitter when a listener's promise rejects (`captureRejections`).
   * @param err the rejection reason
   * @param ev the event
   * @param args the arguments of the event
   */
  override [EventEmitter.captureRejectionSymbol](err: unknown, ev: string | symbol, ...args: unknown[]): void {
    const event = String(ev);
    if (event === 'connection' || event === 'connect') {
      this.server._errors.report(err, 'connection', this.name, args[0] as Socket, event, 'reject');
    } else if (event === 'new_namespace') {
      this.server._errors.report(err, 'namespace-listener', this.name, undefined, event, 'reject');
    } else {
      this.server._errors.report(err, 'server-side-emit', this.name, undefined, event, 'reject');
    }
  }

  /**
   * Targets a room.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const chat = io.of('/chat');
   * chat.to('room-101').emit('hello', 'world');
   * chat.to(['room-101', 'room-102']).emit('hello');   // in either room (each client once)
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).to(room);
  }

  /**
   * Targets a room. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const sockets = await io.of('/chat').in('room-101').fetchSockets();   // an alias of to()
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.to(room);
  }

  /**
   * Excludes a room.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').except('room-101').emit('hello');   // every client of /chat but those in room-101
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).except(
      room,
    );
  }

  /**
   * Handles a CONNECT: creates (or restores) the socket, runs the middlewares, then connects it or replies
   * CONNECT_ERROR.
   * @param client the connection
   * @param auth the CONNECT payload
   * @param fn called with the connected socket
   * @internal
   */
  async _add(
    client: Connection<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
    fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Promise<void> {
    let socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    try {
      socket = await this._createSocket(client, auth);
    } catch (err) {
      this.server._errors.report(err, 'adapter', this.name, undefined, undefined, 'reject');
      return;
    }
    this._preConnectSockets.set(socket.id, socket);
    let fns = this._fns;
    if (this.server._opts.connectionStateRecovery?.skipMiddlewares && socket.recovered && client.conn.readyState === 'open') {
      // only the middlewares marked `runOnRecovery` run; the missed packets wait for the CONNECT reply
      fns = fns.filter(runsOnRecovery);
      if (fns.length === 0) return this._doConnect(socket, fn);
    }
    this.run(socket, (err) => {
      process.nextTick(() => {
        if (client.conn.readyState !== 'open') {
          debug('next called after client was closed - ignoring socket');
          socket._cleanup();
          return;
        }
        if (err) {
          debug('middleware error, sending CONNECT_ERROR packet to the client');
          socket._cleanup();
          if (client.conn.protocol === 3) return socket._error(err.data || err.message);
          return socket._error({ message: err.message, data: err.data });
        }
        this._doConnect(socket, fn);
      });
    }, fns);
  }

  private async _createSocket(
    client: Connection<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    auth: Record<string, unknown>,
  ): Promise<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    const sessionId = auth.pid;
    const offset = auth.offset;
    if (this.server._recovery && typeof sessionId === 'string' && typeof offset === 'string') {
      let session;
      try {
        session = await this.adapter.restoreSession(sessionId, offset);
      } catch (e) {
        debug('error while restoring session: %s', e);
      }
      if (session) {
        debug('connection state recovered for sid %s', session.sid);
        return new Socket(this, client, auth, session);
      }
    }
    return new Socket(this, client, auth);
  }

  private _doConnect(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): void {
    this._preConnectSockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    // the socket's own state comes first, so a listener may disconnect it right away
    socket._onconnect();
    fn(socket);
    this.emitConnection('connect', socket);
    this.emitConnection('connection', socket);
  }

  /**
   * Forgets a socket that left. @internal
   * @param socket the socket
   */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.sockets.delete(socket.id) || this._preConnectSockets.delete(socket.id);
  }

  /**
   * Emits to every socket of the namespace.
   * @param ev the event name
   * @param args the arguments
   * @returns true
   * @example
   * ```ts
   * const chat = io.of('/chat');
   * chat.emit('hello', 'world');                          // to every client of /chat
   * chat.emit('with-binary', 1, '2', { 3: new Uint8Array([4]) });
   * ```
   */
  override emit<Ev extends EventNamesWithoutAck<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter).emit(ev, ...args);
  }

  /**
   * Sends a `message` event to every socket.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.of('/chat').send('hello');   // a `message` event to every client of /chat
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    new BroadcastOperator<any, SocketData>(this.adapter).emit('message', ...args);
    return this;
  }

  /**
   * Sends a `message` event to every socket. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.of('/chat').write('hello');   // same as send()
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    new BroadcastOperator<any, SocketData>(this.adapter).emit('message', ...args);
    return this;
  }

  /**
   * Sends an event to the other servers of the cluster (`on(ev)` there). A callback last gets
   * `(err, responses)` with one response per other server.
   * @param ev the event name
   * @param args the arguments
   * @returns true
   * @throws Error if the event name is reserved
   * @example
   * ```ts
   * io.of('/chat').serverSideEmit('hello', 'world');   // to the other servers of the cluster
   *
   * io.of('/chat').on('hello', (arg) => console.log(arg));   // on the other servers: 'world'
   * ```
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      // the acknowledgement callback is called by the adapter, from a timer or a message of another server
      const ack = args[last] as (...a: unknown[]) => unknown;
      (args as unknown[])[last] = (...a: unknown[]) => {
        try {
          const result = ack(...a);
          if (isThenable(result)) result.then(undefined, (err) => this.server._errors.report(err, 'server-side-emit', this.name, undefined, String(ev), 'reject'));
        } catch (err) {
          this.server._errors.report(err, 'server-side-emit', this.name, undefined, String(ev));
        }
      };
    }
    args.unshift(ev);
    this.adapter.serverSideEmit(args);
    return true;
  }

  /**
   * Sends an event to the other servers and waits for their acknowledgements.
   * @param ev the event name
   * @param args the arguments
   * @returns one response per other server
   * @example
   * ```ts
   * const responses = await io.of('/chat').serverSideEmitWithAck('ping');   // one per other server
   * ```
   */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return new Promise((resolve, reject) => {
      args.push((err: (Error & { responses?: unknown }) | null, responses: any) => {
        if (err) {
          err.responses = responses;
          return reject(err);
        }
        return resolve(responses);
      });
      (this.serverSideEmit as (ev: string, ...args: any[]) => boolean)(ev as string, ...args);
    });
  }

  /**
   * Fires `new_namespace` (on the main namespace, i.e. `io.on('new_namespace')`). @internal
   * @param nsp the new namespace
   */
  _emitNewNamespace(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    try {
      this.emitUntyped('new_namespace', nsp);
    } catch (err) {
      this.server._errors.report(err, 'namespace-listener', this.name, undefined, 'new_namespace');
    }
  }

  /**
   * Called with an event from another server. @internal
   * @param args `[event, ...args]`
   */
  _onServerSideEmit(args: [string, ...any[]]): void {
    try {
      this.emitUntyped(...args);
    } catch (err) {
      this.server._errors.report(err, 'server-side-emit', this.name, undefined, String(args[0]));
    }
  }

  /**
   * Gets the ids of the sockets.
   * @deprecated use {@link fetchSockets}
   * @example
   * ```ts
   * const ids = await io.of('/chat').allSockets();
   * ```
   */
  allSockets(): Promise<Set<SocketId>> {
    return new BroadcastOperator(this.adapter).allSockets();
  }

  /**
   * Sets the compress flag.
   * @param compress whether the transport may compress
   * @example
   * ```ts
   * io.of('/chat').compress(false).emit('hello', largeText);
   * ```
   */
  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).compress(
      compress,
    );
  }

  /** The next emit may be dropped for clients not ready to receive it. */
  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).volatile;
  }

  /** Only the sockets of this server. */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit.
   * @param timeout in ms
   * @example
   * ```ts
   * io.of('/chat').timeout(5000).emit('are-you-there', (err, responses) => {
   *   if (err) {
   *     // some clients did not acknowledge within 5 s
   *   } else {
   *     console.log(responses);   // one response per client
   *   }
   * });
   * ```
   */
  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgements<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>, SocketData> {
    return new BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData>(this.adapter).timeout(
      timeout,
    );
  }

  /**
   * @returns the sockets (across servers with a distributed adapter)
   * @example
   * ```ts
   * const sockets = await io.of('/chat').in('room-101').fetchSockets();
   * for (const socket of sockets) console.log(socket.id, socket.data);
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter).fetchSockets();
  }

  /**
   * Makes the sockets join rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').in('room-101').socketsJoin('room-102');   // everyone in room-101 also joins room-102
   * ```
   */
  socketsJoin(room: Room | Room[]): void {
    return new BroadcastOperator(this.adapter).socketsJoin(room);
  }

  /**
   * Makes the sockets leave rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').socketsLeave('room-101');
   * ```
   */
  socketsLeave(room: Room | Room[]): void {
    return new BroadcastOperator(this.adapter).socketsLeave(room);
  }

  /**
   * Disconnects the sockets.
   * @param close whether to close the underlying connections too
   * @example
   * ```ts
   * io.of('/chat').in('room-101').disconnectSockets();
   * ```
   */
  disconnectSockets(close = false): void {
    return new BroadcastOperator(this.adapter).disconnectSockets(close);
  }
}

/** A class (or function with a prototype) is constructed; an arrow function is called as a factory. */
function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && fn.prototype !== undefined;
}
