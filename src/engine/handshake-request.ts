/**
 * The request a session keeps after its handshake: what `socket.request` and `socket.handshake` read (headers,
 * URL, method, HTTP version, the connection, the parsed query) and whatever the application's middlewares put
 * on the request (`req.session`, `req.user`…), without the rest of the `IncomingMessage` (its stream state,
 * raw header list and event table: about 1 KB per connection).
 *
 * Must never import the server, the session or the transports.
 *
 * @example
 * ```ts
 * const kept = slimRequest(req);
 * kept.headers.cookie;          // the same headers object
 * kept.socket.remoteAddress;    // the same connection
 * kept.rawHeaders;              // rebuilt from the headers when read
 * ```
 */
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EngineRequest } from './transports/index.js';

/**
 * Own properties Node gives every `IncomingMessage` (read from a fresh one, so new Node versions are covered),
 * plus those the engine sets during the handshake: none of them is copied onto the kept request.
 */
const INTERNAL_KEYS: ReadonlySet<string | symbol> = new Set<string | symbol>([
  ...Reflect.ownKeys(new IncomingMessage(undefined as unknown as Socket)),
  'headers',
  'trailers',
  'websocket',
  'res',
  '_query',
]);

/**
 * The kept request. Its fields are those of the `IncomingMessage` it replaces; `connection` is `socket`, as in
 * Node; `rawHeaders` is rebuilt from `headers` when read.
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.request.headers['user-agent'];
 *   socket.request.socket.remoteAddress;
 * });
 * ```
 */
export class HandshakeRequest {
  /** the request headers (names in lower case) */
  readonly headers: IncomingMessage['headers'];
  /** the request URL */
  readonly url: string | undefined;
  /** the request method */
  readonly method: string | undefined;
  /** the HTTP version, e.g. `'1.1'` */
  readonly httpVersion: string;
  /** the connection the request came on */
  readonly socket: Socket;
  /** query parameters of the request URL (last value wins), as the engine parsed them */
  readonly _query: Record<string, string>;
  /** whether the request was an upgrade */
  readonly upgrade: boolean;
  /** always true: the kept request was read whole */
  readonly complete = true;
  /** always false */
  readonly aborted = false;

  /**
   * @param req the handshake request
   */
  constructor(req: EngineRequest) {
    this.headers = req.headers;
    this.url = req.url;
    this.method = req.method;
    this.httpVersion = req.httpVersion;
    this.socket = req.socket;
    this._query = req._query;
    this.upgrade = (req as { upgrade?: boolean }).upgrade === true;
  }

  /** Alias of {@link socket}, as on `IncomingMessage`. */
  get connection(): Socket {
    return this.socket;
  }

  /** The major HTTP version. */
  get httpVersionMajor(): number {
    return Number(this.httpVersion.split('.')[0]);
  }

  /** The minor HTTP version. */
  get httpVersionMinor(): number {
    return Number(this.httpVersion.split('.')[1] ?? 0);
  }

  /** The headers as a flat name/value list (rebuilt from {@link headers}: names in lower case). */
  get rawHeaders(): string[] {
    const raw: string[] = [];
    const headers = this.headers;
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) raw.push(name, v);
      else raw.push(name, value);
    }
    return raw;
  }
}

/**
 * The request a session keeps after its handshake: a {@link HandshakeRequest} carrying the properties the
 * application's middlewares added to the original.
 * @param req the handshake request
 * @returns the slim request, typed as the request it stands for
 * @example
 * ```ts
 * session.request = slimRequest(session.request);
 * ```
 */
export function slimRequest(req: EngineRequest): EngineRequest {
  if (req instanceof HandshakeRequest) return req;
  const kept = new HandshakeRequest(req);
  for (const key of Object.keys(req)) {
    if (INTERNAL_KEYS.has(key)) continue;
    (kept as unknown as Record<string, unknown>)[key] = (req as unknown as Record<string, unknown>)[key];
  }
  return kept as unknown as EngineRequest;
}
