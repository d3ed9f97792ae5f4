/**
 * Presence across nodes: `io.presence` / `io.of(name).presence` (see `presence.ts`).
 *
 * ```ts
 * import { Server, PresenceError } from 'socketeer';
 * const io = new Server(httpServer, { presence: { diffInterval: 50 } });
 * io.on('connection', (socket) => io.presence.track(socket, 'lobby', socket.data.userId, { status: 'online' }));
 * ```
 */
export { Presence, type PresenceSocket, type PresenceNamespace, type PresenceReadOptions, type PresenceListener } from './presence.js';
export {
  PresenceError, type PresenceErrorCode, type PresenceOptions, type PresenceMeta, type PresenceState, type PresenceDiff,
  type PresenceChannel, type PresenceReceiver, type PresenceReplicatingAdapter,
} from './types.js';
