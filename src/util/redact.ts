/**
 * Masks credentials in what is written to debug logs: `auth` payloads, query parameters, headers, packets and
 * raw frames. Pure functions with no dependency, usable by the engine, the server and the client.
 *
 * ```ts
 * redact({ token: 'eyJ…', room: 'a' });                 // { token: '[REDACTED]', room: 'a' }
 * redactUrl('/socket.io/?EIO=4&token=abc');             // '/socket.io/?EIO=4&token=[REDACTED]'
 * redactHeaders({ authorization: 'Bearer x', host: 'h' }); // { authorization: '[REDACTED]', host: 'h' }
 * redactText('40{"token":"abc"}');                      // '40{"token":"[REDACTED]"}'
 * if (debug.enabled) debug('handshake %j', redact(socket.handshake));
 * ```
 *
 * A name looks like a credential when one of its words (split on `_`, `-`, `.`, spaces and camelCase, case
 * ignored, a plural `s` dropped) is one of: token, jwt, authorization, auth (string values only), bearer,
 * password, passwd, pwd, secret, key, apikey, cookie, credential, signature, session. String values that look
 * like a JWT or a `Bearer …` value are masked whatever their name.
 */

/** The replacement of a masked value. */
export const REDACTED = '[REDACTED]';

const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'jwt',
  'authorization',
  'bearer',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'key',
  'apikey',
  'cookie',
  'credential',
  'signature',
  'session',
  'sessionid',
  'xsrf',
  'csrf',
]);

const JWT_LIKE = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;
const BEARER_LIKE = /^(bearer|basic|token)\s+\S/i;
const MAX_DEPTH = 8;

/** Splits a name in lowercase words: `accessToken`, `access_token`, `X-Api-Key` → access/token, x/api/key. */
function wordsOf(name: string): string[] {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const out: string[] = [];
  for (const w of words) {
    if (w === '') continue;
    out.push(w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w);
  }
  return out;
}

const nameCache = new Map<string, boolean>();

/**
 * Tells whether a key, parameter or header name looks like it holds a credential.
 * @param name the name
 * @returns true for `token`, `access_token`, `apiKey`, `Authorization`, `password`, `cookie`…
 * @example
 * ```ts
 * isCredentialName('X-Api-Key');   // true
 * isCredentialName('room');        // false
 * ```
 */
export function isCredentialName(name: string): boolean {
  const cached = nameCache.get(name);
  if (cached !== undefined) return cached;
  const words = wordsOf(name);
  let result = CREDENTIAL_WORDS.has(words.join(''));
  for (const w of words) if (CREDENTIAL_WORDS.has(w)) result = true;
  if (nameCache.size < 1000) nameCache.set(name, result);
  return result;
}

/**
 * Tells whether a string value looks like a credential whatever its name (a JWT, `Bearer …`).
 * @param value the value
 * @example
 * ```ts
 * isCredentialValue('Bearer abc');   // true
 * isCredentialValue('hello');        // false
 * ```
 */
export function isCredentialValue(value: string): boolean {
  return JWT_LIKE.test(value) || BEARER_LIKE.test(value);
}

/**
 * Returns a copy of a value with credentials masked, at any depth (objects, arrays, Maps are copied; binary
 * data is shown by its size). The input is not modified.
 * @param value anything (an `auth` payload, a handshake, a packet's data…)
 * @returns the masked copy
 * @example
 * ```ts
 * redact({ token: 'eyJ…', room: 'a' });   // { token: '[REDACTED]', room: 'a' }
 * ```
 */
