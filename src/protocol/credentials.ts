/**
 * The credentials extension on the wire (documented in `docs/auth-extension.md`): event names, reasons, error
 * messages and payload shapes, the one declaration read by both sides (`src/server/auth/`, `src/client/auth/`).
 * They ride in ordinary Socket.IO EVENT and ACK packets, so the Socket.IO protocol is unchanged; the server sends
 * its events only to clients that announced support in their CONNECT payload.
 *
 * Part of `src/protocol/`: constants and types only; it must never import anything (the client bundle includes it).
 *
 * @example
 * ```ts
 * import { ANNOUNCE_KEY, EXTENSION_VERSION, REFRESH_EVENT } from '../protocol/credentials.js';
 *
 * socket.auth = { token, [ANNOUNCE_KEY]: EXTENSION_VERSION };   // {"$credentials":1,"token":…}
 * socket.on(REFRESH_EVENT, (req: RefreshRequest) => refreshSoon(req.deadline));
 * ```
 */

/** CONNECT payload key announcing support (`{"$credentials":1,…auth}`); removed from `handshake.auth`. */
export const ANNOUNCE_KEY = '$credentials';

/** Version of the extension announced by clients and spoken by the server. */
export const EXTENSION_VERSION = 1;

/**
 * Server → client `["$credentials:refresh",{"expiresAt":<ms|null>,"deadline":<ms>,"reason":"expiring"|"reverify"}]`:
 * please refresh now. Client → server `<id>["$credentials:refresh",{"auth":{…}}]`: the new credentials; the
 * server acknowledges `<id>[{"expiresAt":<ms|null>}]` or `<id>[{"error":{"message":…,"data":…}}]`.
 */
export const REFRESH_EVENT = '$credentials:refresh';

/**
 * Server → client `["$credentials:error",{"reason":…,"message":…,"data":…}]`, immediately followed by a
 * DISCONNECT packet of the namespace.
 */
export const ERROR_EVENT = '$credentials:error';

/** Server ↔ server (`serverSideEmit`): `["$credentials:reverify",[<socket id>…]]`, acknowledged with counts. */
export const REVERIFY_EVENT = '$credentials:reverify';

/** Disconnect reason when the credentials expired without a successful refresh. */
export const REASON_EXPIRED = 'credentials expired';

/** Disconnect reason when the server refused the credentials presented in a refresh or a re-verification. */
export const REASON_REFUSED = 'credentials refused';

/** Refresh ack error: a refresh of this socket is already being verified (the client should wait for it). */
export const REFRESH_IN_PROGRESS = 'refresh in progress';

/** Refresh ack error: over `maxRefreshesPerMinute` (`data: { retryAfter: <ms> | null }`, null: never allowed). */
export const REFRESH_RATE_LIMITED = 'too many refreshes';

/** Refresh ack error: the new credentials identify another principal; the socket keeps its identity. */
export const PRINCIPAL_CHANGED = 'principal changed';

/** The reasons a socket may be cut by the credentials extension. */
export type CredentialsDisconnectReason = typeof REASON_EXPIRED | typeof REASON_REFUSED;

/** Body of a server refresh request. */
export interface RefreshRequest {
  /** expiry of the current credentials, ms since the epoch (null: none) */
  expiresAt: number | null;
  /** the server cuts the socket at this time (ms since the epoch) unless refreshed */
  deadline: number;
  /** why the refresh is asked */
  reason: 'expiring' | 'reverify';
}

/** Body of a client refresh. */
export interface RefreshPayload {
  auth: Record<string, unknown>;
}

/** Acknowledgement of a client refresh. */
export type RefreshAck = { expiresAt: number | null } | { error: { message: string; data?: unknown } };

/** Body of the error event. */
export interface CredentialsErrorPayload {
  reason: CredentialsDisconnectReason;
  message: string;
  data?: unknown;
}
