/**
 * The contract between the Socket.IO layer and the Engine.IO layer underneath ({@link EngineLike},
 * {@link EngineConnection}), and the factory that attaches Socketeer's engine to an HTTP server. Typed
 * structurally, so that any compatible engine can be bound with `io.bind(engine)`; Socketeer's own
 * `EngineServer`/`EngineSocket` satisfy it without casts (checked at the end of this file).
 *
 * Must never import the server's own classes (`server.ts`, `client.ts`, `socket.ts`…): they import this.
 *
 * @example
 * ```ts
 * const engine: EngineLike = attachEngine(httpServer, { path: '/socket.io' });
 * engine.on('connection', (conn: EngineConnection) => conn.send('0{"sid":"…"}'));
 * ```
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { EngineServer, type AttachOptions, type EngineMiddleware } from '../engine/server.js';
import type { EngineOptions, UnknownSidHandler } from '../engine/options.js';
import type { AllowRequest, ConnectionLimiter } from '../engine/limits.js';
import type { EngineCloseReason } from '../engine/socket.js';
import type { EngineConnectionError } from '../engine/events.js';
import type { HeaderBag } from '../engine/http.js';

export type { EngineCloseReason };

/** Options of one `send`, as accepted by the engine. */
export interface EngineSendOptions {
  /** Whether the transport may compress this message. */
  compress?: boolean;
  /** A plain object created once per broadcast packet part, so the websocket transport frames it once. */
  shared?: object;
}

/** The transport of a connection, as the Socket.IO layer sees it. */
export interface EngineTransport extends EventEmitter {
  /** its name (`'polling'`, `'websocket'`) */
  readonly name: string;
  /** false while a write is in progress (a volatile packet is dropped then) */
  readonly writable: boolean;
  readonly readyState: string;
  /** ends the connection at once, without a closing handshake (WebSocket; the bound of a graceful shutdown) */
  terminate?(): void;
}

/** One Engine.IO connection (session), as the Socket.IO layer sees it. */
export interface EngineConnection extends EventEmitter {
  readonly id: string;
  /** The HTTP request that opened the session. */
  readonly request: IncomingMessage;
  readonly remoteAddress: string;
  /** Engine.IO protocol revision: 3 or 4. */
  readonly protocol: number;
  readonly readyState: string;
  readonly transport: EngineTransport;
  /** true once the session upgraded its transport */
  readonly upgraded: boolean;
  /** bytes buffered for the client (Socketeer's engine; see its `highWaterMark` option) */
  readonly bufferedBytes?: number;
  /** true while the connection is over its high-water mark, until `drain` (Socketeer's engine) */
  readonly writableNeedDrain?: boolean;
  send(data: string | Uint8Array, options?: EngineSendOptions, callback?: () => void): unknown;
  close(discard?: boolean): unknown;
  on<E extends keyof EngineConnectionEvents>(event: E, listener: EngineConnectionEvents[E]): this;
  on(event: string | symbol, listener: (...args: never[]) => void): this;
  once<E extends keyof EngineConnectionEvents>(event: E, listener: EngineConnectionEvents[E]): this;
  once(event: string | symbol, listener: (...args: never[]) => void): this;
}

/** The events of an {@link EngineConnection} and their listeners. */
export interface EngineConnectionEvents {
  message: (data: string | Buffer | undefined) => void;
  close: (reason: EngineCloseReason, description?: unknown) => void;
  error: (err: Error) => void;
  /** a probing transport answered the probe */
  upgrading: (transport: EngineTransport) => void;
  /** the session now runs on this transport */
  upgrade: (transport: EngineTransport) => void;
  packet: (packet: { type: string; data?: string | Uint8Array | ArrayBuffer }) => void;
  packetCreate: (packet: { type: string; data?: string | Uint8Array | ArrayBuffer }) => void;
  heartbeat: () => void;
  /** the buffered packets were handed to the transport (while full: back under the low-water mark) */
  drain: () => void;
  /** the slow-client policy is closing the connection (Socketeer's engine) */
  slowClient: (bufferedBytes: number) => void;
  flush: (buffer: Array<{ type: string; data?: string | Uint8Array | ArrayBuffer }>) => void;
}

/**
 * An Engine.IO server, as the Socket.IO layer sees it (the type of `io.engine`). The optional members are
 * extension points of Socketeer's engine that another engine may lack.
 */
export interface EngineLike extends EventEmitter {
  /** open sessions by id */
  readonly clients: ReadonlyMap<string, EngineConnection>;
  /** number of open sessions */
  readonly clientsCount: number;
  /** while true, new handshakes are refused (graceful shutdown); open sessions are still served */
  draining?: boolean;
  /** the id of a new session (overridable, as socket.io's `io.engine.generateId`) */
  generateId(req: IncomingMessage): string | Promise<string>;
  /** adds an Express-style middleware run before the checks of every request */
  use(fn: EngineMiddleware): void;
  /** adds a handler of polling requests for sessions the engine does not have; returns its remover */
  addUnknownSidHandler?(handler: UnknownSidHandler): () => void;
  /** adds a handshake check; returns its remover */
  addAdmissionCheck?(check: AllowRequest): () => void;
  /** the per-address session cap (`maxConnectionsPerAddress`) */
  readonly connectionLimiter?: ConnectionLimiter | undefined;
  on(event: 'connection', listener: (conn: EngineConnection) => void): this;
  on(event: 'connection_error', listener: (err: EngineConnectionError) => void): this;
  on(event: 'initial_headers' | 'headers', listener: (headers: HeaderBag, req: IncomingMessage) => void): this;
  on(event: string | symbol, listener: (...args: never[]) => void): this;
  close(): unknown;
}

export type { AttachOptions, EngineOptions };

/** Options of `attachEngine`: those of the engine and of `attach`. */
export type EngineAttachOptions = EngineOptions & AttachOptions & Record<string, unknown>;

/**
 * Creates an Engine.IO server and attaches it to an HTTP server.
 * @param httpServer the HTTP server
 * @param opts engine and attach options
 * @returns the engine
 * @example
 * ```ts
 * const engine = attachEngine(httpServer, { path: '/socket.io', pingInterval: 10000 });
 * io.bind(engine);
 * ```
 */
export function attachEngine(httpServer: HttpServer, opts: EngineAttachOptions): EngineServer {
  const engine = new EngineServer(opts);
  engine.attach(httpServer, opts);
  return engine;
}

// the engine and its sessions satisfy the contract above (no cast needed on the server side)
const engineFits: EngineLike = null as unknown as EngineServer;
const sessionFits: EngineConnection = null as unknown as import('../engine/socket.js').EngineSocket;
void engineFits;
void sessionFits;
