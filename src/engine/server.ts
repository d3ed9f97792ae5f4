/**
 * The Engine.IO server: routes HTTP requests and upgrades under a path, checks them, opens
 * sessions and hands later requests to their transport.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { EngineServer } from './server.js';
 *
 * const http = createServer();
 * const engine = new EngineServer({ pingInterval: 10000 });
 * engine.attach(http, { path: '/engine.io' });
 * engine.on('connection', (socket) => socket.send('hello'));
 * http.listen(3000);
 * ```
 */
import { EventEmitter } from 'node:events';
import { checkOrigin, type OriginCheckOptions } from './origin.js';
import { ConnectionLimiter, type AllowRequest } from './limits.js';
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import cors from 'cors';
import { createLogger } from '../util/logger.js';
import { runChain } from '../util/middleware.js';
import { EngineCodecs, engineCodecFor, type EngineCodec } from '../protocol/engine-codec.js';
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

/** Payload of the `connection_error` event. */
export interface EngineConnectionError {
  req: IncomingMessage;
  code: EngineErrorCode;
  message: string;
  context: EngineErrorContext | undefined;
}

/** Options of `EngineServer.attach` (`io.attach(httpServer, opts)` passes them on). */
export interface AttachOptions {
  /** path to serve (default `/engine.io`) */
  path?: string;
  /** destroy upgrade requests outside `path` (default true) */
  destroyUpgrade?: boolean;
  /** ms before such an upgrade is destroyed (default 1000) */
  destroyUpgradeTimeout?: number;
  /** serve `path + '/'` (default: the server option, true) */
  addTrailingSlash?: boolean;
}

/** An Express-style middleware run before the checks of every request. */
export type EngineMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Headers a `headers` listener may change on an upgrade response. */
type HeaderBag = Record<string, string | number | string[]>;

/** Collects headers set by middlewares on an upgrade request (sent with the 101). */
class UpgradeResponse extends EventEmitter {
  readonly headers: HeaderBag = {};
  headersSent = false;
  writableEnded = false;

  constructor(private readonly socket: Duplex) {
    super();
    // middlewares may watch the response's 'close'
    socket.once('close', () => this.emit('close'));
  }
  /** Stores a header for the 101 response. */
  setHeader(name: string, value: string | number | string[]): this {
    this.headers[name] = value;
    return this;
  }
  /** Reads a stored header. */
  getHeader(name: string): string | number | string[] | undefined {
    return this.headers[name];
  }
  /** Drops a stored header. */
  removeHeader(name: string): void {
    delete this.headers[name];
  }
  /** Bodies are not sent on an upgrade. */
  write(): boolean {
    return true;
  }
  /** The status line is written by `ws`. */
  writeHead(): this {
    return this;
  }
  /** A middleware that ends the response refuses the upgrade: the connection is destroyed. */
  end(): this {
    this.writableEnded = true;
    this.emit('finish');
    this.socket.destroy();
    return this;
  }
}

/** A character outside HTAB, SP, VCHAR and obs-text. */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * True if a header value contains a character outside field-vchar/SP/HTAB.
 * @param value the header value
 */
function hasInvalidHeaderChar(value: string | undefined): boolean {
  return value !== undefined && INVALID_HEADER_CHAR.test(value);
}

/**
 * Parses the query string of a request URL into a plain object (last value wins).
 * @param url the request URL
 */
function parseQuery(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  const q = url.indexOf('?');
  if (q === -1) return query;
  for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
    if (key === '__proto__') Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
    else query[key] = value;
  }
  return query;
}

/** Random bytes for session ids, refilled in bulk (15 bytes per id). */
const ID_POOL = Buffer.allocUnsafe(15 * 128);
let idPoolOffset = ID_POOL.length;

/**
 * Appends an item to a list.
 * @returns a function removing that item (once)
 */
