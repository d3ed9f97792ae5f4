/**
 * Origin check of browser requests (WebSocket upgrades and polling), run before a session exists.
 * CORS does not apply to WebSockets, so without this check a page on any site could open a
 * WebSocket to a server that authenticates by cookie (cross-site WebSocket hijacking).
 *
 * ```ts
 * checkOrigin(req, {});                                    // own origin only (default)
 * checkOrigin(req, { allowedOrigins: ['https://app.example.com', /\.example\.com$/] });
 * checkOrigin(req, { cors: { origin: 'https://app.example.com' } });   // the CORS list counts too
 * checkOrigin(req, { allowedOrigins: '*' });              // permissive, as socket.io
 * ```
 *
 * Rules, first match wins:
 * 1. no `Origin` header (Node.js, mobile and other non-browser clients) → allowed;
 * 2. `allowedOrigins: '*'` (or `true`) → allowed;
 * 3. the server's own origin: same host (and port) as the `Host` header, and same scheme — or an
 *    `https:` page reaching a plain-HTTP server (TLS ended by a proxy in front) → allowed;
 * 4. listed by `allowedOrigins` or by the CORS `origin` option (`'*'`, `true`, a string, RegExp, array, or a
 *    function answering synchronously) → allowed; a `cors` option without `origin` allows nothing here;
 * 5. anything else (including the opaque origin `null`) → refused.
 *
 * Must never import the server, the session or the transports.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** One allowed origin: an exact origin (`https://app.example.com`) or a pattern tested against the origin. */
export type OriginMatcher = string | RegExp;

/** The origins a server accepts besides its own. */
export type AllowedOrigins =
  | '*'
  | boolean
  | OriginMatcher
  | OriginMatcher[]
  | ((origin: string, req: IncomingMessage) => boolean);

/** The `origin` option of the `cors` package, as far as it can be evaluated synchronously. */
export type CorsOrigin =
  | boolean
  | string
  | RegExp
  | Array<boolean | string | RegExp>
  | ((origin: string | undefined, cb: (err: Error | null, allow?: unknown) => void) => void);

/** Options of {@link checkOrigin}. */
export interface OriginCheckOptions {
  /** extra allowed origins; `'*'` restores the permissive behaviour of socket.io (default: own origin only) */
  allowedOrigins?: AllowedOrigins;
  /** the server's `cors` option: origins it allows are allowed here too */
  cors?: { origin?: CorsOrigin } | ((...args: never[]) => void) | false;
  /** read `X-Forwarded-Host` / `X-Forwarded-Proto` (set by a trusted proxy) for the server's own origin (default false) */
  trustProxy?: boolean;
}

/** Why a request was refused. */
export type OriginRefusal = 'origin not allowed' | 'invalid origin';

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/** An origin split in its parts, ports made explicit. */
interface ParsedOrigin {
  scheme: string;
  host: string;
  /** the port, the scheme's default one when absent */
  port: string;
  /** the port as written ('' when absent) */
  explicitPort: string;
}

/**
 * Parses `scheme://host[:port]`.
 * @param origin the origin
 * @returns its parts, or undefined if it is not a URL origin
 */
function parseOrigin(origin: string): ParsedOrigin | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (!url.host) return undefined;
  return {
    scheme: url.protocol,
    host: url.hostname.toLowerCase(),
    port: url.port || DEFAULT_PORTS[url.protocol] || '',
    explicitPort: url.port,
  };
}

/** The first value of a possibly repeated, comma-separated header. */
function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  return (comma === -1 ? v : v.slice(0, comma)).trim() || undefined;
}

/**
 * The origin of the server as the request sees it.
 * @param req the request
 * @param trustProxy whether forwarded headers are read
 */
function ownOrigin(req: IncomingMessage, trustProxy: boolean): ParsedOrigin | undefined {
  let host = trustProxy ? firstHeader(req.headers['x-forwarded-host']) : undefined;
  host ??= req.headers.host;
  if (!host) return undefined;
  let scheme = (req.socket as TLSSocket | undefined)?.encrypted ? 'https:' : 'http:';
  if (trustProxy) {
    const proto = firstHeader(req.headers['x-forwarded-proto']);
    if (proto === 'https' || proto === 'http') scheme = proto + ':';
  }
  return parseOrigin(scheme + '//' + host);
}

/** Tests one matcher against an origin. */
function matches(matcher: OriginMatcher | boolean, origin: string): boolean {
  if (typeof matcher === 'boolean') return matcher;
  if (typeof matcher === 'string') return matcher === '*' || matcher.toLowerCase() === origin.toLowerCase();
  matcher.lastIndex = 0;
  return matcher.test(origin);
}

