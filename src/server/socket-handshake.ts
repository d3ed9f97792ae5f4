/**
 * The handshake details of a server-side socket (`socket.handshake`), built on first read from the connection's
 * first HTTP request and the CONNECT payload.
 *
 * Owns: {@link buildHandshake}. Must never import the socket, namespace, connection or server modules.
 *
 * @example
 * ```ts
 * const handshake = buildHandshake(socket.client, auth, Date.now());
 * console.log(handshake.address, handshake.query, handshake.auth);
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ProtocolVersion } from './protocol-version.js';
import type { Handshake } from './socket-types.js';

/** What the handshake is built from: the connection of the socket. */
export interface HandshakeSource {
  readonly conn: { readonly request: IncomingMessage; readonly remoteAddress: string };
  readonly protocol: ProtocolVersion;
}

/**
 * The query of a request: the one the engine already parsed (`req._query`), else parsed from its URL.
 * @param req the request
 */
function queryOf(req: IncomingMessage | undefined): Handshake['query'] {
  if (req === undefined) return {};
  // `req._query`: socket.io compatibility name of the parsed query, set by the engine
  const parsed = (req as IncomingMessage & { _query?: Handshake['query'] })._query;
  if (parsed) return parsed;
  try {
    return Object.fromEntries(new URL(req.url || '/', 'http://localhost').searchParams);
  } catch {
    return {};
  }
}

/**
 * Builds the handshake details of a socket.
 * @param source the connection
 * @param auth the CONNECT payload
 * @param issued when the CONNECT was handled (ms since the epoch)
 * @returns the details
 * @example
 * ```ts
 * const handshake = buildHandshake(connection, { token: 'abc' }, Date.now());
 * ```
 */
export function buildHandshake(source: HandshakeSource, auth: Record<string, unknown>, issued: number): Handshake {
  const req = source.conn.request as IncomingMessage | undefined;
  const now = new Date(issued);
  return {
    headers: req?.headers || {},
    time: now + '',
    address: source.conn.remoteAddress,
    xdomain: !!req?.headers.origin,
    secure: !req || !!(req.socket as TLSSocket | undefined)?.encrypted,
    issued: +now,
    url: req?.url as string,
    query: source.protocol.handshakeQuery(queryOf(req), auth),
    auth,
  };
}

/**
 * Whether a value is a plain object (prototype `Object.prototype`) without own enumerable keys.
 * @param value the value
 * @example
 * ```ts
 * isEmptyPlainObject({});   // true
 * ```
 */
export function isEmptyPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}
