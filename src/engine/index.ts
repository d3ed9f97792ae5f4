/**
 * The Engine.IO server transport layer: its public classes and types, re-exported from their modules.
 *
 * Must never import anything of the Socket.IO layer (`src/server/`) or the client.
 *
 * @example
 * ```ts
 * import { EngineServer } from './engine/index.js';
 * const engine = new EngineServer({ transports: ['websocket'] });
 * ```
 */
export { EngineServer } from './server.js';
export type { AttachOptions, EngineConnectionError, EngineMiddleware } from './server.js';
export { EngineSocket } from './socket.js';
export type { EngineSocketState, EngineCloseReason, EngineSocketEvents } from './socket.js';
export type { SendOptions, SharedFrame, EngineRequest, OutgoingPacket, IncomingPacket } from './transports/index.js';
export type { TransportEntry, TransportCreateOptions } from './transports/index.js';
export { Transport, Polling, JsonpPolling, WebSocketTransport, transportEntry, availableUpgrades } from './transports/index.js';
export type { EngineOptions, ResolvedEngineOptions, TransportName, HttpCompressionOptions, AllowRequestCallback, UnknownSidHandler } from './options.js';
export type { CookieOptions } from './cookie.js';
export type { BackpressureOptions, SlowClientOptions, ResolvedBackpressure } from './backpressure.js';
export { resolveBackpressureOptions, DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK } from './backpressure.js';
export { EngineErrors, EngineErrorMessages } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export type { AllowRequest } from './limits.js';
