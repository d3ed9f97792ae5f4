/**
 * A namespace: a communication channel with its own event handlers, rooms and middlewares, sharing the
 * connection of the client with the other namespaces.
 *
 * Owns: admitting sockets (creating or restoring them, running the connection middlewares, accepting or refusing
 * them), its connected sockets, the ack id counter, events from the other servers of a cluster. It implements
 * {@link SocketHost} for its sockets and `AdapterNamespace` for its adapter; the broadcast shortcuts are in
 * `namespace-broadcasts.ts`. Must never import the connection module nor call the server but through its public
 * members (`adapter()`, `errors`, `opts`).
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
import { runChain } from '../util/middleware.js';
import type { Adapter, SocketId } from './adapter.js';
import { isThenable, toError, type ErrorReporter } from './handler-errors.js';
import { NamespaceBroadcasts } from './namespace-broadcasts.js';
import { Presence } from './presence/presence.js';
import type { Server } from './server.js';
import { Socket } from './socket.js';
import type { SocketHost, SocketLink, SocketRef } from './socket-link.js';
import type {
  AllButLast,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
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
 * @example
 * ```ts
 * const admin = io.of('/admin');
 * admin.on('connection', (socket) => socket.join('admins'));
 * admin.to('admins').emit('hello');
 * ```
 */
