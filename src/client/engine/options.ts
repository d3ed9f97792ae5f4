/**
 * Options of the Engine.IO client (the `socket.io.engine` session), as the reference client.
 *
 * Owns `EngineOptions` (types only). Must never import server or server-engine code (`src/server/`,
 * `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */

/** Per-transport overrides (`transportOptions.polling.extraHeaders`, …). */
export interface TransportOverrides {
  extraHeaders?: Record<string, string>;
  query?: Record<string, unknown>;
  [option: string]: unknown;
}

/** Engine.IO client options. */
export interface EngineOptions {
  /** Host to connect to (taken from the URL when one is given). */
  host?: string;
  hostname?: string;
  /** Use TLS (https/wss). */
  secure?: boolean;
  port?: string | number;
  /** Query parameters sent on every request (object, or a query string). */
  query?: Record<string, any> | string;
  /** Engine.IO path (default `/engine.io`; the Manager sets `/socket.io`). */
  path?: string;
  /** Keep a trailing slash on the path (default true). */
  addTrailingSlash?: boolean;
  /** Transports to use, in order (default `['polling', 'websocket']`): names or transport classes. */
  transports?: Array<string | (abstract new (...args: any[]) => { readonly name: string })>;
  /** On a failed open, try the next transport of the list. */
  tryAllTransports?: boolean;
  /** Try to upgrade from polling (default true). */
  upgrade?: boolean;
  /** Start with WebSocket if a previous WebSocket connection succeeded. */
  rememberUpgrade?: boolean;
  /** Send binary as base64 text. */
  forceBase64?: boolean;
  /** Query parameter of the cache buster (default `t`). */
  timestampParam?: string;
  /** Add the cache buster (polling: unless false; WebSocket: only when true). */
  timestampRequests?: boolean;
  /** Per-transport option overrides. */
  transportOptions?: Record<string, TransportOverrides>;
  /** Headers for every HTTP request (Node.js: also the WebSocket upgrade). */
  extraHeaders?: Record<string, string>;
  /** Browser: send cookies cross-origin. Node.js: keep a cookie jar. */
  withCredentials?: boolean;
  /** Timeout of each polling request in ms. */
  requestTimeout?: number;
  /** Browser: close silently on `beforeunload`. */
  closeOnBeforeunload?: boolean;
  /** Node.js: let the process exit while connected. */
  autoUnref?: boolean;
  /** Use the timer functions captured at load time. */
  useNativeTimers?: boolean;
  /** WebSocket sub-protocols. */
  protocols?: string | string[];
  /** `ws` per-message deflate (Node.js). */
  perMessageDeflate?: { threshold?: number } | boolean;
  /** Node.js agent / TLS options. */
  agent?: unknown;
  pfx?: unknown;
  key?: unknown;
  passphrase?: string;
  cert?: unknown;
  ca?: unknown;
  ciphers?: string;
  rejectUnauthorized?: boolean;
  localAddress?: string;
  family?: number;
  origin?: string;
  checkServerIdentity?: unknown;
}
