/**
 * The Socket.IO server: attaches an Engine.IO server to an HTTP server, accepts connections and holds the
 * namespaces. EventEmitter methods (`on`, `emit`…) act on the main namespace.
 *
 * ```ts
 * import { Server } from 'socketeer';
 * const io = new Server(3000, { pingInterval: 10000 });
 * io.use((socket, next) => next());
 * io.on('connection', (socket) => {
 *   socket.on('hello', (name, ack) => ack(`hi ${name}`));
 * });
 * io.emit('news', 'to everyone');
 * ```
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import { createLogger } from '../util/logger.js';
import { DEFAULT_MAX_NESTING_DEPTH, encodeSocketPacket, type DecoderOptions } from '../protocol/index.js';
import type { AdapterConstructor, PacketEncoder, Room, SocketId } from './adapter.js';
import { MemoryAdapter } from './adapters/memory.js';
import type { BroadcastOperator, RemoteSocket } from './broadcast-operator.js';
import { Connection } from './connection.js';
import { HandlerErrors, isThenable, type HandlerErrorListener } from './handler-errors.js';
import type { EngineServer } from '../engine/server.js';
import { attachEngine, type AttachOptions, type EngineConnection, type EngineLike, type EngineOptions } from './engine.js';
import { Namespace, type NamespaceMiddleware, type ServerReservedEventsMap } from './namespace.js';
import { ParentNamespace } from './parent-namespace.js';
import { serveClientRequest } from './serve-client.js';
import { handleSignals, shutdownServer, type GracefulShutdownOptions, type ShutdownOptions } from './shutdown.js';
import type { Socket } from './socket.js';
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from './typed-events.js';

const debug = createLogger('socketeer:server');

/** Decides whether a dynamic namespace accepts a name: `next(null, true)` accepts. */
export type ParentNspNameMatchFn = (
  name: string,
  auth: { [key: string]: any },
  fn: (err: Error | null, success: boolean) => void,
) => void;

/** An HTTP server the Socket.IO server can attach to. */
export type TServerInstance = HttpServer | HttpsServer | Http2SecureServer | Http2Server;

/** Options of the Socket.IO server (the Engine.IO options are passed through). */
export interface ServerOptions extends EngineOptions, AttachOptions {
  /** The path to capture (default `/socket.io`). */
  path: string;
  /** Whether to serve the client files (default true). */
  serveClient: boolean;
  /** The adapter class, or a factory `(nsp) => adapter` (default `MemoryAdapter`). */
  adapter: AdapterConstructor;
  /**
   * A custom parser with the `socket.io-parser` shape (e.g. a MessagePack one): `{ Encoder, Decoder }` where
   * `new Encoder().encode(packet)` returns the parts to send and `new Decoder()` is an EventEmitter with
   * `add(data)` firing `decoded` and `destroy()`. Default: the Socket.IO v5 codec of `src/protocol/`.
   */
  parser: CustomParser;
  /** Ms a connection may stay without joining any namespace (default 45000). */
  connectTimeout: number;
  /** Connection state recovery (off by default). */
  connectionStateRecovery: {
    /** Ms a session is kept after a disconnection (default 120000). */
    maxDisconnectionDuration?: number;
    /** Skip the middlewares when a session is recovered (default true). */
    skipMiddlewares?: boolean;
  };
  /** Remove a child of a dynamic namespace once it has no socket left (default false). */
  cleanupEmptyChildNamespaces: boolean;
  /**
   * Let errors of application code crash the process as with socket.io (default false: they are caught,
   * reported to {@link Server.onError} listeners and the server goes on). When true they are still reported,
   * then rethrown asynchronously (uncaught exception or unhandled rejection).
   */
  crashOnError: boolean;
  /**
   * Shut down gracefully ({@link Server.shutdown}) on these signals, then exit (off by default). `true` means
   * `{ signals: ['SIGTERM', 'SIGINT'], timeout: 10000, exit: true }`.
   */
  gracefulShutdown: boolean | GracefulShutdownOptions;
  /**
   * The deepest JSON payload a client may send, the array of event arguments being level 1 (default 64,
   * as System.Text.Json and ASP.NET SignalR). A deeper packet is a decode error: the connection is closed
   * with `parse error`. `Infinity` lifts the limit. Not applied to a custom `parser`.
   */
  maxNestingDepth: number;
}

