/**
 * The Engine.IO server: routes HTTP requests and upgrades under a path, checks them, opens
 * sessions and hands later requests to their transport.
 *
 * (Example: {@link EngineServer}.)
 *
 * Must never import a transport class directly (the registry creates them) nor anything of the Socket.IO layer
 * (`src/server/`).
 */
import { EventEmitter } from 'node:events';
import { ConnectionLimiter, type AllowRequest } from './limits.js';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import cors from 'cors';
import { createLogger } from '../util/logger.js';
import { runChain } from '../util/middleware.js';
import { EngineCodecs, engineCodecFor, type EngineCodec } from '../protocol/engine-codec.js';
import { Admission } from './admission.js';
import { attachToHttpServer, type AttachOptions } from './attach.js';
import { prepareRequest, UpgradeResponse, type HeaderBag } from './http.js';
import { generateSessionId } from './session-id.js';
import { serializeCookie } from './cookie.js';
import {
  abortRequest,
  abortUpgrade,
  refuseDraining,
  refuseDrainingUpgrade,
  EngineErrorMessages,
  EngineErrors,
  type EngineErrorCode,
  type EngineErrorContext,
} from './errors.js';
import {
  resolveEngineOptions,
  type EngineOptions,
  type ResolvedEngineOptions,
  type TransportName,
  type UnknownSidHandler,
} from './options.js';
import { EngineSocket } from './socket.js';
import { transportEntry, type EngineRequest, type Transport } from './transports/index.js';

// Debug output never shows credentials (auth payloads, token-like query parameters, cookies).
const log = createLogger('socketeer:engine');

export type { AttachOptions };
export type { EngineConnectionError, EngineMiddleware, EngineServerEvents } from './events.js';
import type { EngineConnectionError, EngineMiddleware, EngineServerEvents } from './events.js';

/** Swallows errors of a WebSocket that is refused or not yet owned by a transport. */
function onUpgradeError(): void {}

/** Releases the cork of an upgraded connection (see `handleUpgrade`). */
function uncorkSocket(socket: Duplex): void {
  socket.uncork();
}

// typed overloads for the known events
export interface EngineServer {
  on<E extends keyof EngineServerEvents>(event: E, listener: EngineServerEvents[E]): this;
  on(event: string | symbol, listener: (...args: never[]) => void): this;
  once<E extends keyof EngineServerEvents>(event: E, listener: EngineServerEvents[E]): this;
  once(event: string | symbol, listener: (...args: never[]) => void): this;
}

/**
 * The Engine.IO server. Events: `connection`(socket), `connection_error`(error),
 * `initial_headers`(headers, req), `headers`(headers, req), `flush`, `drain`.
 * @example
 * ```ts
 * const engine = new EngineServer({ pingInterval: 10000, maxConnectionsPerAddress: 20 });
 * engine.attach(httpServer, { path: '/engine.io' });
 * engine.on('connection', (socket) => socket.send('hello'));
 * ```
 */
export class EngineServer extends EventEmitter {
  /** resolved options */
  readonly opts: ResolvedEngineOptions;
  /** open sessions by id */
  readonly clients = new Map<string, EngineSocket>();
  /** Error codes (0–5). */
  static readonly errors = EngineErrors;
  /** Default message of each error code. */
  static readonly errorMessages = EngineErrorMessages;

  /**
   * True while the server drains (graceful shutdown): new handshakes are answered `503 Service Unavailable`
   * (upgrades too); requests of open sessions are still served.
   */
  draining = false;

  private readonly middlewares: EngineMiddleware[] = [];
  /** request checks, admission checks and unknown-session handlers */
  private readonly admission: Admission;
  private ws: WebSocketServer | null = null;
  private readonly upgradeHeaders = new WeakMap<IncomingMessage, HeaderBag>();

  /**
   * @param opts server options (defaults: those of the reference server)
   */
  constructor(opts: EngineOptions = {}) {
    super();
    this.opts = resolveEngineOptions(opts);
    if (this.opts.cors) this.use(cors(this.opts.cors) as unknown as EngineMiddleware);
    this.admission = new Admission(this);
    if (this.opts.maxConnectionsPerAddress !== undefined) {
      this.connectionLimiter = new ConnectionLimiter({ maxPerAddress: this.opts.maxConnectionsPerAddress });
      // after the `allowRequest` option, before checks added later
      this.addAdmissionCheck(this.connectionLimiter.allowRequest);
      this.connectionLimiter.attach(this);
    }
    this.init();
  }

