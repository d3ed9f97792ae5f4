/**
 * Types shared by the server-side socket and the broadcast operators: the handshake, the disconnect reasons, the
 * reserved events.
 *
 * Owns: these types. Must never import any other server module (only the codec's reserved event names).
 *
 * @example
 * ```ts
 * socket.on('disconnect', (reason: DisconnectReason) => {
 *   if (reason === 'server shutting down') console.log('will reconnect elsewhere');
 * });
 * ```
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ParsedUrlQuery } from 'node:querystring';

/** Why a server-side socket was disconnected (the `disconnecting` and `disconnect` events). */
export type DisconnectReason =
  | 'transport error'
  | 'transport close'
  | 'forced close'
  | 'ping timeout'
  | 'parse error'
  | 'server shutting down'
  | 'forced server close'
  | 'client namespace disconnect'
  | 'server namespace disconnect'
  /** credentials expired and were not refreshed (see `src/server/auth/`) */
  | 'credentials expired'
  /** a refresh or re-verification refused the credentials */
  | 'credentials refused'
  /** sustained abuse of the per-socket event rate limit */
  | 'rate limited'
  /** the client did not read what it was sent (the `slowClient` option) */
  | 'slow client';

/** The events a server-side socket fires on its own. */
export interface SocketReservedEventsMap {
  disconnect: (reason: DisconnectReason, description?: any) => void;
  disconnecting: (reason: DisconnectReason, description?: any) => void;
  error: (err: Error) => void;
}

/** The events every EventEmitter fires on its own. */
export interface EventEmitterReservedEventsMap {
  newListener: (eventName: string | symbol, listener: (...args: any[]) => void) => void;
  removeListener: (eventName: string | symbol, listener: (...args: any[]) => void) => void;
}

/** Event names that cannot be emitted to a client (the codec's list: the one place it is defined). */
export { RESERVED_EVENTS } from '../protocol/socket-packet.js';

/** What the server knows about the connection of a socket, built at CONNECT from the session's first HTTP request. */
export interface Handshake {
  /** The headers of the first HTTP request. */
  headers: IncomingHttpHeaders;
  /** The date of the CONNECT, as `Date#toString()`. */
  time: string;
  /** The IP address of the client. */
  address: string;
  /** Whether the request was cross-domain (an `Origin` header was present). */
  xdomain: boolean;
  /** Whether the connection uses TLS. */
  secure: boolean;
  /** The date of the CONNECT, in ms since the epoch. */
  issued: number;
  /** The URL of the first HTTP request. */
  url: string;
  /** The query parameters of the first HTTP request. */
  query: ParsedUrlQuery;
  /** The CONNECT payload (`{}` when absent). */
  auth: { [key: string]: any };
}
