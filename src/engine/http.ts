/**
 * HTTP helpers of the engine server: the parsed query of a request, header validation, and the stand-in
 * response of upgrade requests seen by middlewares.
 *
 * Must never import the server, the session or the transports.
 *
 * @example
 * ```ts
 * const ereq = prepareRequest(req); // ereq._query.EIO, ereq._query.transport…
 * ```
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineRequest } from './transports/index.js';

/** The stand-in response of a connection, while its upgrade is being answered. */
const kResponse = Symbol('socketeer.upgradeResponse');
type ResponseOwner = Duplex & { [kResponse]?: UpgradeResponse };

/** A connection's `close` listener, shared: tells the stand-in response of its upgrade. */
function forwardClose(this: ResponseOwner): void {
  const res = this[kResponse];
  if (res === undefined) return;
  res.release();
  res.emit('close');
}

/** Headers a `headers` listener may change on an upgrade response. */
export type HeaderBag = Record<string, string | number | string[]>;

/**
 * Stands in for the response of an upgrade request while the middlewares run: collects the headers they set
 * (sent with the 101); a middleware that ends it refuses the upgrade.
 * @example
 * ```ts
 * const res = new UpgradeResponse(socket);
 * runChain(middlewares, [req, res], (err) => (err ? refuse() : accept(res.headers)));
 * ```
 */
export class UpgradeResponse extends EventEmitter {
  readonly headers: HeaderBag = {};
  headersSent = false;
  writableEnded = false;

  constructor(private readonly socket: Duplex) {
    super();
    // middlewares may watch the response's 'close' until the upgrade is answered
    (socket as ResponseOwner)[kResponse] = this;
    socket.on('close', forwardClose);
  }

  /**
   * Lets go of the connection once the upgrade is answered (accepted or refused): the stand-in is not kept
   * alive by the connection it stood for, and emits no `close` after this.
   * @example
   * ```ts
   * res.release(); // the 101 is being written (or the upgrade refused)
   * ```
   */
  release(): void {
    const socket = this.socket as ResponseOwner;
    if (socket[kResponse] !== this) return;
    socket[kResponse] = undefined;
    socket.removeListener('close', forwardClose);
  }
  /**
   * Stores a header for the 101 response.
   * @example
   * ```ts
   * res.setHeader('x-served-by', 'node-1'); // sent with the 101
   * ```
   */
  setHeader(name: string, value: string | number | string[]): this {
    this.headers[name] = value;
    return this;
  }
  /**
   * Reads a stored header.
   * @example
   * ```ts
   * res.getHeader('x-served-by'); // 'node-1'
   * ```
   */
  getHeader(name: string): string | number | string[] | undefined {
    return this.headers[name];
  }
  /**
   * Drops a stored header.
   * @example
   * ```ts
   * res.removeHeader('x-served-by');
   * ```
   */
  removeHeader(name: string): void {
    delete this.headers[name];
  }
  /**
   * Bodies are not sent on an upgrade.
   * @example
   * ```ts
   * res.write(); // true: ignored
   * ```
   */
  write(): boolean {
    return true;
  }
  /**
   * The status line is written by `ws`.
   * @example
   * ```ts
   * res.writeHead(); // ignored: ws writes the 101
   * ```
   */
  writeHead(): this {
    return this;
  }
  /**
   * A middleware that ends the response refuses the upgrade: the connection is destroyed.
   * @example
   * ```ts
   * res.end(); // a middleware refusing the upgrade: the connection is destroyed
   * ```
   */
  end(): this {
    this.writableEnded = true;
    this.emit('finish');
    this.socket.destroy();
    return this;
  }
}

/** A query that URLSearchParams would decode or split differently from a plain split on `&` and `=`. */
const NEEDS_DECODING = /[%+#;]/;

/** A character outside HTAB, SP, VCHAR and obs-text. */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * True if a header value contains a character outside field-vchar/SP/HTAB.
 * @param value the header value
 * @example
 * ```ts
 * hasInvalidHeaderChar('https://a.example\n'); // true
 * ```
 */
export function hasInvalidHeaderChar(value: string | undefined): boolean {
  return value !== undefined && INVALID_HEADER_CHAR.test(value);
}

/**
 * Parses the query string of a request URL into a plain object (last value wins).
 * @param url the request URL
 * @example
 * ```ts
 * parseQuery('/engine.io/?EIO=4&transport=polling'); // { EIO: '4', transport: 'polling' }
 * ```
 */
export function parseQuery(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  const q = url.indexOf('?');
  if (q === -1) return query;
  const search = url.slice(q + 1);
  // the common query (`EIO=4&transport=websocket&sid=…`) has nothing to decode: split it by hand
  if (!NEEDS_DECODING.test(search)) {
    let start = 0;
    while (start <= search.length) {
      let end = search.indexOf('&', start);
      if (end === -1) end = search.length;
      if (end > start) {
        const eq = search.indexOf('=', start);
        const key = eq === -1 || eq > end ? search.slice(start, end) : search.slice(start, eq);
        const value = eq === -1 || eq > end ? '' : search.slice(eq + 1, end);
        if (key === '__proto__') Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
        else query[key] = value;
      }
      start = end + 1;
    }
    return query;
  }
  for (const [key, value] of new URLSearchParams(search)) {
    if (key === '__proto__') Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
    else query[key] = value;
  }
  return query;
}

/**
 * Gives a request its parsed query (`_query`, kept for socket.io compatibility) once.
 * @param req the request
 * @returns the same request, typed
 * @example
 * ```ts
 * prepareRequest(req)._query.sid;
 * ```
 */
export function prepareRequest(req: IncomingMessage): EngineRequest {
  const r = req as EngineRequest;
  if (!r._query) r._query = parseQuery(req.url ?? '');
  return r;
}
