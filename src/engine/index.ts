/** The Engine.IO server transport layer. */
export { EngineServer } from './server.js';
export type { AttachOptions, EngineConnectionError, EngineMiddleware } from './server.js';
export { EngineSocket } from './socket.js';
export type { EngineSocketState } from './socket.js';
export type { SendOptions, SharedFrame, EngineRequest, OutgoingPacket, IncomingPacket } from './transports/index.js';
export type { TransportEntry, TransportCreateOptions } from './transports/index.js';
export { Transport, Polling, JsonpPolling, WebSocketTransport, transportEntry, availableUpgrades } from './transports/index.js';
export type { EngineOptions, ResolvedEngineOptions, TransportName, HttpCompressionOptions, AllowRequestCallback, UnknownSidHandler } from './options.js';
export type { CookieOptions } from './cookie.js';
export { EngineErrors, EngineErrorMessages } from './errors.js';
export type { EngineErrorCode } from './errors.js';
