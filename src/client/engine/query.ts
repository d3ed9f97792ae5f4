/**
 * Query strings and URIs as the reference Engine.IO client reads and writes them.
 */

/**
 * Encodes an object as a query string (`a=1&b=x%20y`), own enumerable keys in order.
 * @param obj the parameters
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

/** The parts of a parsed URI (all strings, empty when absent). */
export interface ParsedUri {
  source: string;
  protocol: string;
  authority: string;
  userInfo: string;
  user: string;
  password: string;
  host: string;
  port: string;
  relative: string;
  path: string;
  directory: string;
  file: string;
  query: string;
  anchor: string;
  pathNames: string[];
  queryKey: Record<string, string>;
  ipv6uri?: boolean;
}

const URI_RE =
  /^(?:(?![^:@\/?#]+:[^:@\/]*@)(http|https|ws|wss):\/\/)?((?:(([^:@\/?#]*)(?::([^:@\/?#]*))?)?@)?((?:[a-f0-9]{0,4}:){2,7}[a-f0-9]{0,4}|[^:\/?#]*)(?::(\d*))?)(((\/(?:[^?#](?![^?#\/]*\.[^?#\/.]+(?:[?#]|$)))*\/?)?([^?#\/]*))(?:\?([^#]*))?(?:#(.*))?)/;
const URI_PARTS = [
  'source', 'protocol', 'authority', 'userInfo', 'user', 'password', 'host',
  'port', 'relative', 'path', 'directory', 'file', 'query', 'anchor',
] as const;

/**
 * Parses a URI the way the reference client does (IPv6 hosts in brackets supported).
 * @param str the URI, at most 8000 characters
 * @throws Error when the URI is too long
 */
export function parseUri(str: string): ParsedUri {
  if (str.length > 8000) throw new Error('URI too long');
  const src = str;
  const b = str.indexOf('[');
  const e = str.indexOf(']');
  if (b !== -1 && e !== -1) {
    str = str.substring(0, b) + str.substring(b, e).replace(/:/g, ';') + str.substring(e, str.length);
  }
  const m = URI_RE.exec(str || '')!;
  const uri = {} as ParsedUri;
  for (let i = 0; i < URI_PARTS.length; i++) (uri as unknown as Record<string, string>)[URI_PARTS[i]!] = m[i] || '';
  if (b !== -1 && e !== -1) {
    uri.source = src;
    uri.host = uri.host.substring(1, uri.host.length - 1).replace(/;/g, ':');
    uri.authority = uri.authority.replace('[', '').replace(']', '').replace(/;/g, ':');
    uri.ipv6uri = true;
  }
  const names = uri.path.replace(/\/{2,9}/g, '/').split('/');
  if (uri.path.slice(0, 1) === '/' || uri.path.length === 0) names.splice(0, 1);
  if (uri.path.slice(-1) === '/') names.splice(names.length - 1, 1);
  uri.pathNames = names;
  const queryKey: Record<string, string> = {};
  uri.query.replace(/(?:^|&)([^&=]*)=?([^&]*)/g, (_m, k: string, v: string) => {
    if (k) queryKey[k] = v;
    return '';
  });
  uri.queryKey = queryKey;
  return uri;
}

/**
 * A short random cache-busting token (timestamp-based, as the reference).
 */
export function randomString(): string {
  return Date.now().toString(36).substring(3) + Math.random().toString(36).substring(2, 5);
}