export function redact<T>(value: T): T {
  return redactValue(value, 0, new WeakSet()) as T;
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return isCredentialValue(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `<binary ${value.byteLength} bytes>`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
    if (value instanceof Map) {
      const out = new Map();
      for (const [k, v] of value) out.set(k, typeof k === 'string' && isCredentialName(k) ? maskOf(k, v) : redactValue(v, depth + 1, seen));
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      let masked: unknown;
      if (key === 'url' && typeof v === 'string') masked = redactUrl(v);
      else if (isCredentialName(key)) masked = maskOf(key, v);
      else if (key === 'auth' && typeof v === 'string') masked = REDACTED;
      else masked = redactValue(v, depth + 1, seen);
      Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The mask of a credential-named entry: a cookie header keeps its cookie names. */
function maskOf(name: string, value: unknown): unknown {
  if (value === undefined || value === null || value === '') return value;
  const lower = name.toLowerCase();
  if ((lower === 'cookie' || lower === 'set-cookie') && (typeof value === 'string' || Array.isArray(value))) {
    return Array.isArray(value) ? value.map((v) => redactCookie(String(v))) : redactCookie(value);
  }
  return REDACTED;
}

/** `a=1; b=2` → `a=[REDACTED]; b=[REDACTED]` (attributes of a Set-Cookie such as Path are kept). */
function redactCookie(cookie: string): string {
  return cookie
    .split(';')
    .map((part, i) => {
      const eq = part.indexOf('=');
      if (eq === -1) return part;
      const name = part.slice(0, eq).trim().toLowerCase();
      if (i > 0 && (name === 'path' || name === 'domain' || name === 'expires' || name === 'max-age' || name === 'samesite')) return part;
      return part.slice(0, eq + 1) + REDACTED;
    })
    .join(';');
}

/**
 * Masks the values of credential-like query parameters of a URL or query string, keeping everything else
 * byte for byte.
 * @param url a URL, a path with a query (`/socket.io/?EIO=4&token=abc`) or a bare query string
 * @returns the masked string
 * @example
 * ```ts
 * redactUrl('/socket.io/?EIO=4&token=abc');   // '/socket.io/?EIO=4&token=[REDACTED]'
 * ```
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const hash = url.indexOf('#', q === -1 ? 0 : q);
  const end = hash === -1 ? url.length : hash;
  const start = q === -1 ? (url.includes('=') && !url.includes('/') ? 0 : -1) : q + 1;
  if (start === -1) return url;
  const query = url.slice(start, end);
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      let value = pair.slice(eq + 1);
      try {
        value = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        // keep the raw value
      }
      return isCredentialName(name) || isCredentialValue(value) ? pair.slice(0, eq + 1) + REDACTED : pair;
    })
    .join('&');
  return url.slice(0, start) + masked + url.slice(end);
}

/**
 * Returns a copy of parsed query parameters with credential-like ones masked.
 * @param query `{ EIO: '4', token: 'abc' }`
 * @example
 * ```ts
 * redactQuery({ EIO: '4', access_token: 'abc' });   // { EIO: '4', access_token: '[REDACTED]' }
 * ```
 */
export function redactQuery<Q extends Record<string, unknown>>(query: Q): Q {
  return redact(query);
}

/**
 * Returns a copy of HTTP headers with `Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key` and other
 * credential-like headers masked (cookie names are kept), and credential parameters masked in `Referer`.
 * @param headers the headers
 * @example
 * ```ts
 * redactHeaders({ authorization: 'Bearer x', host: 'h' });   // { authorization: '[REDACTED]', host: 'h' }
 * ```
 */
export function redactHeaders<H extends Record<string, unknown>>(headers: H): H {
  const out = redact(headers) as Record<string, unknown>;
  for (const name of ['referer', 'Referer', 'location', 'Location']) {
    if (typeof out[name] === 'string') out[name] = redactUrl(out[name] as string);
  }
  return out as H;
}

/** A Socket.IO packet as logged: only `data` is looked into. */
export interface PacketLike {
  type: number;
  nsp?: string;
  data?: unknown;
  id?: number;
}

/**
 * Returns a copy of a Socket.IO packet with credentials masked in its data (a CONNECT's `auth` payload, event
 * arguments such as the credentials refresh).
 * @param packet the packet
 * @example
 * ```ts
 * redactPacket({ type: 0, nsp: '/', data: { token: 'abc' } });   // data.token is '[REDACTED]'
 * ```
 */
export function redactPacket<P extends PacketLike>(packet: P): P {
  if (packet.data === undefined) return packet;
  return { ...packet, data: redact(packet.data) };
}

const TEXT_JSON_PAIR = /("([^"\\]*)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g;
const TEXT_QUERY_PAIR = /([?&]([A-Za-z0-9_.~%+-]+)=)([^&#\s"']*)/g;
// util.inspect style: `token: 'abc'`, `'x-api-key': 'abc'`
const TEXT_INSPECT_PAIR = /((?:\b([A-Za-z_$][\w$]*)|'([^'\n]+)')\s*:\s*)('(?:[^'\\\n]|\\.)*'|\d[\d.]*)/g;
const TEXT_JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const TEXT_BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/**
 * Masks credentials in raw text such as an encoded frame (`40{"token":"abc"}`), a URL inside a message or a
 * header line: JSON members and query parameters with credential-like names, JWTs and `Bearer …` values.
 * @param text the text
 * @returns the masked text
 * @example
 * ```ts
 * redactText('40{"token":"abc"}');   // '40{"token":"[REDACTED]"}'
 * ```
 */
export function redactText(text: string): string {
  if (text.length === 0) return text;
  return text
    .replace(TEXT_JSON_PAIR, (all, prefix: string, name: string) => (isCredentialName(name) ? prefix + '"' + REDACTED + '"' : all))
    .replace(TEXT_INSPECT_PAIR, (all, prefix: string, bare: string | undefined, quoted: string | undefined) =>
      isCredentialName(bare ?? quoted ?? '') ? prefix + "'" + REDACTED + "'" : all,
    )
    .replace(TEXT_QUERY_PAIR, (all, prefix: string, name: string) => (isCredentialName(safeDecode(name)) ? prefix + REDACTED : all))
    .replace(TEXT_JWT, REDACTED)
    .replace(TEXT_BEARER, (_all, scheme: string) => scheme + ' ' + REDACTED);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The parts of the `debug` package that {@link installLogRedaction} hooks. */
export interface DebugModuleLike {
  formatters: Record<string, (this: unknown, value: unknown) => string>;
  formatArgs: (this: unknown, args: unknown[]) => void;
}

const INSTALLED = Symbol.for('socketeer.redaction');

/**
 * Makes every logger of a `debug` module mask credentials: `%o`/`%O`/`%j` arguments are redacted structurally,
 * the formatted message and the remaining arguments (`%s` strings such as URLs or raw frames) textually. Runs
 * only for enabled loggers (nothing is done while logging is off). Affects every user of that `debug` module in
 * the process; installing twice is a no-op.
 * @param debug the `debug` module (`import debug from 'debug'`)
 * @example
 * ```ts
 * import debug from 'debug';
 * installLogRedaction(debug);   // the application's own debug loggers mask credentials too
 * ```
 */
export function installLogRedaction(debug: DebugModuleLike): void {
  const marked = debug as DebugModuleLike & { [INSTALLED]?: boolean };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  for (const key of ['o', 'O']) {
    const original = debug.formatters[key];
    if (typeof original === 'function') {
      debug.formatters[key] = function (this: unknown, value: unknown) {
        return original.call(this, redact(value));
      };
    }
  }
  debug.formatters.j = (value: unknown) => {
    try {
      return JSON.stringify(redact(value));
    } catch {
      return '[Unserializable]';
    }
  };
  const formatArgs = debug.formatArgs;
  debug.formatArgs = function (this: unknown, args: unknown[]) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      args[i] = typeof a === 'string' ? redactText(a) : redact(a);
    }
    return formatArgs.call(this, args);
  };
}
