/**
 * Socketeer's Socket.IO server, a drop-in for the `socket.io` package:
 *
 * ```ts
 * import { Server } from 'socketeer';
 * const io = new Server(httpServer, { cors: { origin: '*' } });
 * io.on('connection', (socket) => socket.emit('hello', 'world'));
 * ```
 *
 * Owns: the public surface of the server (what `socketeer` exports). Must never export a module's internals beyond
 * its public classes, contracts and types.
 */
export { Server } from './server.js';
export type { ServerOptions, ParentNspNameMatchFn, TServerInstance, CustomParser, CustomDecoder } from './server.js';
export type { ShutdownOptions, GracefulShutdownOptions } from './shutdown.js';
export { Namespace } from './namespace.js';
export type { ExtendedError, NamespaceReservedEventsMap, ServerReservedEventsMap } from './namespace.js';
export { ParentNamespace } from './parent-namespace.js';
export { Socket } from './socket.js';
export type { Event, PacketMiddleware, SocketHost, SocketLink, SocketRef } from './socket.js';
export { Connection, Client } from './connection.js';
export { ProbeSlot, type NamespaceRefusal, type ServerProbe } from './probe.js';
export type { ConnectionHost } from './connection.js';
export type { ProtocolVersion } from './protocol-version.js';
export type { NamespaceRegistry } from './namespace-registry.js';
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
export { isLocalSocket, type AdapterNamespace, type AdapterServerOptions, type AdapterSocket, type FetchedSocket, type PacketEncoder, type RemoteSocketDetails } from './adapter.js';
export { MemoryAdapter, SessionAwareAdapter } from './adapters/memory.js';
export {
  Presence, PresenceError, type PresenceErrorCode, type PresenceOptions, type PresenceMeta, type PresenceState, type PresenceDiff,
  type PresenceSocket, type PresenceNamespace, type PresenceReadOptions, type PresenceListener,
  type PresenceChannel, type PresenceReceiver, type PresenceReplicatingAdapter,
} from './presence/index.js';
export type { DisconnectReason, Handshake, SocketReservedEventsMap } from './socket-types.js';
export { DISCONNECT_DETAILS_EVENT, DisconnectReasons, type DisconnectDetails } from '../protocol/disconnect.js';
export type { ErrorReporter, HandlerErrorContext, HandlerErrorKind, HandlerErrorListener } from './handler-errors.js';
export type { EngineConnection, EngineLike, EngineOptions, AttachOptions } from './engine.js';
export type { BackpressureOptions, SlowClientOptions } from '../engine/backpressure.js';
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
