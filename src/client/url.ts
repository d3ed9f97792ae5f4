/**
 * Resolves the URL given to `io()` into the Engine.IO origin, the namespace (the URL path) and
 * the key under which Managers are shared.
 *
 * ```ts
 * url('http://localhost:3000/admin?x=1');
 * // { protocol: 'http', host: 'localhost', port: '3000', path: '/admin', id: 'http://localhost:3000', href: 'http://localhost:3000', … }
 * ```
 *
 * Owns `url()`. Must never import server or server-engine code (`src/server/`, `src/engine/`): the client pulls
 * only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { parseUri, type ParsedUri } from './engine/query.js';

/** A parsed URL with the Manager cache key (`id`) and origin (`href`). */
export interface Url extends ParsedUri {
  /** Manager cache key: protocol, host, port and the Engine.IO path. */
  id: string;
  /** The origin to connect to. */
  href: string;
}

/** Minimal shape of `window.location` used to resolve relative URLs. */
export interface LocationLike {
  protocol: string;
  host: string;
  port: string;
}

/**
 * Parses and completes a URL as the reference client.
 * @param uri absolute or relative URL (`//host`, `/nsp`, `host:port`); defaults to the page's origin
 * @param path the Engine.IO path, part of the cache key
 * @param loc stand-in for `window.location`
 * @returns the parsed URL
 * @example
 * ```ts
 * import { url } from 'socketeer/client';
 *
 * const u = url('https://example.com/admin', '/socket.io');
 * console.log(u.host, u.path, u.id);   // 'example.com' '/admin' 'https://example.com:443/socket.io'
 * ```
 */
export function url(uri?: string | ParsedUri, path = '', loc?: LocationLike): Url {
  let obj = uri as Url;
  const location_ = loc || (typeof location !== 'undefined' ? (location as LocationLike) : undefined);
  if (uri == null) {
    if (!location_) throw new Error('no URL');
    uri = location_.protocol + '//' + location_.host;
  }
  if (typeof uri === 'string') {
    if (uri.charAt(0) === '/') {
      if (uri.charAt(1) === '/') uri = (location_ ? location_.protocol : 'https:') + uri;
      else if (location_) uri = location_.host + uri;
    }
    if (!/^(https?|wss?):\/\//.test(uri)) {
      uri = location_ ? location_.protocol + '//' + uri : 'https://' + uri;
    }
    obj = parseUri(uri) as Url;
  }
  if (!obj.port) {
    if (/^(http|ws)$/.test(obj.protocol)) obj.port = '80';
    else if (/^(http|ws)s$/.test(obj.protocol)) obj.port = '443';
  }
  obj.path = obj.path || '/';
  const host = obj.host.indexOf(':') !== -1 ? '[' + obj.host + ']' : obj.host;
  obj.id = obj.protocol + '://' + host + ':' + obj.port + path;
  obj.href = obj.protocol + '://' + host + (location_ && location_.port === obj.port ? '' : ':' + obj.port);
  return obj;
}