/** Whether the `allowedOrigins` option allows an origin. */
function allowedByOption(allowed: AllowedOrigins | undefined, origin: string, req: IncomingMessage): boolean {
  if (allowed === undefined || allowed === false) return false;
  if (typeof allowed === 'function') return allowed(origin, req) === true;
  if (Array.isArray(allowed)) return allowed.some((m) => matches(m, origin));
  return matches(allowed, origin);
}

/**
 * Whether the CORS configuration allows an origin. A function `origin` option is honoured when it answers
 * synchronously; an asynchronous one allows nothing here (list the origins in `allowedOrigins` instead).
 */
function allowedByCors(cors: OriginCheckOptions['cors'], origin: string): boolean {
  if (!cors || typeof cors === 'function') return false;
  const o = cors.origin;
  // an absent `origin` means '*' to the `cors` package, but it lists nothing explicitly: not taken as an allowance
  if (o === undefined) return false;
  if (typeof o === 'function') {
    let answer = false;
    o(origin, (err, allow) => {
      answer = !err && allow !== false && allow !== undefined && allow !== null && (typeof allow !== 'string' || allow.length > 0);
    });
    return answer;
  }
  if (Array.isArray(o)) return o.some((m) => matches(m, origin));
  return matches(o, origin);
}

/**
 * Decides whether a request may open (or use) a session, from its `Origin` header.
 * @param req the HTTP request (handshake, polling or WebSocket upgrade)
 * @param opts allowed origins, CORS option, proxy trust
 * @returns true when allowed, else the reason of the refusal (answer 403)
 * @example
 * ```ts
 * const verdict = checkOrigin(req, { allowedOrigins: ['https://app.example'] });
 * if (verdict !== true) refuse(verdict);
 * ```
 */
export function checkOrigin(req: IncomingMessage, opts: OriginCheckOptions = {}): true | OriginRefusal {
  const origin = req.headers.origin;
  if (origin === undefined || origin === '') return true;
  const allowed = opts.allowedOrigins;
  if (allowed === '*' || allowed === true) return true;
  if (typeof origin !== 'string') return 'invalid origin';
  const parsed = origin === 'null' ? undefined : parseOrigin(origin);
  if (parsed !== undefined) {
    const own = ownOrigin(req, opts.trustProxy === true);
    if (own !== undefined && own.host === parsed.host) {
      if (own.scheme === parsed.scheme && own.port === parsed.port) return true;
      // an https page reaches a plain-HTTP server through a TLS-terminating proxy that keeps the Host header
      if (parsed.scheme === 'https:' && own.scheme === 'http:' && own.explicitPort === parsed.explicitPort) return true;
    }
  }
  if (allowedByOption(allowed, origin, req)) return true;
  if (allowedByCors(opts.cors, origin)) return true;
  return parsed === undefined && origin !== 'null' ? 'invalid origin' : 'origin not allowed';
}

/**
 * The origin check as an `allowRequest` (handshake requests only), composable with another one.
 * @param opts see {@link OriginCheckOptions}
 * @param next an `allowRequest` run when the origin is allowed
 * @returns an `allowRequest` function refusing with 403 `{"code":4,"message":"origin not allowed"}`
 * @example
 * ```ts
 * new Server(http, { allowedOrigins: '*', allowRequest: originAllowRequest({ allowedOrigins: ['https://app.example'] }) });
 * ```
 */
export function originAllowRequest(
  opts: OriginCheckOptions = {},
  next?: (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void,
): (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void {
  return (req, fn) => {
    const result = checkOrigin(req, opts);
    if (result !== true) return fn(result, false);
    if (next) return next(req, fn);
    fn(null, true);
  };
}

/**
 * The origin check as an engine middleware (`io.engine.use(originMiddleware(opts))`), run on every request:
 * handshakes, polling requests of existing sessions and WebSocket upgrades. A refused plain request gets
 * `403 {"code":4,"message":"origin not allowed"}`; a refused upgrade gets a raw `HTTP/1.1 403` and is closed.
 * @param opts see {@link OriginCheckOptions}
 * @returns the middleware
 * @example
 * ```ts
 * io.engine.use(originMiddleware({ allowedOrigins: ['https://app.example'] }));
 * ```
 */
export function originMiddleware(
  opts: OriginCheckOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  return (req, res, next) => {
    const result = checkOrigin(req, opts);
    if (result === true) return next();
    if (res instanceof ServerResponse) {
      const body = JSON.stringify({ code: 4, message: result });
      res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // an upgrade request: answer on the raw connection
    const socket = req.socket;
    socket.on('error', () => {});
    if (socket.writable) {
      socket.write(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(result)}\r\n\r\n${result}`);
    }
    socket.destroy();
  };
}
