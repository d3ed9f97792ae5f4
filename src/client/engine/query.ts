/**
 * Query strings and URIs as the reference Engine.IO client reads and writes them.
 *
 * Owns query string and URI helpers. Imports nothing.
 */

/**
 * Encodes an object as a query string (`a=1&b=x%20y`), own enumerable keys in order.
 * @param obj the parameters
 * @example
 * ```ts
 * encodeQuery({ EIO: 4, transport: 'polling' });   // 'EIO=4&transport=polling'
 * ```
 */
export function encodeQuery(obj: Record<string, unknown>): string {
  let str = '';
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    if (str.length) str += '&';
    str += encodeURIComponent(key) + '=' + encodeURIComponent(String(obj[key]));
  }
  return str;
}

/**
 * Decodes a query string into an object of strings.
 * @param qs the query string without `?`
 * @example
 * ```ts
 * decodeQuery('a=1&b=x%20y');   // { a: '1', b: 'x y' }
 * ```
 */
export function decodeQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pairs = qs.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!.split('=');
    out[decodeURIComponent(pair[0]!)] = decodeURIComponent(pair.slice(1).join('='));
  }
  return out;
}

/** The parts of a parsed URI used by the client. */
export interface ParsedUri {
  /** The URI as given. */
  source: string;
  /** Scheme without `:` (`http`, `https`, `ws`, `wss`). */
  protocol: string;
  /** Host name (IPv6 without brackets). */
  host: string;
  /** Port, empty when it is the scheme's default. */
  port: string;
  /** Path, `/` at least. */
  path: string;
  /** Query string without `?`. */
  query: string;
  /** Query parameters, values as written (not decoded). */
  queryKey: Record<string, string>;
}

/**
 * Parses a URI with the platform's URL parser; a URI without a scheme is read as `http://…`.
 * @param str the URI, at most 8000 characters
 * @throws Error when the URI is too long or invalid
 * @example
 * ```ts
 * parseUri('localhost:3000/chat').port;   // '3000' (read as http://localhost:3000/chat)
 * ```
 */
export function parseUri(str: string): ParsedUri {
  if (str.length > 8000) throw new Error('URI too long');
  const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(str) ? str : 'http://' + str);
  const query = u.search.slice(1);
  const queryKey: Record<string, string> = {};
  query.replace(/(?:^|&)([^&=]*)=?([^&]*)/g, (_m, k: string, v: string) => {
    if (k) queryKey[k] = v;
    return '';
  });
  return {
    source: str,
    protocol: u.protocol.slice(0, -1),
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port,
    path: u.pathname,
    query,
    queryKey,
  };
}

/**
 * A short random cache-busting token (timestamp-based, as the reference).
 * @example
 * ```ts
 * const uri = `${base}?EIO=4&transport=polling&t=${randomString()}`;
 * ```
 */
export function randomString(): string {
  return Date.now().toString(36).substring(3) + Math.random().toString(36).substring(2, 5);
}
