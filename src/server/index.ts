/**
 * Socketeer's Socket.IO server, a drop-in for the `socket.io` package:
 *
 * ```ts
 * import { Server } from 'socketeer';
 * const io = new Server(httpServer, { cors: { origin: '*' } });
 * io.on('connection', (socket) => socket.emit('hello', 'world'));
 * ```
 */
export { Server } from './server.js';
export type { ServerOptions, ParentNspNameMatchFn, TServerInstance, CustomParser, CustomDecoder } from './server.js';
export type { ShutdownOptions, GracefulShutdownOptions } from './shutdown.js';
export { Namespace } from './namespace.js';
export type { ExtendedError, NamespaceReservedEventsMap, ServerReservedEventsMap } from './namespace.js';
export { ParentNamespace } from './parent-namespace.js';
export { Socket } from './socket.js';
export type { Event } from './socket.js';
export { Connection, Client } from './connection.js';
export { BroadcastOperator, RemoteSocket } from './broadcast-operator.js';
export { Adapter, broadcastWriteOptions } from './adapter.js';
export type {
  AdapterConstructor,
  BroadcastFlags,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketDetails,
  SocketId,
  WriteOptions,
} from './adapter.js';
export { MemoryAdapter, SessionAwareAdapter } from './adapters/memory.js';
export type { DisconnectReason, Handshake, SocketReservedEventsMap } from './socket-types.js';
export type { HandlerErrorContext, HandlerErrorKind, HandlerErrorListener } from './handler-errors.js';
export type { EngineConnection, EngineLike, EngineOptions, AttachOptions } from './engine.js';
export type {
  DefaultEventsMap,
  EventsMap,
  EventNames,
  EventParams,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  RemoveAcknowledgements,
} from './typed-events.js';
