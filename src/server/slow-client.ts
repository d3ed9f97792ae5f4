/**
 * The Socket.IO side of backpressure: a socket of a slow client disconnected with its own reason, told to the
 * client, and a promise for the end of a full connection's backpressure.
 *
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.on('disconnect', (reason) => reason === 'slow client' && console.log(socket.id, 'did not keep up'));
 * });
 * ```
 *
 * Owns `disconnectSlowClient` and `drained`. Must never import the server, namespace or connection modules.
 */
import { DisconnectReasons } from '../protocol/disconnect.js';
import { disconnectWithReason } from './auth/close.js';
import type { EngineConnection } from './engine.js';
import type { Socket } from './socket.js';

/** The sentence sent to a slow client with its reason. */
const SLOW_CLIENT_MESSAGE = 'The client did not read what it was sent in time';

/**
 * Disconnects a socket of a slow client: the client gets `socketeer:disconnect` with `{ reason: 'slow client',
 * message, data: { bufferedBytes } }` then DISCONNECT; the server-side socket fires `disconnecting` and
 * `disconnect` with reason `slow client`.
 * @param socket the socket
 * @param bufferedBytes the bytes buffered for the client when the policy fired
 * @example
 * ```ts
 * engine.on('slowClient', (conn, bytes) => socketsOf(conn).forEach((s) => disconnectSlowClient(s, bytes)));
 * ```
 */
export function disconnectSlowClient(socket: Socket, bufferedBytes: number): void {
  disconnectWithReason(socket, DisconnectReasons.SLOW_CLIENT, { message: SLOW_CLIENT_MESSAGE, data: { bufferedBytes } });
}

/**
 * Resolves once the connection is under its high-water mark: at once if it is, else at its next `drain`; rejects
 * if the connection closes first.
 * @param conn the engine connection
 * @example
 * ```ts
 * if (!socket.emit('chunk', data)) await drained(socket.conn);
 * ```
 */
export function drained(conn: EngineConnection): Promise<void> {
  if (conn.writableNeedDrain !== true) return Promise.resolve();
  if (conn.readyState !== 'open') return Promise.reject(new Error('connection closed'));
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      conn.removeListener('close', onClose);
      // a slow client's close flushes its last words with a `drain` too
      if (conn.readyState === 'open') resolve();
      else reject(new Error('connection closed'));
    };
    const onClose = (reason: string): void => {
      conn.removeListener('drain', onDrain);
      reject(new Error(`connection closed (${reason})`));
    };
    conn.once('drain', onDrain);
    conn.once('close', onClose);
  });
}