/** A parser with the `socket.io-parser` shape. */
export interface CustomParser {
  Encoder: new () => PacketEncoder;
  Decoder: new () => CustomDecoder;
}

/** A decoder with the `socket.io-parser` shape: fires `decoded` with each complete packet. */
export interface CustomDecoder {
  /**
   * @example
   * ```ts
   * import * as parser from 'socket.io-msgpack-parser';   // any parser with this shape
   *
   * const io = new Server(httpServer, { parser });
   * ```
   */
  add(data: unknown): void;
  destroy(): void;
  on(event: 'decoded', listener: (packet: any) => void): unknown;
}

/**
 * A Socket.IO server.
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  ServerReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The main namespace (`/`). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The Engine.IO server (set by `attach`/`listen`/`bind`). */
  engine!: EngineServer;
  /** The HTTP server (set by `attach`/`listen`). */
  httpServer!: TServerInstance;
  /** The packet encoder shared by the adapters. */
  readonly encoder: PacketEncoder;
  /** The custom parser, if any. @internal */
  readonly _parser: CustomParser | undefined;
  /** The options of the decoder of each connection. @internal */
  readonly _decoderOptions: DecoderOptions;
  /** The namespaces, by name. @internal */
  _nsps: Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = new Map();
  private parentNsps: Map<ParentNspNameMatchFn, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  private parentNamespacesFromRegExp: Map<RegExp, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  private _adapter?: AdapterConstructor;
  private _serveClient = true;
  /** The options. */
  readonly opts: Partial<ServerOptions>;
  private _path = '/socket.io';
  /** @internal */
  _connectTimeout = 45000;
  /** Whether connection state recovery is on. @internal */
  readonly _recovery: boolean;
  /** The listeners of application errors. @internal */
  readonly _errors: HandlerErrors;

  /**
   * Creates a server; attached to an HTTP server, or listening on a port, when one is given first.
   * @param opts the options
   * @example
   * ```ts
   * import { createServer } from 'node:http';
   * import { Server } from 'socketeer';
   *
   * const httpServer = createServer();
   * const io = new Server(httpServer, { cors: { origin: 'https://example.com' } });
   * io.on('connection', (socket) => {
   *   socket.emit('hello', 'world');
   * });
   * httpServer.listen(3000);
   *
   * // or, on a port of its own
   * const io2 = new Server(3001, { pingInterval: 10_000 });
   * ```
   */
  constructor(opts?: Partial<ServerOptions>);
  /**
   * @param srv an HTTP server, or a port to listen on
   * @param opts the options
   */
  constructor(srv?: TServerInstance | number, opts?: Partial<ServerOptions>);
  /**
   * @param srv an HTTP server or a port to listen on (optional), or the options
   * @param opts the options
   */
  constructor(srv: undefined | Partial<ServerOptions> | TServerInstance | number, opts?: Partial<ServerOptions>);
  constructor(srv?: undefined | Partial<ServerOptions> | TServerInstance | number, opts: Partial<ServerOptions> = {}) {
    super();
    if (typeof srv === 'object' && srv instanceof Object && !(srv as { listen?: unknown }).listen) {
      opts = srv as Partial<ServerOptions>;
      srv = undefined;
    }
    this.path(opts.path || '/socket.io');
    this.connectTimeout(opts.connectTimeout || 45000);
    this.serveClient(false !== opts.serveClient);
    this._parser = opts.parser;
    const depth = opts.maxNestingDepth ?? DEFAULT_MAX_NESTING_DEPTH;
    if (!(depth >= 1) || (depth !== Infinity && !Number.isInteger(depth))) {
      throw new TypeError(`maxNestingDepth must be a positive integer or Infinity, got ${String(opts.maxNestingDepth)}`);
    }
    this._decoderOptions = { maxNestingDepth: depth };
    this.encoder = opts.parser ? new opts.parser.Encoder() : { encode: encodeSocketPacket };
    this.opts = opts;
    if (opts.connectionStateRecovery) {
      opts.connectionStateRecovery = {
        maxDisconnectionDuration: 2 * 60 * 1000,
        skipMiddlewares: true,
        ...opts.connectionStateRecovery,
      };
    }
    this._recovery = !!opts.connectionStateRecovery;
    this._errors = new HandlerErrors(!!opts.crashOnError);
    this.adapter(opts.adapter || MemoryAdapter);
    opts.cleanupEmptyChildNamespaces = !!opts.cleanupEmptyChildNamespaces;
    this.sockets = this.of('/');
    if (opts.gracefulShutdown) {
      this._unhandleSignals = handleSignals(this, opts.gracefulShutdown === true ? {} : opts.gracefulShutdown);
    }
    if (srv || typeof srv === 'number') this.attach(srv as TServerInstance | number);
  }

  /** Removes the signal handling of the `gracefulShutdown` option. */
  private _unhandleSignals?: () => void;
  private _shutdown?: Promise<void>;

  /**
   * Whether the server is shutting down ({@link shutdown}): new handshakes are answered `503`.
   */
  get draining(): boolean {
    return this._shutdown !== undefined;
  }

  /**
   * Shuts the server down gracefully, for a deploy that loses nothing: new handshakes are refused with `503`,
   * every socket leaves with `server shutting down` (its session saved for connection state recovery), the
   * adapters finish their pending work, and each connection is closed once its queued packets are written, so the
   * client reconnects (to another server behind the load balancer) and, with recovery and a shared adapter, resumes
   * with `socket.recovered === true` and the broadcasts it missed. Unlike {@link close}, no DISCONNECT packet is
   * sent (the client reconnects). Calling it again returns the same promise.
   * @param opts `timeout`: the bound in ms (default 10000); what is still open then is closed at once
   * @returns settles once shut down, within the bound
   */
  shutdown(opts?: ShutdownOptions): Promise<void> {
    if (!this._shutdown) {
      this._unhandleSignals?.();
      this._shutdown = shutdownServer(this as unknown as Parameters<typeof shutdownServer>[0], opts);
    }
    return this._shutdown;
  }

  /** The options. @internal */
  get _opts(): Partial<ServerOptions> {
    return this.opts;
  }

  /**
   * Sets or gets whether the client bundle is served.
   * @param v the value
   * @example
   * ```ts
   * const io = new Server(httpServer, { serveClient: false });   // or:
   * io.serveClient(false);   // no /socket.io/socket.io.js (serve the bundle from a CDN instead)
   * ```
   */
  serveClient(v: boolean): this;
  serveClient(): boolean;
  serveClient(v?: boolean): this | boolean {
    if (v === undefined) return this._serveClient;
    this._serveClient = v;
    return this;
  }

  /**
   * Adds a listener of the errors of application code: a listener, middleware, `connection` handler, ack
   * callback, `serverSideEmit` handler, dynamic namespace function or adapter that throws or whose promise
   * rejects. The error is caught where the server called that code; the socket concerned stays connected
   * (a failing connection middleware refuses the connection as `next(err)` would). Without any listener, the
   * error is logged under `DEBUG=socketeer:server`. A listener that throws is itself caught and logged.
   *
   * ```ts
   * const off = io.onError((err, { kind, nsp, socket, event }) => log.error(err, kind, nsp, socket?.id, event));
   * off(); // removes the listener
   * ```
   * @param listener `(err, { kind, nsp, socket?, event? })`
   * @returns a function removing the listener
   */
  onError(listener: HandlerErrorListener): () => void {
    return this._errors.add(listener);
  }

  /**
   * Runs the dynamic namespace matchers for a name that is not a namespace yet.
   * @param name the namespace name
   * @param auth the CONNECT payload
   * @param fn called with the (new) namespace, or false
   * @internal
   */
  _checkNamespace(
    name: string,
    auth: { [key: string]: any },
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void {
    if (this.parentNsps.size === 0) return fn(false);
    const keysIterator = this.parentNsps.keys();
    const run = (): void => {
      const nextFn = keysIterator.next();
      if (nextFn.done) return fn(false);
      // a matcher that throws or rejects refuses the name (once: it may have answered before failing)
      let answered = false;
      const fail = (err: unknown, escape: 'throw' | 'reject') => {
        this._errors.report(err, 'namespace-predicate', name, undefined, undefined, escape);
        if (answered) return;
        answered = true;
        run();
      };
      try {
        const result: unknown = nextFn.value(name, auth, (err, allow) => {
          answered = true;
          if (err || !allow) return run();
          const existing = this._nsps.get(name);
          if (existing) return fn(existing);
          const namespace = this.parentNsps.get(nextFn.value)!.createChild(name);
          debug('dynamic namespace %s was created', name);
          fn(namespace);
        });
        if (isThenable(result)) result.then(undefined, (err) => fail(err, 'reject'));
      } catch (err) {
        fail(err, 'throw');
      }
    };
    run();
  }

  /**
   * Sets or gets the path (`/socket.io`).
   * @param v the path
   * @example
   * ```ts
   * const io = new Server(httpServer, { path: '/ws' });   // the clients use io(url, { path: '/ws' })
   * console.log(io.path());   // '/ws'
   * ```
   */
  path(v: string): this;
  path(): string;
  path(v?: string): this | string {
    if (v === undefined) return this._path;
    this._path = v.replace(/\/$/, '');
    return this;
  }

  /**
   * Sets or gets the delay after which a connection that joined no namespace is closed.
   * @param v in ms
   * @example
   * ```ts
   * io.connectTimeout(10_000);   // a connection that joins no namespace within 10 s is closed
   * ```
   */
  connectTimeout(v: number): this;
  connectTimeout(): number;
  connectTimeout(v?: number): this | number {
    if (v === undefined) return this._connectTimeout;
    this._connectTimeout = v;
    return this;
  }

  /**
   * Sets or gets the adapter (re-created for every existing namespace).
   * @example
   * ```ts
   * import { createAdapter } from 'socketeer/redis';
   *
   * io.adapter(createAdapter(pubClient, subClient));
   * ```
   */
  adapter(): AdapterConstructor | undefined;
  /**
   * Sets the adapter (re-created for every existing namespace).
   * @param v an adapter class or factory
   */
  adapter(v: AdapterConstructor): this;
  adapter(v?: AdapterConstructor): this | AdapterConstructor | undefined {
    if (v === undefined) return this._adapter;
    this._adapter = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  /**
   * Attaches to an HTTP server, or creates one listening on a port.
   * @param srv the server or port
   * @param opts options, passed to the engine too
   * @returns this
   * @example
   * ```ts
   * const io = new Server();
   * io.listen(3000);   // creates an HTTP server listening on port 3000
   * ```
   */
  listen(srv: TServerInstance | number, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  /**
   * Attaches to an HTTP server, or creates one listening on a port.
   * @param srv the server or port
   * @param opts options, passed to the engine too
   * @returns this
   * @example
   * ```ts
   * import { createServer } from 'node:http';
   *
   * const httpServer = createServer();
   * const io = new Server();
   * io.attach(httpServer);
   * httpServer.listen(3000);
   * ```
   */
  attach(srv: TServerInstance | number, opts: Partial<ServerOptions> = {}): this {
    if (typeof srv === 'function') {
      throw new Error(
        'You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.',
      );
    }
    if (Number(srv) == (srv as unknown as number)) srv = Number(srv);
    if (typeof srv === 'number') {
      debug('creating http server and binding to %d', srv);
      const port = srv;
      srv = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      srv.listen(port);
    }
    Object.assign(opts, this.opts);
    opts.path = opts.path || this._path;
    this.initEngine(srv, opts);
    return this;
  }

  private initEngine(srv: TServerInstance, opts: Partial<ServerOptions>): void {
    debug('creating engine instance');
    const engine = attachEngine(srv as HttpServer, opts);
    if (this._serveClient) this.attachServe(srv);
    this.httpServer = srv;
    this.bind(engine);
  }

  /** Serves the client bundle (`<path>/socket.io.js`…) before the other request listeners. */
  private attachServe(srv: TServerInstance): void {
    debug('attaching client serving req handler');
    const server = srv as HttpServer;
    const evs = server.listeners('request').slice(0) as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    server.removeAllListeners('request');
    const serveOpts = { path: this._path, cors: this.opts.cors };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (serveClientRequest(req, res, serveOpts)) return;
      for (let i = 0; i < evs.length; i++) evs[i]!.call(server, req, res);
    });
  }

  /**
   * Binds to an Engine.IO server: each of its connections becomes a client.
   * @param engine the engine
   * @returns this
   * @example
   * ```ts
   * import { EngineServer } from './my-engine.js';   // an Engine.IO-compatible server
   *
   * const io = new Server();
   * io.bind(new EngineServer());
   * ```
   */
  bind(engine: EngineLike): this {
    this.engine = engine as EngineServer;
    this.engine.on('connection', this.onconnection.bind(this));
    return this;
  }

  /**
   * Called with each new Engine.IO connection.
   * @param conn the connection
   * @returns this
   * @example
   * ```ts
   * // an Engine.IO connection accepted elsewhere, handed to this server
   * engine.on('connection', (conn) => io.onconnection(conn));
   * ```
   */
  onconnection(conn: EngineConnection): this {
    if (debug.enabled) debug('incoming connection with id %s', conn.id);
    const client = new Connection(this, conn);
    // Engine.IO v3 clients connect to the main namespace implicitly
    if (conn.protocol === 3) client.connect('/');
    return this;
  }

  /**
   * Gets (or creates) a namespace. A RegExp or a function creates a dynamic (parent) namespace.
   * @param name the name, a RegExp, or `(name, auth, next) => next(null, accepted)`
   * @param fn optional `connection` listener
   * @returns the namespace
   * @example
   * ```ts
   * const admin = io.of('/admin');
   * admin.on('connection', (socket) => console.log(socket.id));
   *
   * // dynamic namespaces
   * io.of(/^\/team-\d+$/).on('connection', (socket) => {
   *   console.log(socket.nsp.name);   // '/team-42'
   * });
   * ```
   */
  of(
    name: string | RegExp | ParentNspNameMatchFn,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === 'function' || name instanceof RegExp) {
      if (name instanceof RegExp && (name.global || name.sticky)) {
        throw new Error('stateful regular expressions are not supported');
      }
      const parentNsp = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this);
      debug('initializing parent namespace %s', parentNsp.name);
      if (typeof name === 'function') {
        this.parentNsps.set(name, parentNsp);
      } else {
        const regex = name;
        this.parentNsps.set((nsp, _auth, next) => next(null, regex.test(nsp)), parentNsp);
        this.parentNamespacesFromRegExp.set(regex, parentNsp);
      }
      if (fn) parentNsp.on('connect', fn);
      return parentNsp;
    }
    if (String(name)[0] !== '/') name = '/' + name;
    let nsp = this._nsps.get(name);
    if (!nsp) {
      for (const [regex, parentNamespace] of this.parentNamespacesFromRegExp) {
        if (regex.test(name)) {
          debug('attaching namespace %s to parent namespace %s', name, regex);
          return parentNamespace.createChild(name);
        }
      }
      debug('initializing namespace %s', name);
      nsp = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, name);
      this._nsps.set(name, nsp);
      if (name !== '/') this.sockets._emitNewNamespace(nsp);
    }
    if (fn) nsp.on('connect', fn);
    return nsp;
  }

  /**
   * Closes the server: every socket leaves with `server shutting down`, then the adapters, the engine and the
   * HTTP server are closed.
   * @param fn called once closed (with an error if the HTTP server was not running)
   * @example
   * ```ts
   * process.once('SIGTERM', () => {
   *   io.close(() => process.exit(0));   // disconnects every client and closes the HTTP server
   * });
   * ```
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    this._unhandleSignals?.();
    await Promise.allSettled(
      [...this._nsps.values()].map(async (nsp) => {
        for (const socket of nsp.sockets.values()) socket._onclose('server shutting down');
        await nsp.adapter.close();
      }),
    );
    this.engine?.close();
    if (this.httpServer) {
      return new Promise((resolve) => {
        (this.httpServer as HttpServer).close((err) => {
          fn && fn(err);
          if (err) debug('server was not running');
          resolve();
        });
      });
    }
    fn && fn();
  }

  /**
   * Registers a connection middleware of the main namespace.
   * @param fn `(socket, next)`
   * @returns this
   * @example
   * ```ts
   * io.use((socket, next) => {
   *   if (isValid(socket.handshake.auth.token)) return next();
   *   next(new Error('not authorized'));   // the client receives connect_error
   * });
   * ```
   */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  /**
   * Targets a room of the main namespace.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.to('room-101').emit('hello', 'world');             // to every client in room-101
   * io.to(['room-101', 'room-102']).emit('hello');        // in either room (each client once)
   * io.to('room-101').to('room-102').emit('hello');       // same
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  /**
   * Targets a room of the main namespace. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();   // an alias of to()
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  /**
   * Excludes a room of the main namespace.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.except('room-101').emit('hello');                  // every client but those in room-101
   * io.to('room-101').except('room-102').emit('hello');
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  /**
   * Sends a `message` event to every client of the main namespace.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.send('hello');   // a `message` event to every client of the main namespace
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.send(...args);
    return this;
  }

  /**
   * Sends a `message` event. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.write('hello');   // same as io.send()
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.write(...args);
    return this;
  }

  /**
   * Sends an event to the other servers of the cluster.
   * @param ev the event name
   * @param args the arguments, possibly ending with `(err, responses) => {}`
   * @example
   * ```ts
   * io.serverSideEmit('hello', 'world');   // to the other servers of the cluster, not to clients
   *
   * io.on('hello', (arg) => console.log(arg));   // on the other servers: 'world'
   * ```
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  /**
   * Sends an event to the other servers and waits for their acknowledgements.
   * @param ev the event name
   * @param args the arguments
   * @returns one response per other server
   * @example
   * ```ts
   * const responses = await io.serverSideEmitWithAck('ping');   // one response per other server
   *
   * io.on('ping', (cb) => cb('pong'));   // on each other server
   * ```
   */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  /**
   * Gets the ids of the sockets of the main namespace.
   * @deprecated use {@link fetchSockets}
   * @example
   * ```ts
   * const ids = await io.allSockets();              // the ids of every socket of the main namespace
   * const inRoom = await io.in('room-101').allSockets();
   * ```
   */
  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  /**
   * Sets the compress flag.
   * @param compress whether the transport may compress
   * @example
   * ```ts
   * io.compress(false).emit('hello', largeText);   // not compressed (permessage-deflate / HTTP compression)
   * ```
   */
  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  /** The next emit may be dropped for clients not ready to receive it. */
  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  /** Only the sockets of this server. */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit.
   * @param timeout in ms
   * @example
   * ```ts
   * io.timeout(5000).emit('are-you-there', (err, responses) => {
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
    return this.sockets.timeout(timeout);
  }

  /**
   * @returns the sockets of the main namespace (across servers with a distributed adapter)
   * @example
   * ```ts
   * const sockets = await io.fetchSockets();   // on every server of the cluster
   * for (const socket of sockets) {
   *   console.log(socket.id, socket.handshake, socket.rooms, socket.data);
   *   socket.emit('hello');
   * }
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  /**
   * Makes the sockets join rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.socketsJoin('room1');                      // every socket joins room1
   * io.in('room1').socketsJoin(['room2', 'room3']);
   * io.in(theSocketId).socketsJoin('room1');      // one socket, on whichever server
   * ```
   */
  socketsJoin(room: Room | Room[]): void {
    return this.sockets.socketsJoin(room);
  }

  /**
   * Makes the sockets leave rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.socketsLeave('room1');
   * io.in('room1').socketsLeave(['room2', 'room3']);
   * ```
   */
  socketsLeave(room: Room | Room[]): void {
    return this.sockets.socketsLeave(room);
  }

  /**
   * Disconnects the sockets.
   * @param close whether to close the underlying connections too
   * @example
   * ```ts
   * io.disconnectSockets();                       // every socket of the main namespace
   * io.in('room1').disconnectSockets(true);       // and close their underlying connections
   * ```
   */
  disconnectSockets(close = false): void {
    return this.sockets.disconnectSockets(close);
  }
}

// the EventEmitter methods of the server act on the main namespace: io.on('connection'), io.emit('news')…
const emitterMethods = Object.keys(EventEmitter.prototype).filter(
  (key) => typeof (EventEmitter.prototype as unknown as Record<string, unknown>)[key] === 'function',
);
for (const fn of emitterMethods) {
  (Server.prototype as unknown as Record<string, unknown>)[fn] = function (this: Server, ...args: unknown[]) {
    const nsp = this.sockets as unknown as Record<string, (...a: unknown[]) => unknown>;
    return nsp[fn]!.apply(this.sockets, args);
  };
}
