/**
 * Disconnecting a socket from its namespace with a reason of its own, told to the client.
 *
 * Owns `disconnectWithReason`. Must never import the engine or the client.
 */
import { PacketType, type Packet } from '../../protocol/index.js';
import type { DisconnectDetails } from '../../protocol/disconnect.js';
import type { Socket } from '../socket.js';
import type { DisconnectReason } from '../socket-types.js';

/** Options of {@link disconnectWithReason}. */
export interface DisconnectWithReasonOptions {
  /** a sentence for people, sent to the client with the reason */
  message?: string;
  /** anything else for the client (e.g. `{ retryAfter }`) */
  data?: unknown;
  /** a packet written after the details and before the DISCONNECT */
  before?: Packet;
}

/**
 * Disconnects a socket from its namespace: the client gets the `socketeer:disconnect` event with `reason` (and
 * `message`, `data`), then a DISCONNECT packet (`io server disconnect` for the official client; the Socketeer
 * client gives the details with it); the server-side socket fires `disconnecting`/`disconnect` with `reason`
 * and the details as description.
 * @param socket the socket
 * @param reason the reason given to server-side listeners and to the client (e.g. `credentials expired`)
 * @param opts a message and data for the client
 * @returns true if the socket was connected
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.on('disconnect', (reason) => console.log(reason));   // 'account closed'
 *   disconnectWithReason(socket, 'account closed', { message: 'This account was closed' });
 * });
 * ```
 */
export function disconnectWithReason(socket: Socket, reason: string, opts: DisconnectWithReasonOptions = {}): boolean {
  if (!socket.connected) return false;
  const details: DisconnectDetails = { reason };
  if (opts.message !== undefined) details.message = opts.message;
  if (opts.data !== undefined) details.data = opts.data;
  socket.sendDisconnectDetails(details);
  if (opts.before !== undefined) socket.packet(opts.before);
  socket.packet({ type: PacketType.DISCONNECT, nsp: socket.nsp.name });
  // same as Socket#disconnect(), with the given reason
  // an application's own reason (e.g. 'account closed') reaches the listeners as given
  socket.leaveNamespace(reason as DisconnectReason, details);
  return true;
}
