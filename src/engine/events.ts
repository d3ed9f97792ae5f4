/**
 * The event and callback types of the engine server and its sessions: listener signatures, the close reasons
 * of a session, the payload of `connection_error`, the middleware signature.
 *
 * Types only: imports nothing at run time; must never import the server or session modules other than as types.
 *
 * @example
 * ```ts
 * const onClose: EngineSocketEvents['close'] = (reason: EngineCloseReason) => console.log(reason);
 * engine.on('connection', (socket) => socket.on('close', onClose));
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineErrorCode, EngineErrorContext } from './errors.js';
import type { HeaderBag } from './http.js';
import type { EngineSocket } from './socket.js';
import type { IncomingPacket, OutgoingPacket, Transport } from './transports/index.js';

/** Payload of the `connection_error` event. */
export interface EngineConnectionError {
  req: IncomingMessage;
  code: EngineErrorCode;
  message: string;
  context: EngineErrorContext | undefined;
}

/** An Express-style middleware run before the checks of every request. */
export type EngineMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Listener signatures of `EngineServer` events. */
export interface EngineServerEvents {
  connection: (socket: EngineSocket) => void;
  connection_error: (err: EngineConnectionError) => void;
  initial_headers: (headers: HeaderBag, req: IncomingMessage) => void;
  headers: (headers: HeaderBag, req: IncomingMessage) => void;
  /** a session is about to hand its buffered packets to its transport (emitted only if listened to) */
  flush: (socket: EngineSocket, buffer: OutgoingPacket[]) => void;
  /** a session handed its buffered packets to its transport (emitted only if listened to) */
  drain: (socket: EngineSocket) => void;
  /** the slow-client policy is closing a session (`bufferedBytes` were buffered for it) */
  slowClient: (socket: EngineSocket, bufferedBytes: number) => void;
}

/** Session state. */
export type EngineSocketState = 'opening' | 'open' | 'closing' | 'closed';

/**
 * Why a session closed (the first argument of its `close` event): `'transport close'` — the connection was
 * lost or the client closed it; `'ping timeout'` — no heartbeat in time; `'parse error'` — undecodable input;
 * `'transport error'` — the transport failed (its error is the second argument); `'forced close'` — closed
 * by the server (`close()`); `'slow client'` — the client did not read what it was sent (the `slowClient` option).
 */
export type EngineCloseReason =
  | 'transport close'
  | 'ping timeout'
  | 'parse error'
  | 'transport error'
  | 'forced close'
  /** the slow-client policy closed the session (see the `slowClient` option) */
  | 'slow client';

/** Listener signatures of `EngineSocket` events. */
export interface EngineSocketEvents {
  open: () => void;
  message: (data: string | Buffer | undefined) => void;
  /** alias of `message` (emitted only if listened to) */
  data: (data: string | Buffer | undefined) => void;
  close: (reason: EngineCloseReason, description?: unknown) => void;
  packet: (packet: IncomingPacket) => void;
  packetCreate: (packet: OutgoingPacket) => void;
  heartbeat: () => void;
  /**
   * the buffered packets were handed to the transport; while {@link EngineSocket.writableNeedDrain}, only once
   * back under the low-water mark
   */
  drain: () => void;
  flush: (buffer: OutgoingPacket[]) => void;
  /** the slow-client policy is closing the session; `bufferedBytes` were buffered (last words may still be sent) */
  slowClient: (bufferedBytes: number) => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  error: (err: Error) => void;
}