  /** The per-address session cap, when `maxConnectionsPerAddress` is set (its counters feed dashboards). */
  readonly connectionLimiter: ConnectionLimiter | undefined;

  /**
   * Number of open sessions.
   * @example
   * ```ts
   * metrics.gauge('sessions', engine.clientsCount);
   * ```
   */
  get clientsCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a middleware, run before the checks of every request (HTTP and upgrade).
   * @param fn the middleware
   * @example
   * ```ts
   * engine.use((req, res, next) => (req.headers['x-blocked'] ? next(new Error('blocked')) : next()));
   * ```
   */
  use(fn: EngineMiddleware): void {
    this.middlewares.push(fn);
  }

  /**
   * Adds a handler of polling requests whose `sid` is not a session of this engine. Handlers are tried after
   * the `unknownSid` option, in registration order, before anything else is done with the request (body,
   * CORS, middlewares, checks); the first that returns `true` took the request over. When none does, the
   * engine answers as usual (`Session ID unknown`, code 1).
   * @param handler the handler
   * @returns a function removing the handler
   * @example
   * ```ts
   * const remove = engine.addUnknownSidHandler((req, res, sid) => {
   *   if (!owners.has(sid)) return false;
   *   forward(owners.get(sid), req, res);
   *   return true;
   * });
   * // later
   * remove();
   * ```
   */
  addUnknownSidHandler(handler: UnknownSidHandler): () => void {
    return this.admission.addUnknownSidHandler(handler);
  }

  /**
   * Adds a handshake check. Every check must accept a handshake: the `allowRequest` option runs first, then
   * the per-address limit (`maxConnectionsPerAddress`), then the checks added here in order; the first
   * refusal answers 403 with its message.
   * @param check an `allowRequest`-style check
   * @returns a function removing the check
   * @example
   * ```ts
   * const remove = engine.addAdmissionCheck((req, fn) => {
   *   if (req.headers['x-api-key'] === key) fn(null, true);
   *   else fn('bad key', false);
   * });
   * ```
   */
  addAdmissionCheck(check: AllowRequest): () => void {
    return this.admission.addAdmissionCheck(check);
  }

  /** Whether an enabled transport is created from HTTP upgrades (the WebSocket server is needed). */
  private get servesUpgrades(): boolean {
    return this.opts.transports.some((name) => transportEntry(name)?.via === 'upgrade');
  }

  /** (Re)creates the WebSocket server. */
  private init(): void {
    if (!this.servesUpgrades) return;
    if (this.ws) this.ws.close();
    const Engine = (this.opts.wsEngine ?? WebSocketServer) as typeof WebSocketServer;
    this.ws = new Engine({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: this.opts.perMessageDeflate,
      maxPayload: this.opts.maxHttpBufferSize,
    });
    if (typeof this.ws.on === 'function') {
      this.ws.on('headers', (headersArray: string[], req: IncomingMessage) => {
        const extra = this.upgradeHeaders.get(req) ?? {};
        this.upgradeHeaders.delete(req);
        if (!(req as EngineRequest)._query.sid) this.emit('initial_headers', extra, req);
        this.emit('headers', extra, req);
        for (const key of Object.keys(extra)) headersArray.push(`${key}: ${extra[key]}`);
      });
    }
  }

  /**
   * Generates a session id: 15 random bytes as base64url (20 characters). Overridable; may
   * return a promise.
   * @param _req the handshake request
   * @example
   * ```ts
   * engine.generateId = () => crypto.randomUUID();
   * ```
   */
  generateId(_req: IncomingMessage): string | Promise<string> {
    return generateSessionId();
  }

  /**
   * Closes every session and the WebSocket server.
   * @returns this
   * @example
   * ```ts
   * engine.close(); // every session closes, then the WebSocket server
   * ```
   */
  close(): this {
    for (const socket of [...this.clients.values()]) socket.close(true);
    if (this.ws) this.ws.close();
    return this;
  }

  /**
   * Runs the middlewares in turn (the shared chain runner: a second `next()` is ignored, a throw or rejection
   * before `next` fails the chain).
   */
  private applyMiddlewares(req: IncomingMessage, res: ServerResponse, callback: (err?: unknown) => void): void {
    runChain(this.middlewares, [req, res], callback);
  }

  private connectionError(req: IncomingMessage, code: EngineErrorCode, context?: EngineErrorContext): void {
    if (this.listenerCount('connection_error') === 0) return;
    this.emit('connection_error', { req, code, message: EngineErrorMessages[code], context });
  }

