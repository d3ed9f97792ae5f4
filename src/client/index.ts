/**
 * Socketeer client: a drop-in for `socket.io-client` 4.8, for Node.js and browsers.
 *
 * ```ts
 * import { io } from 'socketeer/client';
 * const socket = io('http://localhost:3000', { auth: { token: 'abc' } });
 * socket.on('connect', () => socket.emit('hello', 'world'));
 * const admin = io('http://localhost:3000/admin'); // same connection, another namespace
 * ```
 *
 * Differences from `socket.io-client` 4.8: no WebTransport (the name is skipped in `transports`);
 * browsers poll with `fetch` (credentials `include` with `withCredentials`, else `same-origin`,
 * as XMLHttpRequest); closing a session whose handshake is still pending aborts the request
 * instead of waiting for it; the message of the error for a v2 server is shorter.
 *
 * Owns the `socketeer/client` entry and the Manager cache of `io()`. Must never import server or server-engine
 * code (`src/server/`, `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { SOCKET_PROTOCOL } from '../protocol/index.js';
import { Manager, type ManagerOptions } from './manager.js';
import { Socket, type SocketOptions } from './socket.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';
import { url } from './url.js';

const cache: Record<string, Manager> = {};

/**
 * Returns a socket for the namespace of `uri` (its path), sharing the Manager of the same
 * origin and path unless `forceNew`, `multiplex: false`, or that namespace already has a socket.
 * Without `uri`, the page's origin and the main namespace.
 * @param opts Manager and socket options
 * @example
 * ```ts
 * import { io } from 'socketeer/client';
 *
 * const socket = io();                                   // the page's origin, namespace '/'
 * const admin = io('https://example.com/admin', {        // namespace '/admin'
 *   auth: (cb) => cb({ token: sessionStorage.token }),
 *   transports: ['websocket'],
 * });
 * socket.on('connect', () => console.log(socket.id));
 * socket.on('chat', (msg) => console.log(msg));
 * ```
 */
function lookup<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<ListenEvents, EmitEvents>;
/**
 * @param uri server URL, with the namespace as its path (defaults to the page's origin)
 * @param opts Manager and socket options
 */
function lookup<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
  uri?: string,
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<ListenEvents, EmitEvents>;
/**
 * @param uri server URL (with the namespace as its path), or the options
 * @param opts Manager and socket options
 */
function lookup<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
  uri?: string | Partial<ManagerOptions & SocketOptions>,
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket<ListenEvents, EmitEvents>;
function lookup(
  uri?: string | Partial<ManagerOptions & SocketOptions>,
  opts?: Partial<ManagerOptions & SocketOptions>,
): Socket {
  if (typeof uri === 'object') {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  const parsed = url(uri, opts.path || '/socket.io');
  const source = parsed.source;
  const id = parsed.id;
  const path = parsed.path;
  const sameNamespace = cache[id] && path in cache[id].nsps;
  const newConnection =
    opts.forceNew || (opts as Record<string, unknown>)['force new connection'] || opts.multiplex === false || sameNamespace;
  let io: Manager;
  if (newConnection) {
    io = new Manager(source, opts);
  } else {
    if (!cache[id]) cache[id] = new Manager(source, opts);
    io = cache[id];
  }
  if (parsed.query && !opts.query) opts.query = parsed.queryKey;
  return io.socket(parsed.path, opts);
}

Object.assign(lookup, { Manager, Socket, io: lookup, connect: lookup });

/** Socket.IO protocol revision. */
export const protocol = SOCKET_PROTOCOL;

export { Manager, Socket, lookup as io, lookup as connect, lookup as default, url };
/** Transport classes under the reference client's names (usable in the `transports` option). */
export {
  Polling as XHR,
  Polling as Fetch,
  Polling as NodeXHR,
  WebSocketTransport as WebSocket,
  WebSocketTransport as NodeWebSocket,
} from './engine/index.js';
export { Presence, type PresenceEvents, type PresenceSource, type PresenceMeta, type PresenceState } from './presence.js';
export type { ManagerOptions, ManagerReservedEvents, CustomParser } from './manager.js';
export type { SocketOptions, SocketReservedEvents, DisconnectDescription, ExtendedError } from './socket.js';
export type { ClientDisconnectReason } from './socket-host.js';
export type { EngineOptions } from './engine/options.js';
export { DISCONNECT_DETAILS_EVENT, DisconnectReasons, type DisconnectDetails } from '../protocol/disconnect.js';
export type { EngineSocket, HandshakeData } from './engine/session.js';
export type { TransportError } from './engine/transport.js';
export type {
  EventsMap,
  DefaultEventsMap,
  EventNames,
  EventParams,
  DecorateAcknowledgements,
  AllButLast,
  Last,
  FirstArg,
} from './typed-events.js';