function addRemovable<T>(list: T[], item: T): () => void {
  list.push(item);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const i = list.indexOf(item);
    if (i !== -1) list.splice(i, 1);
  };
}

/** Swallows errors of a WebSocket that is refused or not yet owned by a transport. */
function onUpgradeError(): void {}

/** Listener signatures of {@link EngineServer} events. */
export interface EngineServerEvents {
  connection: (socket: EngineSocket) => void;
  connection_error: (err: EngineConnectionError) => void;
  initial_headers: (headers: HeaderBag, req: IncomingMessage) => void;
  headers: (headers: HeaderBag, req: IncomingMessage) => void;
}

// typed overloads for the known events
export interface EngineServer {
  on<E extends keyof EngineServerEvents>(event: E, listener: EngineServerEvents[E]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once<E extends keyof EngineServerEvents>(event: E, listener: EngineServerEvents[E]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * The Engine.IO server. Events: `connection`(socket), `connection_error`(error),
 * `initial_headers`(headers, req), `headers`(headers, req), `flush`, `drain`.
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
  /** handlers of polling requests for unknown sessions, after the `unknownSid` option */
  private readonly unknownSidHandlers: UnknownSidHandler[] = [];
  /** handshake checks, after the `allowRequest` option */
  private readonly admissionChecks: AllowRequest[] = [];
  private ws: WebSocketServer | null = null;
  private readonly upgradeHeaders = new WeakMap<IncomingMessage, HeaderBag>();

  /**
   * @param opts server options (defaults: those of the reference server)
   */
  constructor(opts: EngineOptions = {}) {
    super();
    this.opts = resolveEngineOptions(opts);
    if (this.opts.cors) this.use(cors(this.opts.cors) as unknown as EngineMiddleware);
    const allowedOrigins = this.opts.allowedOrigins;
    this.originOptions =
      allowedOrigins === '*' || allowedOrigins === true
        ? null
        : { allowedOrigins, cors: this.opts.cors, trustProxy: this.opts.trustProxy };
    if (this.opts.maxConnectionsPerAddress !== undefined) {
      this.connectionLimiter = new ConnectionLimiter({ maxPerAddress: this.opts.maxConnectionsPerAddress });
      // after the `allowRequest` option, before checks added later
      this.addAdmissionCheck(this.connectionLimiter.allowRequest);
      this.connectionLimiter.attach(this);
    }
    this.init();
  }

  /** Origin check settings; null when every origin is accepted (`allowedOrigins: '*'`). */
  private readonly originOptions: OriginCheckOptions | null;
  /** The per-address session cap, when `maxConnectionsPerAddress` is set (its counters feed dashboards). */
  readonly connectionLimiter: ConnectionLimiter | undefined;

  /** Number of open sessions. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a middleware, run before the checks of every request (HTTP and upgrade).
   * @param fn the middleware
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
    return addRemovable(this.unknownSidHandlers, handler);
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
    return addRemovable(this.admissionChecks, check);
  }

  /**
   * Offers a polling request of an unknown session to the `unknownSid` option, then to the added handlers.
   * @returns true when one took it over
   */
  private offerUnknownSid(req: EngineRequest, res: ServerResponse, sid: string): boolean {
    const first = this.opts.unknownSid;
    if (first !== undefined && first(req, res, sid)) return true;
    const handlers = this.unknownSidHandlers;
    if (handlers.length === 0) return false;
    for (const handler of handlers.slice(0)) if (handler(req, res, sid)) return true;
    return false;
  }

  /**
   * Runs the `allowRequest` option then the added checks in turn; calls back once, with a 403 on the first
   * refusal (or throw).
   */
  private admit(req: EngineRequest, fn: (code?: EngineErrorCode, context?: EngineErrorContext) => void): void {
    const first = this.opts.allowRequest;
    const checks = first === undefined ? this.admissionChecks.slice(0) : [first, ...this.admissionChecks];
    const n = checks.length;
    if (n === 0) return fn();
    const step = (i: number): void => {
      let called = false;
      try {
        checks[i]!(req, (message, success) => {
          if (called) return;
          called = true;
          if (!success) fn(EngineErrors.FORBIDDEN, { message });
          else if (i + 1 === n) fn();
          else step(i + 1);
        });
      } catch (err) {
        if (!called) {
          called = true;
          fn(EngineErrors.FORBIDDEN, { message: null, error: err });
        }
      }
    };
    step(0);
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
   */
  generateId(_req: IncomingMessage): string | Promise<string> {
    if (idPoolOffset === ID_POOL.length) {
      randomFillSync(ID_POOL);
      idPoolOffset = 0;
    }
    const id = ID_POOL.toString('base64url', idPoolOffset, idPoolOffset + 15);
    idPoolOffset += 15;
    return id;
  }

  /**
   * Closes every session and the WebSocket server.
   * @returns this
   */
  close(): this {
    for (const socket of [...this.clients.values()]) socket.close(true);
    if (this.ws) this.ws.close();
    return this;
  }

  private prepare(req: IncomingMessage): EngineRequest {
    const r = req as EngineRequest;
    if (!r._query) r._query = parseQuery(req.url ?? '');
    return r;
  }

  /**
   * Runs the middlewares in turn (the shared chain runner: a second `next()` is ignored, a throw or rejection
   * before `next` fails the chain).
   */
  private applyMiddlewares(req: IncomingMessage, res: ServerResponse, callback: (err?: unknown) => void): void {
    runChain(this.middlewares, [req, res], callback);
  }

  /**
   * Checks a request (in the reference server's order) and calls back with an error code or nothing.
   * @param req the request
   * @param upgrade whether it is an upgrade request
   * @param fn callback
   */
  private verify(
    req: EngineRequest,
    upgrade: boolean,
    fn: (code?: EngineErrorCode, context?: EngineErrorContext) => void,
  ): void {
    const transport = req._query.transport;
    const entry = transportEntry(transport);
    if (entry === undefined || !this.opts.transports.includes(transport as TransportName)) {
      return fn(EngineErrors.UNKNOWN_TRANSPORT, { transport });
    }
    const origin = req.headers.origin;
    if (hasInvalidHeaderChar(origin)) {
      delete req.headers.origin;
      return fn(EngineErrors.BAD_REQUEST, { name: 'INVALID_ORIGIN', origin });
    }
    if (origin !== undefined && this.originOptions !== null) {
      const refusal = checkOrigin(req, this.originOptions);
      if (refusal !== true) return fn(EngineErrors.FORBIDDEN, { name: 'ORIGIN_NOT_ALLOWED', message: refusal, origin });
    }
    const sid = req._query.sid;
    if (sid) {
      const client = this.clients.get(sid);
      if (!client) return fn(EngineErrors.UNKNOWN_SID, { sid });
      const previousTransport = client.transport.name;
      if (!upgrade && previousTransport !== transport) {
        return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport, previousTransport });
      }
      const codec = engineCodecFor(req._query.EIO);
      if (client.codec !== codec) {
        return fn(EngineErrors.BAD_REQUEST, {
          name: 'PROTOCOL_MISMATCH',
          protocol: codec.protocol,
          previousProtocol: client.protocol,
        });
      }
      return fn();
    }
    if (req.method !== 'GET') return fn(EngineErrors.BAD_HANDSHAKE_METHOD, { method: req.method });
    if (entry.via === 'upgrade' && !upgrade) return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_HANDSHAKE_ERROR' });
    this.admit(req, fn);
  }

  private connectionError(req: IncomingMessage, code: EngineErrorCode, context?: EngineErrorContext): void {
    if (this.listenerCount('connection_error') === 0) return;
    this.emit('connection_error', { req, code, message: EngineErrorMessages[code], context });
  }

  /**
   * Handles an HTTP request under the engine's path.
   * @param req the request
   * @param res its response
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      if (log.enabled) log('handling %s http request %s', req.method, req.url);
      const ereq = this.prepare(req);
      if (this.draining && !ereq._query.sid) {
        refuseDraining(res);
        return;
      }
      if (this.opts.unknownSid !== undefined || this.unknownSidHandlers.length > 0) {
        const sid = ereq._query.sid;
        if (
          sid &&
          transportEntry(ereq._query.transport)?.via === 'request' &&
          !this.clients.has(sid) &&
          this.offerUnknownSid(ereq, res, sid)
        ) {
          return;
        }
      }
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
        else this.verify(ereq, false, callback);
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
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const ereq = this.prepare(req);
      if (this.draining && !ereq._query.sid) {
        refuseDrainingUpgrade(socket);
        return;
      }
      const res = new UpgradeResponse(socket);
      this.upgradeHeaders.set(req, res.headers);
      const callback = (code?: EngineErrorCode, context?: EngineErrorContext): void => {
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
          this.ws.handleUpgrade(ereq, socket, headCopy, (websocket) => {
            try {
              this.onWebSocket(ereq, socket, websocket);
            } catch (err) {
              if (log.enabled) log('error while opening a websocket: %s', (err as Error)?.message);
              websocket.terminate();
            }
          });
        } catch (err) {
          if (log.enabled) log('error while handling an upgrade: %s', (err as Error)?.message);
          socket.destroy();
        }
      };
      this.applyMiddlewares(ereq, res as unknown as ServerResponse, (err) => {
        if (err) callback(EngineErrors.BAD_REQUEST, { name: 'MIDDLEWARE_FAILURE' });
        else this.verify(ereq, true, callback);
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
    const cookie = this.opts.cookie;
    transport.on('headers', (headers: HeaderBag, r: EngineRequest) => {
      if (!r._query.sid) {
        if (cookie) headers['Set-Cookie'] = [serializeCookie(cookie.name, id, cookie)];
        this.emit('initial_headers', headers, r);
      }
      this.emit('headers', headers, r);
    });
    if (res) transport.onRequest(req, res);
    this.clients.set(id, socket);
    socket.once('close', () => {
      if (this.clients.get(id) === socket) this.clients.delete(id);
    });
    try {
      this.emit('connection', socket);
    } catch (err) {
      // an application listener of the engine's `connection` event threw: the session goes on
      if (log.enabled) log('a connection listener threw: %s', err instanceof Error ? err.stack || err.message : String(err));
    }
  }

  /**
   * Serves the engine on an HTTP server: requests under `path + '/'` are handled, others go
   * to the server's previous `request` listeners; upgrades elsewhere are destroyed after
   * `destroyUpgradeTimeout` unless `destroyUpgrade` is false.
   * @param server the HTTP server
   * @param options path and upgrade handling
   */
  attach(server: HttpServer, options: AttachOptions = {}): void {
    let path = (options.path || '/engine.io').replace(/\/$/, '');
    if ((options.addTrailingSlash ?? this.opts.addTrailingSlash) !== false) path += '/';
    const destroyUpgradeTimeout = options.destroyUpgradeTimeout || 1000;
    const check = (req: IncomingMessage): boolean => (req.url ?? '').slice(0, path.length) === path;

    const listeners = server.listeners('request').slice(0) as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('close', () => this.close());
    server.on('listening', () => this.init());
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (check(req)) {
        this.handleRequest(req, res);
      } else {
        for (const l of listeners) l.call(server, req, res);
      }
    });
    if (this.servesUpgrades) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (check(req)) {
          this.handleUpgrade(req, socket, head);
        } else if (options.destroyUpgrade !== false) {
          socket.on('error', () => {});
          setTimeout(() => {
            if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten! <= 0) socket.end();
          }, destroyUpgradeTimeout);
        }
      });
    }
  }
}