export class Namespace<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = ListenEvents,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = any,
  >
  extends NamespaceBroadcasts<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  implements SocketHost
{
  /** The name (`/`, `/admin`…). */
  readonly name: string;
  /** The connected sockets, by id. */
  readonly sockets: Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = new Map();
  /** Sockets running the middlewares. */
  private readonly preConnectSockets: Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  /** The adapter. */
  adapter!: Adapter;
  /** The server. */
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** Where errors of application code in this namespace are reported (the server's `onError` listeners). */
  readonly errors: ErrorReporter;
  /** Whether connection state recovery is on (the server's `connectionStateRecovery` option). */
  readonly recoveryEnabled: boolean;
  /** The connection middlewares. */
  protected _fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  /**
   * The ack id counter, shared by the sockets of the namespace. socket.io compatibility; Socketeer's own code uses
   * {@link nextAckId}.
   */
  _ids = 0;
  private presenceOfNsp: Presence | undefined;
  /** Called when the last socket left (see {@link onEmpty}). */
  private emptyListeners: Array<() => void> | undefined;

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
    this.errors = server.errors;
    this.recoveryEnabled = !!server.opts.connectionStateRecovery;
    this.initAdapter();
    if (server.opts.presence) void this.presence;
  }

  /**
   * Who is in each room of this namespace, on every node (made on first use, or with the namespace when the
   * server's `presence` option is set). @example `io.of('/chat').presence.track(socket, 'room1', userId, { away: false })`
   */
  get presence(): Presence {
    const opts = this.server.opts.presence;
    return (this.presenceOfNsp ??= new Presence(this, typeof opts === 'object' ? opts : {}));
  }

  /**
   * Creates the adapter from the server's adapter option (again when `io.adapter(v)` changes it).
   * @example
   * ```ts
   * io.adapter(MyAdapter);   // calls initAdapter() on every namespace
   * ```
   */
  initAdapter(): void {
    const ctor = this.server.adapter()!;
    // a class, or a factory `(nsp) => adapter`
    this.adapter = isClass(ctor) ? new (ctor as new (nsp: unknown) => Adapter)(this) : (ctor as (nsp: unknown) => Adapter)(this);
    Promise.resolve(this.adapter.init()).catch((err) => {
      debug('error while initializing adapter: %s', err);
    });
  }

  /**
   * The next acknowledgement id, shared by the sockets of the namespace and its adapter (socket.io's `nsp._ids++`).
   * @returns the id
   * @example
   * ```ts
   * packet.id = nsp.nextAckId();   // what an adapter does for a broadcast expecting acknowledgements
   * ```
   */
  nextAckId(): number {
    return this._ids++;
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
   * Runs the middlewares in turn ({@link runChain}). One that throws, or whose promise rejects, before calling
   * `next` is treated as `next(err)`; after calling it, the error is only reported. A second `next` is ignored.
   */
  private run(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    fn: (err?: ExtendedError) => void,
    list: ReadonlyArray<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>,
  ): void {
    let thrown: unknown;
    runChain<[Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>], ExtendedError>(
      list,
      [socket],
      (err) => {
        if (!err) return fn();
        // what a middleware threw becomes an Error; what it passed to `next` is given as is
        fn(err === thrown ? toError(err) : (err as ExtendedError));
      },
      {
        onThrow: (err, _how, nextCalled) => {
          // socket.io runs the middlewares from an async function: what they throw becomes a rejection
          this.errors.report(err, 'middleware', this.name, socket, undefined, 'reject');
          if (!nextCalled) thrown = err;
          return true;
        },
      },
    );
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
      this.errors.report(err, 'connection', this.name, socket, ev);
    }
  }

  /**
   * Called by EventEmitter when a listener's promise rejects (`captureRejections`).
   * @param err the rejection reason
   * @param ev the event
   * @param args the arguments of the event
   * @example
   * ```ts
   * io.on('connection', async (socket) => {
   *   throw new Error('db down');   // reported to io.onError listeners as kind 'connection'
   * });
   * ```
   */
  override [EventEmitter.captureRejectionSymbol](err: unknown, ev: string | symbol, ...args: unknown[]): void {
    const event = String(ev);
    if (event === 'connection' || event === 'connect') {
      this.errors.report(err, 'connection', this.name, args[0] as Socket, event, 'reject');
    } else if (event === 'new_namespace') {
      this.errors.report(err, 'namespace-listener', this.name, undefined, event, 'reject');
    } else {
      this.errors.report(err, 'server-side-emit', this.name, undefined, event, 'reject');
    }
  }

  /**
   * Handles a CONNECT (the connection calls it): creates (or restores) the socket, runs the middlewares, then
   * accepts it or refuses it with CONNECT_ERROR.
   * @param link the connection
   * @param auth the CONNECT payload
   * @param fn called with the accepted socket
   * @example
   * ```ts
   * nsp.admit(connection, { token: 'abc' }, (socket) => connection.sockets.push(socket));
   * ```
   */
  async admit(
    link: SocketLink,
    auth: Record<string, unknown>,
    fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Promise<void> {
    let socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    try {
      socket = await this.createSocket(link, auth);
    } catch (err) {
      this.errors.report(err, 'adapter', this.name, undefined, undefined, 'reject');
      return;
    }
    this.preConnectSockets.set(socket.id, socket);
    let fns = this._fns;
    if (this.server.opts.connectionStateRecovery?.skipMiddlewares && socket.recovered && link.conn.readyState === 'open') {
      // only the middlewares marked `runOnRecovery` run; the missed packets wait for the CONNECT reply
      fns = fns.filter(runsOnRecovery);
      if (fns.length === 0) return this.accept(socket, fn);
    }
    this.run(socket, (err) => {
      process.nextTick(() => {
        if (link.conn.readyState !== 'open') {
          debug('next called after client was closed - ignoring socket');
          socket.abandon();
          return;
        }
        if (err) {
          debug('middleware error, sending CONNECT_ERROR packet to the client');
          this.server.probes.current?.refused(this.name, 'middleware');
          socket.refuse(err);
          return;
        }
        this.accept(socket, fn);
      });
    }, fns);
  }

  /** Creates the socket of a CONNECT, restoring its session when the client asks for it and the adapter has it. */
  private async createSocket(
    link: SocketLink,
    auth: Record<string, unknown>,
  ): Promise<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    const sessionId = auth.pid;
    const offset = auth.offset;
    if (this.recoveryEnabled && typeof sessionId === 'string' && typeof offset === 'string') {
      let session;
      try {
        session = await this.adapter.restoreSession(sessionId, offset);
      } catch (e) {
        debug('error while restoring session: %s', e);
      }
      if (session) {
        debug('connection state recovered for sid %s', session.sid);
        return new Socket(this, link, auth, session);
      }
    }
    return new Socket(this, link, auth);
  }

  private accept(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): void {
    this.preConnectSockets.delete(socket.id);
    this.sockets.set(socket.id, socket);
    // the socket's own state comes first, so a listener may disconnect it right away
    socket.accept();
    fn(socket);
    this.emitConnection('connect', socket);
    this.emitConnection('connection', socket);
  }

  /**
   * Forgets a socket that left (or was refused); fires the {@link onEmpty} listeners when none is left.
   * @param socket the socket
   * @example
   * ```ts
   * nsp.removeSocket(socket);   // called by the socket as it leaves
   * ```
   */
  removeSocket(socket: SocketRef): void {
    this.sockets.delete(socket.id) || this.preConnectSockets.delete(socket.id);
    const listeners = this.emptyListeners;
    if (listeners !== undefined && this.sockets.size === 0) for (const listener of listeners.slice()) listener();
  }

  /**
   * Adds a listener called each time the last connected socket leaves the namespace (a parent namespace uses it
   * to close an emptied child with `cleanupEmptyChildNamespaces`).
   * @param listener the listener
   * @returns a function removing the listener
   * @example
   * ```ts
   * const off = io.of('/room-42').onEmpty(() => console.log('no one left in /room-42'));
   * ```
   */
  onEmpty(listener: () => void): () => void {
    (this.emptyListeners ??= []).push(listener);
    return () => {
      const i = this.emptyListeners!.indexOf(listener);
      if (i !== -1) this.emptyListeners!.splice(i, 1);
    };
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
          if (isThenable(result)) result.then(undefined, (err) => this.errors.report(err, 'server-side-emit', this.name, undefined, String(ev), 'reject'));
        } catch (err) {
          this.errors.report(err, 'server-side-emit', this.name, undefined, String(ev));
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
   * Fires `new_namespace` (on the main namespace, i.e. `io.on('new_namespace')`); a listener that throws is
   * reported. The server calls it for each namespace created.
   * @param nsp the new namespace
   * @example
   * ```ts
   * io.on('new_namespace', (nsp) => console.log(nsp.name));
   * ```
   */
  notifyNewNamespace(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    try {
      this.emitUntyped('new_namespace', nsp);
    } catch (err) {
      this.errors.report(err, 'namespace-listener', this.name, undefined, 'new_namespace');
    }
  }

  /**
   * Fires an event sent by another server of the cluster (`serverSideEmit`); the adapter calls it. A listener
   * that throws is reported.
   * @param args `[event, ...args]`, with the acknowledgement callback last if the sender expects one
   * @example
   * ```ts
   * nsp.receiveServerSideEmit(['hello', 'world']);   // fires io.of(nsp.name).on('hello')
   * ```
   */
  receiveServerSideEmit(args: unknown[]): void {
    try {
      this.emitUntyped(...(args as [string, ...unknown[]]));
    } catch (err) {
      this.errors.report(err, 'server-side-emit', this.name, undefined, String(args[0]));
    }
  }

  /**
   * socket.io compatibility; Socketeer's own code uses {@link receiveServerSideEmit}.
   * @param args `[event, ...args]`
   * @example
   * ```ts
   * nsp._onServerSideEmit(['hello', 'world']);
   * ```
   */
  _onServerSideEmit(args: unknown[]): void {
    this.receiveServerSideEmit(args);
  }
}

/** A class (or function with a prototype) is constructed; an arrow function is called as a factory. */
function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && fn.prototype !== undefined;
}
