/**
 * Disconnect details on the wire: why the server cut a socket, in words a program can read. The Socket.IO
 * DISCONNECT packet carries no reason, so the server sends an ordinary EVENT just before it (or, on a server
 * shutdown, before the connection closes):
 *
 * ```
 * 42/chat,["socketeer:disconnect",{"reason":"rate limited","data":{"retryAfter":800}}]
 * 41/chat,
 * ```
 *
 * Any Socket.IO client can listen to `socketeer:disconnect`; the Socketeer client takes it in and gives the
 * details with its `disconnect` event instead (never to `onAny` or to the application's listeners). The
 * Socket.IO protocol itself is unchanged.
 *
 * Part of `src/protocol/`: constants, types and one pure check; it must never import anything (the client
 * bundle includes it).
 *
 * @example
 * ```ts
 * socket.packet({ type: PacketType.EVENT, nsp: '/', data: [DISCONNECT_DETAILS_EVENT, { reason: 'kicked' }] });
 * ```
 */

/** The event that carries {@link DisconnectDetails}, sent just before the DISCONNECT packet. */
export const DISCONNECT_DETAILS_EVENT = 'socketeer:disconnect';

/** The reasons Socketeer gives itself; an application may give any other string. */
export const DisconnectReasons = {
  /** sustained abuse of the per-socket event rate limit (`data: { retryAfter }`) */
  RATE_LIMITED: 'rate limited',
  /** the client does not read what is sent to it fast enough */
  SLOW_CLIENT: 'slow client',
  /** the credentials expired and were not refreshed */
  CREDENTIALS_EXPIRED: 'credentials expired',
  /** the server refused the credentials (a refresh or a re-verification); `message` says why */
  CREDENTIALS_REFUSED: 'credentials refused',
  /** an operator disconnected the client */
  KICKED: 'kicked',
  /** the server is shutting down (or restarting): the client reconnects, to another server if any */
  SERVER_SHUTTING_DOWN: 'server shutting down',
} as const;

/** Longest reason accepted (characters). */
export const MAX_DISCONNECT_REASON_LENGTH = 200;

/**
 * Why the server disconnected a socket.
 * @example
 * ```ts
 * socket.disconnect(false, { reason: 'kicked', message: 'bye', data: { by: 'admin' } });
 * ```
 */
export interface DisconnectDetails {
  /** machine-readable reason: one of {@link DisconnectReasons}, or the application's own */
  reason: string;
  /** a sentence for people, if the server gives one */
  message?: string;
  /** anything else, as the server gave it (e.g. `{ retryAfter }`) */
  data?: unknown;
}

/**
 * Checks details given by an application or received from the wire.
 * @param value the candidate
 * @returns the details with only the known fields, or an explanation of what is wrong
 * @example
 * ```ts
 * const checked = checkDisconnectDetails({ reason: 'kicked' });
 * if (typeof checked === 'string') throw new TypeError(checked);
 * ```
 */
export function checkDisconnectDetails(value: unknown): DisconnectDetails | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'disconnect details must be an object';
  const { reason, message, data } = value as { reason?: unknown; message?: unknown; data?: unknown };
  if (typeof reason !== 'string' || reason.length === 0) return 'disconnect details need a non-empty string reason';
  if (reason.length > MAX_DISCONNECT_REASON_LENGTH) {
    return `disconnect reason longer than ${MAX_DISCONNECT_REASON_LENGTH} characters`;
  }
  if (message !== undefined && typeof message !== 'string') return 'disconnect message must be a string';
  const details: DisconnectDetails = { reason };
  if (message !== undefined) details.message = message;
  if (data !== undefined) details.data = data;
  return details;
}

/**
 * Checks details given by an application.
 * @param value the candidate
 * @returns the details with only the known fields
 * @throws TypeError saying what is wrong
 * @example
 * ```ts
 * validDisconnectDetails({ reason: 'kicked', extra: 1 });   // { reason: 'kicked' }
 * validDisconnectDetails({});                               // throws TypeError
 * ```
 */
export function validDisconnectDetails(value: unknown): DisconnectDetails {
  const checked = checkDisconnectDetails(value);
  if (typeof checked === 'string') throw new TypeError(checked);
  return checked;
}

/**
 * The details carried by another server's message (a cluster adapter's `disconnectSockets`): checked, and left
 * out when absent or malformed (the sockets are still disconnected).
 * @param value the message's `details` field
 * @returns the details, or undefined
 * @example
 * ```ts
 * adapter.disconnectSockets(opts, close, remoteDetails(message.details));
 * ```
 */
export function remoteDetails(value: unknown): DisconnectDetails | undefined {
  if (value === undefined) return undefined;
  const checked = checkDisconnectDetails(value);
  return typeof checked === 'string' ? undefined : checked;
}
