/**
 * The Engine.IO client: the session and its transports.
 *
 * Owns the engine folder's public surface (re-exports only). Must never import server or server-engine code
 * (`src/server/`, `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
export { EngineSocket, TRANSPORTS } from './session.js';
export type { EngineEvents, HandshakeData } from './session.js';
export { Polling } from './polling.js';
export { WebSocketTransport } from './websocket.js';
export { Transport, TransportError } from './transport.js';
export type { TransportCtor, TransportOptions, OutgoingPacket } from './transport.js';
export type { EngineOptions } from './options.js';