  /**
   * Handles an HTTP request under the engine's path.
   * @param req the request
   * @param res its response
   * @example
   * ```ts
   * http.on('request', (req, res) => (req.url!.startsWith('/rt/') ? engine.handleRequest(req, res) : app(req, res)));
   * ```
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      if (log.enabled) log('handling %s http request %s', req.method, req.url);
      const ereq = prepareRequest(req);
      if (this.draining && !ereq._query.sid) {
        refuseDraining(res);
        return;
      }
      if (this.admission.takeUnknownSid(ereq, res)) return;
      const callback = (code?: EngineErrorCode, context?: EngineErrorContext): void => {
        try {
          if (code !== undefined) {
            this.connectionError(ereq, code, context);
            abortRequest(res, code, context);
            return;
          }
          const sid = ereq._query.sid;
          if (sid) {
            const client = this.clients.get(sid);
            if (!client) {
              abortRequest(res, EngineErrors.UNKNOWN_SID, { sid });
              return;
            }
            client.transport.onRequest(ereq, res);
          } else {
            this.handshake(ereq._query.transport as TransportName, ereq, res, (c, ctx) => abortRequest(res, c, ctx));
          }
        } catch (err) {
          this.internalError(res, err);
        }
      };
      this.applyMiddlewares(ereq, res, (err) => {
        if (err) callback(EngineErrors.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
        else this.admission.verify(ereq, false, callback);
      });
    } catch (err) {
      this.internalError(res, err);
    }
  }

  private internalError(res: ServerResponse, err: unknown): void {
    if (log.enabled) log('error while handling a request: %s', (err as Error)?.message);
    try {
      if (!res.headersSent) res.writeHead(500);
      if (!res.writableEnded) res.end();
    } catch {
      res.destroy();
    }
  }

  /**
   * Handles an upgrade request under the engine's path.
   * @param req the request
   * @param socket the raw connection
   * @param head the first bytes after the headers
   * @example
   * ```ts
   * http.on('upgrade', (req, socket, head) => engine.handleUpgrade(req, socket, head));
   * ```
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const ereq = prepareRequest(req);
      if (this.draining && !ereq._query.sid) {
        refuseDrainingUpgrade(socket);
        return;
      }
      const res = new UpgradeResponse(socket);
      this.upgradeHeaders.set(req, res.headers);
      const callback = (code?: EngineErrorCode, context?: EngineErrorContext): void => {
        res.release();
        try {
          if (code !== undefined) {
            this.connectionError(ereq, code, context);
            abortUpgrade(socket, code, context);
            return;
          }
          if (!this.ws) {
            abortUpgrade(socket, EngineErrors.BAD_REQUEST);
            return;
          }
          const headCopy = Buffer.from(head);
          // corked until the frames of this tick are written (see `cork.ts`): the 101 response and the open
          // packet of a new session leave in one write
          socket.cork();
          this.ws.handleUpgrade(ereq, socket, headCopy, (websocket) => {
            try {
              this.onWebSocket(ereq, socket, websocket);
            } catch (err) {
              if (log.enabled) log('error while opening a websocket: %s', (err as Error)?.message);
              websocket.terminate();
            }
          });
          // queued after the tick batcher's end of tick, which the open packet scheduled
          process.nextTick(uncorkSocket, socket);
        } catch (err) {
          if (log.enabled) log('error while handling an upgrade: %s', (err as Error)?.message);
          socket.destroy();
        }
      };
      this.applyMiddlewares(ereq, res as unknown as ServerResponse, (err) => {
        if (err) callback(EngineErrors.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
        else this.admission.verify(ereq, true, callback);
      });
    } catch (err) {
      if (log.enabled) log('error while handling an upgrade: %s', (err as Error)?.message);
      socket.destroy();
    }
  }

  private onWebSocket(req: EngineRequest, socket: Duplex, websocket: WebSocket): void {
    websocket.on('error', onUpgradeError);
    const name = req._query.transport as TransportName;
    if (transportEntry(name)?.via !== 'upgrade') {
      // request transports (polling) do not handle upgraded requests
      websocket.close();
      return;
    }
    const id = req._query.sid;
    req.websocket = websocket;
    if (id) {
      const client = this.clients.get(id);
      if (!client || client.upgrading || client.upgraded) {
        if (log.enabled) log('refusing websocket for %s', id);
        delete req.websocket;
        websocket.close();
        return;
      }
      websocket.removeListener('error', onUpgradeError);
      const transport = this.createTransport(name, req);
      delete req.websocket;
      client.maybeUpgrade(transport);
    } else {
      this.handshake(name, req, undefined, (c, ctx) => abortUpgrade(socket, c, ctx));
    }
  }

  private createTransport(name: TransportName, req: EngineRequest): Transport {
    return transportEntry(name)!.create(req, this.opts);
  }

  /**
   * Opens a session.
   * @param transportName transport of the handshake
   * @param req the handshake request
   * @param res the response (polling)
   * @param closeConnection answers a refused handshake
   */
  private handshake(
    transportName: TransportName,
    req: EngineRequest,
    res: ServerResponse | undefined,
    closeConnection: (code: EngineErrorCode, context?: EngineErrorContext) => void,
  ): void {
    const codec = engineCodecFor(req._query.EIO);
    if (codec === EngineCodecs.v3 && !this.opts.allowEIO3) {
      this.connectionError(req, EngineErrors.UNSUPPORTED_PROTOCOL_VERSION, { protocol: codec.protocol });
      closeConnection(EngineErrors.UNSUPPORTED_PROTOCOL_VERSION);
      return;
    }
    const onIdError = (e: unknown): void => {
      this.connectionError(req, EngineErrors.BAD_REQUEST, { name: 'ID_GENERATION_ERROR', error: e });
      closeConnection(EngineErrors.BAD_REQUEST);
    };
    let id: string | Promise<string>;
    try {
      id = this.generateId(req);
    } catch (e) {
      onIdError(e);
      return;
    }
    if (typeof id === 'string') {
      this.openSession(id, codec, transportName, req, res, closeConnection);
      return;
    }
    Promise.resolve(id).then(
      (value) => {
        try {
          this.openSession(value, codec, transportName, req, res, closeConnection);
        } catch (err) {
          if (log.enabled) log('error while opening a session: %s', (err as Error)?.message);
          closeConnection(EngineErrors.BAD_REQUEST);
        }
      },
      onIdError,
    );
  }

