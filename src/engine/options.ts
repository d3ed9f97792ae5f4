/**
 * Engine server options and their defaults (those of the reference server).
 *
 * Must never import the server or the session; imports the transport registry for the default `transports`.
 *
 * @example
 * ```ts
 * resolveEngineOptions({ pingInterval: 10000 }).pingTimeout; // 20000
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsOptions, CorsOptionsDelegate } from 'cors';
import type { PerMessageDeflateOptions } from 'ws';
import type { CookieOptions } from './cookie.js';
import type { AllowedOrigins } from './origin.js';
import { TRANSPORT_NAMES, type TransportName } from './transports/index.js';
import { resolveBackpressureOptions, type BackpressureOptions, type ResolvedBackpressure } from './backpressure.js';

export type { TransportName };

/** `allowRequest` callback: `err` becomes the 403 message when `success` is false. */
export type AllowRequestCallback = (err: string | null | undefined, success: boolean) => void;

/** gzip/deflate of polling GET bodies (options are also passed to zlib). */
export interface HttpCompressionOptions {
  /** minimum body size in bytes (default 1024) */
  threshold?: number;
  [zlibOption: string]: unknown;
}

/**
 * Options of the engine (`EngineServer`, `io.engine`), passed through by the `Server` constructor; the backpressure
 * options (`highWaterMark`, `lowWaterMark`, `slowClient`) are those of {@link BackpressureOptions}.
 */
export interface EngineOptions extends BackpressureOptions {
  /** ms between server pings (default 25000) */
  pingInterval?: number;
  /** ms to wait for the pong (default 20000) */
  pingTimeout?: number;
  /** ms for a probing WebSocket to complete the upgrade (default 10000) */
  upgradeTimeout?: number;
  /** largest accepted message/POST body in bytes (default 1e6) */
  maxHttpBufferSize?: number;
  /** decides whether a handshake request is accepted */
  allowRequest?: (req: IncomingMessage, fn: AllowRequestCallback) => void;
  /** enabled transports (default: every registered one, `['polling', 'websocket']`) */
  transports?: TransportName[];
  /** whether polling sessions may upgrade (default true) */
  allowUpgrades?: boolean;
  /** WebSocket permessage-deflate (default false; `true` = `{ threshold: 1024 }`) */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** polling response compression (default `{ threshold: 1024 }`) */
  httpCompression?: boolean | HttpCompressionOptions;
  /** session cookie (default false; `true` = `{ name: 'io', path: '/', httpOnly: true, sameSite: 'lax' }`) */
  cookie?: boolean | CookieOptions;
  /** options of the `cors` package (default: off) */
  cors?: CorsOptions | CorsOptionsDelegate;
  /** accept Engine.IO v3 clients (default false) */
  allowEIO3?: boolean;
  /** a message sent right after the open packet */
  initialPacket?: string | Uint8Array;
  /** a `ws`-compatible server class */
  wsEngine?: new (opts: Record<string, unknown>) => unknown;
  /** serve `path + '/'` rather than `path` (default true) */
  addTrailingSlash?: boolean;
  /**
   * Origins accepted from browsers besides the server's own and those allowed by `cors.origin`
   * (default: none). Requests with another `Origin` are refused with 403 before a session exists;
   * requests without `Origin` (Node.js, mobile clients) are unaffected. `'*'` accepts every origin,
   * as socket.io does.
   */
  allowedOrigins?: AllowedOrigins;
  /** trust `X-Forwarded-Host`/`X-Forwarded-Proto` when working out the server's own origin (default false) */
  trustProxy?: boolean;
  /** most open sessions per remote address; further handshakes get 403 (default: no limit) */
  maxConnectionsPerAddress?: number;
  /**
   * Called for a polling request whose `sid` is not a session of this engine, before anything else
   * (body, CORS, middlewares, checks) so the raw request can be handed elsewhere (e.g. forwarded to the
   * server owning the session). Return `true` when the request was taken over; `false` lets the engine
   * answer as usual (`Session ID unknown`, code 1).
   */
  unknownSid?: UnknownSidHandler;
}

/** See {@link EngineOptions.unknownSid}. */
export type UnknownSidHandler = (req: IncomingMessage, res: ServerResponse, sid: string) => boolean;

/** Options after defaults are applied. */
export interface ResolvedEngineOptions {
  pingInterval: number;
  pingTimeout: number;
  upgradeTimeout: number;
  maxHttpBufferSize: number;
  allowRequest: ((req: IncomingMessage, fn: AllowRequestCallback) => void) | undefined;
  transports: TransportName[];
  allowUpgrades: boolean;
  perMessageDeflate: false | PerMessageDeflateOptions;
  httpCompression: false | HttpCompressionOptions;
  cookie: false | (CookieOptions & { name: string });
  cors: CorsOptions | CorsOptionsDelegate | false;
  allowEIO3: boolean;
  initialPacket: string | Uint8Array | undefined;
  wsEngine: (new (opts: Record<string, unknown>) => unknown) | undefined;
  addTrailingSlash: boolean;
  allowedOrigins: AllowedOrigins | undefined;
  trustProxy: boolean;
  maxConnectionsPerAddress: number | undefined;
  /** may be set after construction (read on every request) */
  unknownSid: UnknownSidHandler | undefined;
  /** high- and low-water marks and the slow-client policy of every session */
  backpressure: ResolvedBackpressure;
}

/**
 * Applies the defaults.
 * @param opts user options
 * @returns a fully resolved copy
 * @throws RangeError / TypeError for backpressure options out of range (see `resolveBackpressureOptions`)
 * @example
 * ```ts
 * const opts = resolveEngineOptions({ cookie: true }); // opts.cookie.name === 'io'
 * ```
 */
export function resolveEngineOptions(opts: EngineOptions = {}): ResolvedEngineOptions {
  const pmd = opts.perMessageDeflate;
  const hc = opts.httpCompression;
  const cookie = opts.cookie;
  return {
    pingInterval: opts.pingInterval ?? 25000,
    pingTimeout: opts.pingTimeout ?? 20000,
    upgradeTimeout: opts.upgradeTimeout ?? 10000,
    maxHttpBufferSize: opts.maxHttpBufferSize ?? 1e6,
    allowRequest: opts.allowRequest,
    transports: opts.transports ? opts.transports.slice() : TRANSPORT_NAMES.slice(),
    allowUpgrades: opts.allowUpgrades ?? true,
    perMessageDeflate: pmd ? { threshold: 1024, ...(pmd === true ? {} : pmd) } : false,
    httpCompression: hc === false ? false : { threshold: 1024, ...(hc === true || hc === undefined ? {} : hc) },
    cookie: cookie
      ? { name: 'io', path: '/', httpOnly: true, sameSite: 'lax', ...(cookie === true ? {} : cookie) }
      : false,
    cors: opts.cors ?? false,
    allowEIO3: opts.allowEIO3 ?? false,
    initialPacket: opts.initialPacket,
    wsEngine: opts.wsEngine,
    addTrailingSlash: opts.addTrailingSlash ?? true,
    allowedOrigins: opts.allowedOrigins,
    trustProxy: opts.trustProxy ?? false,
    maxConnectionsPerAddress: opts.maxConnectionsPerAddress,
    unknownSid: opts.unknownSid,
    backpressure: resolveBackpressureOptions(opts),
  };
}
