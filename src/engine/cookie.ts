/**
 * Serialises the session cookie (`io=<sid>; Path=/; HttpOnly; SameSite=Lax`), attribute order
 * and spelling as the `cookie` package.
 *
 * Imports nothing; must never import the rest of the engine.
 *
 * @example
 * ```ts
 * serializeCookie('io', sid, { path: '/', httpOnly: true, sameSite: 'lax' }); // 'io=…; Path=/; HttpOnly; SameSite=Lax'
 * ```
 */

/** Options of the session cookie. */
export interface CookieOptions {
  /** cookie name (default `io`) */
  name?: string;
  path?: string;
  domain?: string;
  /** seconds */
  maxAge?: number;
  expires?: Date;
  httpOnly?: boolean;
  secure?: boolean;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  sameSite?: boolean | 'lax' | 'strict' | 'none';
  /** value encoder (default `encodeURIComponent`) */
  encode?: (value: string) => string;
}

const SAME_SITE: Record<string, string> = { true: 'Strict', lax: 'Lax', strict: 'Strict', none: 'None' };
const PRIORITY: Record<string, string> = { low: 'Low', medium: 'Medium', high: 'High' };

/**
 * Builds one `Set-Cookie` value.
 * @param name cookie name
 * @param value raw value (encoded with `opts.encode` or `encodeURIComponent`)
 * @param opts attributes
 * @returns the header value
 * @example
 * ```ts
 * res.setHeader('Set-Cookie', serializeCookie('io', sid, { path: '/', httpOnly: true }));
 * ```
 */
export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  let str = name + '=' + (opts.encode ?? encodeURIComponent)(value);
  if (opts.maxAge != null) {
    const maxAge = Math.floor(opts.maxAge);
    if (!Number.isFinite(maxAge)) throw new TypeError('option maxAge is invalid');
    str += '; Max-Age=' + maxAge;
  }
  if (opts.domain) str += '; Domain=' + opts.domain;
  if (opts.path) str += '; Path=' + opts.path;
  if (opts.expires) str += '; Expires=' + opts.expires.toUTCString();
  if (opts.httpOnly) str += '; HttpOnly';
  if (opts.secure) str += '; Secure';
  if (opts.partitioned) str += '; Partitioned';
  if (opts.priority) {
    const p = PRIORITY[String(opts.priority).toLowerCase()];
    if (!p) throw new TypeError('option priority is invalid');
    str += '; Priority=' + p;
  }
  if (opts.sameSite) {
    const s = SAME_SITE[typeof opts.sameSite === 'string' ? opts.sameSite.toLowerCase() : String(opts.sameSite)];
    if (!s) throw new TypeError('option sameSite is invalid');
    str += '; SameSite=' + s;
  }
  return str;
}
