/**
 * The options of the Socket.IO server and the types they use (HTTP servers it attaches to, custom parsers,
 * dynamic namespace functions).
 *
 * Owns: these types. Must never import the server, namespace, connection or socket modules.
 *
 * @example
 * ```ts
 * const opts: Partial<ServerOptions> = { path: '/ws', connectionStateRecovery: {}, cleanupEmptyChildNamespaces: true };
 * const io = new Server(httpServer, opts);
 * ```
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Packet } from '../protocol/index.js';
import type { AdapterConstructor, PacketEncoder } from './adapter.js';
import type { AttachOptions, EngineOptions } from './engine.js';
import type { GracefulShutdownOptions } from './shutdown.js';
import type { PresenceOptions } from './presence/types.js';

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
  /**
   * Presence (`io.presence`, `nsp.presence`): diff interval, sync interval and limits. Set (even `{}` or `true`)
   * to create it with every namespace, so that a node holds the other nodes' presence from the start; otherwise it
   * is made on first use with the defaults.
   */
  presence: boolean | PresenceOptions;
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
  on(event: 'decoded', listener: (packet: Packet) => void): unknown;
}

/** The connection state recovery options (`connectionStateRecovery`). */
export type RecoveryOptions = ServerOptions['connectionStateRecovery'];
