/**
 * The Socket.IO server: attaches an Engine.IO server to an HTTP server, turns each Engine.IO connection into a
 * {@link Connection} and holds the namespaces. EventEmitter methods (`on`, `emit`…) act on the main namespace.
 *
 * Owns: the options, the engine and HTTP server it is bound to, the namespace registry, the error reporter. It
 * implements `ConnectionHost` for its connections; the main namespace shortcuts (`io.to()`, `io.fetchSockets()`…)
 * are in `server-main-namespace.ts`, the options in `server-options.ts`, shutting down in `shutdown.ts`. Must never
 * call a connection or a socket but through their public members.
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
import { createLogger } from '../util/logger.js';
import { DEFAULT_MAX_NESTING_DEPTH, encodeSocketPacket, type DecoderOptions } from '../protocol/index.js';
import type { AdapterConstructor, PacketEncoder } from './adapter.js';
import { MemoryAdapter } from './adapters/memory.js';
import { Connection, type ConnectionHost } from './connection.js';
import { HandlerErrors, type HandlerErrorListener } from './handler-errors.js';
import { attachEngine, type EngineConnection, type EngineLike } from './engine.js';
import { Namespace } from './namespace.js';
import { NamespaceRegistry } from './namespace-registry.js';
import { ParentNamespace } from './parent-namespace.js';
import { ProbeSlot } from './probe.js';
import { serveClientRequest } from './serve-client.js';
import { MainNamespaceShortcuts } from './server-main-namespace.js';
import type { CustomParser, ParentNspNameMatchFn, ServerOptions, TServerInstance } from './server-options.js';
import { closeServer, handleSignals, shutdownServer, type ShutdownOptions } from './shutdown.js';
import type { Socket } from './socket.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

export type { CustomDecoder, CustomParser, ParentNspNameMatchFn, ServerOptions, TServerInstance } from './server-options.js';

const debug = createLogger('socketeer:server');

/**
 * A Socket.IO server.
 * @example
 * ```ts
 * const io = new Server(httpServer, { connectionStateRecovery: {} });
 * io.on('connection', (socket) => socket.emit('hello'));
 * ```
 */
