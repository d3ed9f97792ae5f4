/**
 * A minimal cookie jar for Node.js clients with `withCredentials: true`: it keeps the cookies
 * of `Set-Cookie` response headers (e.g. the sticky-session `io` cookie) and replays them on
 * the following polling requests and on the WebSocket upgrade, as a browser would.
 *
 * ```ts
 * const jar = new CookieJar();
 * jar.parseCookies(['io=abc; Path=/; HttpOnly']);
 * jar.cookiePairs(); // ['io=abc']
 * ```
 *
 * Owns `CookieJar`. Imports only its types (`env/types.ts`); never Node.js built-ins nor server code.
 */
import type { CookieStore } from './types.js';

/** One stored cookie. */
export interface Cookie {
  name: string;
  value: string;
  expires?: Date;
}

/**
 * Parses one `Set-Cookie` header value.
 * @param setCookie the header value
 * @param now current time in ms (for `Max-Age`)
 * @returns the cookie, or undefined when the value has no name
 * @example
 * ```ts
 * parseSetCookie('io=abc; Path=/; Max-Age=60');   // { name: 'io', value: 'abc', expires: <now + 60 s> }
 * ```
 */
export function parseSetCookie(setCookie: string, now = Date.now()): Cookie | undefined {
  const parts = setCookie.split(';');
  const first = parts[0]!;
  const eq = first.indexOf('=');
  if (eq === -1) return undefined;
  const name = first.substring(0, eq).trim();
  if (!name.length) return undefined;
  let value = first.substring(eq + 1).trim();
  if (value.charCodeAt(0) === 0x22 && value.length >= 2 && value.endsWith('"')) value = value.slice(1, -1);
  const cookie: Cookie = { name, value };
  let maxAgeSeen = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const sep = part.indexOf('=');
    if (sep === -1) continue;
    const key = part.substring(0, sep).trim().toLowerCase();
    const val = part.substring(sep + 1).trim();
    if (key === 'max-age') {
      // Max-Age wins over Expires (RFC 6265 §5.3); zero, negative or invalid expires at once.
      const delta = /^-?\d+$/.test(val) ? parseInt(val, 10) : NaN;
      cookie.expires = isNaN(delta) || delta <= 0 ? new Date(0) : new Date(now + delta * 1000);
      maxAgeSeen = true;
    } else if (key === 'expires' && !maxAgeSeen) {
      const expires = new Date(val);
      cookie.expires = isNaN(expires.getTime()) ? new Date(0) : expires;
    }
  }
  return cookie;
}

/**
 * Cookies by name; expired ones are dropped when read.
 * @example
 * ```ts
 * const jar = new CookieJar();
 * jar.parseCookies(res.headers['set-cookie']);
 * headers.cookie = jar.cookiePairs().join('; ');
 * ```
 */
export class CookieJar implements CookieStore {
  private readonly cookies = new Map<string, Cookie>();

  /**
   * Stores the cookies of `Set-Cookie` header values (an expired cookie deletes the stored one).
   * @param values the header values, if any
   * @example
   * ```ts
   * jar.parseCookies(['io=abc; Path=/', 'lb=node-2; HttpOnly']);
   * ```
   */
  parseCookies(values: string[] | undefined): void {
    if (!values) return;
    for (const value of values) {
      const cookie = parseSetCookie(value);
      if (cookie) this.cookies.set(cookie.name, cookie);
    }
  }

  /**
   * @returns `name=value` for every unexpired cookie
   * @example
   * ```ts
   * jar.cookiePairs();   // ['io=abc', 'lb=node-2']
   * ```
   */
  cookiePairs(): string[] {
    const now = Date.now();
    const out: string[] = [];
    for (const [name, cookie] of this.cookies) {
      if (cookie.expires !== undefined && cookie.expires.getTime() <= now) {
        this.cookies.delete(name);
        continue;
      }
      out.push(name + '=' + cookie.value);
    }
    return out;
  }
}
