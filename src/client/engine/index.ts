/**
 * The Engine.IO client: the session and its transports.
 */
export { EngineSocket, TRANSPORTS } from './session.js';
export type { EngineEvents, HandshakeData } from './session.js';
export { Polling } from './polling.js';
export { WebSocketTransport } from './websocket.js';
export { Transport, TransportError } from './transport.js';
export type { TransportCtor, TransportOptions, OutgoingPacket } from './transport.js';
export type { EngineOptions } from './options.js';