export class Server<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = ListenEvents,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = any,
  >
  extends MainNamespaceShortcuts<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  implements ConnectionHost<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
{
  /** The main namespace (`/`). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The Engine.IO server (set by `attach`/`listen`/`bind`): Socketeer's, or any satisfying {@link EngineLike}. */
  engine!: EngineLike;
  /** The HTTP server (set by `attach`/`listen`). */
  httpServer!: TServerInstance;
  /** The packet encoder shared by the adapters. */
  readonly encoder: PacketEncoder;
  /** The custom parser (`parser` option), if any. */
  readonly parser: CustomParser | undefined;
  /** The options of the decoder of each connection (`maxNestingDepth`). */
  readonly decoderOptions: DecoderOptions;
  /** The namespaces (static, and children of dynamic ones). */
  readonly namespaces: NamespaceRegistry<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  private _adapter?: AdapterConstructor;
  private _serveClient = true;
  /** The options. */
  readonly opts: Partial<ServerOptions>;
  private _path = '/socket.io';
  private connectTimeoutMs = 45000;
  /** Where errors of application code are reported: `onError` adds listeners; namespaces and sockets report. */
  readonly errors: HandlerErrors;
  /** The instrumentation slot (`socketeer/metrics` attaches here); empty unless metrics are on. */
  readonly probes: ProbeSlot = new ProbeSlot();

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
    this.parser = opts.parser;
    const depth = opts.maxNestingDepth ?? DEFAULT_MAX_NESTING_DEPTH;
    if (!(depth >= 1) || (depth !== Infinity && !Number.isInteger(depth))) {
      throw new TypeError(`maxNestingDepth must be a positive integer or Infinity, got ${String(opts.maxNestingDepth)}`);
    }
    this.decoderOptions = { maxNestingDepth: depth };
    this.encoder = opts.parser ? new opts.parser.Encoder() : { encode: encodeSocketPacket };
    this.opts = opts;
    if (opts.connectionStateRecovery) {
      opts.connectionStateRecovery = {
        maxDisconnectionDuration: 2 * 60 * 1000,
        skipMiddlewares: true,
        ...opts.connectionStateRecovery,
      };
    }
    this.errors = new HandlerErrors(!!opts.crashOnError);
    this.namespaces = new NamespaceRegistry(this.errors, (nsp) => this.sockets.notifyNewNamespace(nsp));
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
   * @example
   * ```ts
   * app.get('/health', (req, res) => res.sendStatus(io.draining ? 503 : 200));
   * ```
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
   * @example
   * ```ts
   * process.once('SIGTERM', async () => {
   *   await io.shutdown({ timeout: 10_000 });
   *   process.exit(0);
   * });
   * ```
   */
  shutdown(opts?: ShutdownOptions): Promise<void> {
    if (!this._shutdown) {
      this._unhandleSignals?.();
      this._shutdown = shutdownServer(this, opts);
    }
    return this._shutdown;
  }

  /**
   * The options. socket.io compatibility; Socketeer's own code uses {@link opts}.
   * @example
   * ```ts
   * io._opts.connectionStateRecovery;   // same as io.opts.connectionStateRecovery
   * ```
   */
  get _opts(): Partial<ServerOptions> {
    return this.opts;
  }

  /**
   * The namespaces, by name. socket.io compatibility; Socketeer's own code uses {@link namespaces}.
   * @example
   * ```ts
   * io._nsps.has('/admin');
   * ```
   */
  get _nsps(): Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.namespaces.byName;
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
   * @param listener `(err, { kind, nsp, socket?, event? })`
   * @returns a function removing the listener
   * @example
   * ```ts
   * const off = io.onError((err, { kind, nsp, socket, event }) => log.error(err, kind, nsp, socket?.id, event));
   * off(); // removes the listener
   * ```
   */
  onError(listener: HandlerErrorListener): () => void {
    return this.errors.add(listener);
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
    if (v === undefined) return this.connectTimeoutMs;
    this.connectTimeoutMs = v;
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
    for (const nsp of this.namespaces.values()) nsp.initAdapter();
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
    this.engine = engine;
    this.engine.on('connection', this.onconnection.bind(this));
    // the slow-client policy of the engine (if it has one): the sockets are told why before the connection closes
    this.engine.on('slowClient', Connection.onSlowClient);
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
    // the connection routes the packets of its sockets from now on (and joins `/` itself for a v2 client)
    new Connection(this, conn);
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
      this.namespaces.addParent(name, parentNsp);
      if (fn) parentNsp.on('connect', fn);
      return parentNsp;
    }
    if (String(name)[0] !== '/') name = '/' + name;
    let nsp = this.namespaces.get(name);
    if (!nsp) {
      const parent = this.namespaces.parentMatching(name);
      if (parent !== undefined) return parent.createChild(name);
      debug('initializing namespace %s', name);
      nsp = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, name);
      this.namespaces.register(nsp);
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
    return closeServer(this, fn);
  }

  /**
   * Finds the namespace a CONNECT asks for (the connection calls it): an existing one, or one a dynamic namespace
   * creates; `false` when none accepts the name.
   * @param name the namespace name
   * @param auth the CONNECT payload
   * @param fn called with the namespace, or false
   * @example
   * ```ts
   * io.resolveNamespace('/team-42', {}, (nsp) => console.log(nsp ? nsp.name : 'Invalid namespace'));
   * ```
   */
  resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void {
    if (this.namespaces.has(name)) return fn(this.of(name));
    this.namespaces.matchDynamic(name, auth, (dynamicNsp) => fn(dynamicNsp ? this.of(name) : false));
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
