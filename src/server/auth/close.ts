/**
 * Disconnecting a socket from its namespace with a reason of its own.
 *
 * Owns `disconnectWithReason`. Must never import the engine or the client.
 */
import { PacketType } from '../../protocol/index.js';
import type { Socket } from '../socket.js';
import type { DisconnectReason } from '../socket-types.js';

/**
 * Disconnects a socket from its namespace: the client gets a DISCONNECT packet (`io server disconnect` for
 * clients without the credentials extension), the server-side socket fires `disconnecting`/`disconnect` with
 * `reason`.
 * @param socket the socket
 * @param reason the reason given to server-side listeners (e.g. `credentials expired`)
 * @returns true if the socket was connected
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.on('disconnect', (reason) => console.log(reason));   // 'account closed'
 *   disconnectWithReason(socket, 'account closed');
 * });
 * ```
 */
export function disconnectWithReason(socket: Socket, reason: string): boolean {
  if (!socket.connected) return false;
  socket.packet({ type: PacketType.DISCONNECT, nsp: socket.nsp.name });
  // same as Socket#disconnect(), with the given reason
  // an application's own reason (e.g. 'account closed') reaches the listeners as given
  socket.leaveNamespace(reason as DisconnectReason);
  return true;
}