  private openSession(
    id: string,
    codec: EngineCodec,
    transportName: TransportName,
    req: EngineRequest,
    res: ServerResponse | undefined,
    closeConnection: (code: EngineErrorCode, context?: EngineErrorContext) => void,
  ): void {
    if (log.enabled) log('handshaking client %s', id);
    let transport: Transport;
    try {
      transport = this.createTransport(transportName, req);
    } catch (e) {
      this.connectionError(req, EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_HANDSHAKE_ERROR', error: e });
      closeConnection(EngineErrors.BAD_REQUEST);
      return;
    }
    delete req.websocket;
    const socket = new EngineSocket(id, this, transport, req, codec);
    if (res) {
      // the headers of polling responses (an upgraded connection's go with the 101: see init())
      const cookie = this.opts.cookie;
      transport.on('headers', (headers: HeaderBag, r: EngineRequest) => {
        if (!r._query.sid) {
          if (cookie) headers['Set-Cookie'] = [serializeCookie(cookie.name, id, cookie)];
          this.emit('initial_headers', headers, r);
        }
        this.emit('headers', headers, r);
      });
      transport.onRequest(req, res);
    }
    // the session leaves `clients` itself as it closes
    this.clients.set(id, socket);
    try {
      this.emit('connection', socket);
    } catch (err) {
      // an application listener of the engine's `connection` event threw: the session goes on
      if (log.enabled) log('a connection listener threw: %s', err instanceof Error ? err.stack || err.message : String(err));
    }
    socket.keepSlimRequest();
  }

  /**
   * Serves the engine on an HTTP server: requests under `path + '/'` are handled, others go
   * to the server's previous `request` listeners; upgrades elsewhere are destroyed after
   * `destroyUpgradeTimeout` unless `destroyUpgrade` is false.
   * @param server the HTTP server
   * @param options path and upgrade handling
   * @example
   * ```ts
   * engine.attach(httpServer, { path: '/socket.io', destroyUpgrade: false });
   * ```
   */
  attach(server: HttpServer, options: AttachOptions = {}): void {
    attachToHttpServer(server, options, {
      addTrailingSlash: this.opts.addTrailingSlash,
      servesUpgrades: this.servesUpgrades,
      handleRequest: (req, res) => this.handleRequest(req, res),
      handleUpgrade: (req, socket, head) => this.handleUpgrade(req, socket, head),
      onListening: () => this.init(),
      onClose: () => this.close(),
    });
  }
}
