/**
 * What the server says when it refuses or ends a socket: the CONNECT_ERROR payload as an Error, and the
 * disconnect details (`socketeer:disconnect`, see `src/protocol/disconnect.ts`) as the `disconnect` event's
 * description.
 *
 * Owns `connectErrorOf`, `readDisconnectDetails`, `describeDisconnect`. Must never import server or server-engine
 * code: the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 *
 * @example
 * ```ts
 * const details = readDisconnectDetails({ reason: 'rate limited', data: { retryAfter: 800 } });
 * socket.on('disconnect', (reason, description) => console.log(description));   // describeDisconnect(details)
 * ```
 */
import { checkDisconnectDetails, type DisconnectDetails } from '../protocol/disconnect.js';
import type { ExtendedError } from './socket-host.js';

/**
 * The `disconnect` description built from the server's details: `{ description: reason, context: details }`,
 * the shape the reference gives its descriptions.
 */
export interface ServerDisconnectDescription {
  /** the server's reason (e.g. `rate limited`) */
  description: string;
  /** everything the server said */
  context: DisconnectDetails;
}

/**
 * The error of a CONNECT_ERROR packet (v5: `{ message, data }`; v4: a string).
 * @param data the packet's data
 * @returns the error for `connect_error`
 * @example
 * ```ts
 * connectErrorOf({ message: 'not authorized', data: { code: 401 } });   // Error('not authorized'), err.data.code === 401
 * ```
 */
export function connectErrorOf(data: any): ExtendedError {
  const err: ExtendedError = new Error(typeof data === 'string' ? data : data?.message);
  if (data && typeof data === 'object') err.data = data.data;
  return err;
}

/**
 * Reads the body of a `socketeer:disconnect` event.
 * @param body what the server sent
 * @returns the details, or undefined for a body that is not details (ignored)
 * @example
 * ```ts
 * readDisconnectDetails({ reason: 'kicked' });   // { reason: 'kicked' }
 * readDisconnectDetails('oops');                 // undefined
 * ```
 */
export function readDisconnectDetails(body: unknown): DisconnectDetails | undefined {
  const checked = checkDisconnectDetails(body);
  return typeof checked === 'string' ? undefined : checked;
}

/**
 * The `disconnect` description of details.
 * @param details the server's details
 * @returns `{ description: details.reason, context: details }`
 * @example
 * ```ts
 * describeDisconnect({ reason: 'kicked' });   // { description: 'kicked', context: { reason: 'kicked' } }
 * ```
 */
export function describeDisconnect(details: DisconnectDetails): ServerDisconnectDescription {
  return { description: details.reason, context: details };
}
