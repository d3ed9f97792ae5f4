/**
 * The contract every runtime adapter (`env/node.ts`, `env/browser.ts`) fulfils: how to make a
 * polling HTTP request, how to open a WebSocket, and a few runtime defaults. The engine code
 * only talks to these, so the browser bundle never pulls in `http`, `ws` or the cookie jar.
 */
import type { BinaryType } from '../../protocol/index.js';

/** The stored cookies of a Node.js client (see `env/cookie-jar.ts`). */
export interface CookieStore {
  /** Remembers the cookies of `Set-Cookie` header values. */
  parseCookies(values: string[] | undefined): void;
  /** `name=value` pairs of the unexpired cookies. */
  cookiePairs(): string[];
}

/** Options of a polling request (the transport's options are passed as they are). */
export interface PollRequestOptions {
  extraHeaders?: Record<string, string>;
  withCredentials?: boolean;
  /** Abort the request after this many ms. */
  requestTimeout?: number;
  /** Node.js: do not keep the process alive for this request. */
  autoUnref?: boolean;
  /** Node.js TLS / agent options passed through to `http(s).request`. */
  agent?: unknown;
  pfx?: unknown;
  key?: unknown;
  passphrase?: string;
  cert?: unknown;
  ca?: unknown;
  ciphers?: string;
  rejectUnauthorized?: boolean;
}

/** Failure of a request: an HTTP status, or the underlying error. */
export interface RequestFailure {
  description: unknown;
  context?: unknown;
}

/** Called once per request: with the body on a 200, with a failure otherwise. */
export type RequestCallback = (failure: RequestFailure | null, body?: string) => void;

/** A request in flight. */
export interface PendingRequest {
  /** Cancels the request; its callback will not be called. */
  abort(): void;
}

/** The subset of the WebSocket API the transport uses (browser `WebSocket` and `ws` both fit). */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array | ArrayBuffer, opts?: { compress?: boolean }): void;
  close(): void;
}

/** Options for opening a WebSocket (the transport's options are passed as they are). */
export interface WebSocketOptions {
  protocols?: string | string[];
  /** Headers for the upgrade request (Node.js only). */
  extraHeaders?: Record<string, string>;
  /** Node.js: compression of frames of at least `threshold` bytes, if the server accepts it. */
  perMessageDeflate?: { threshold?: number } | boolean;
}
