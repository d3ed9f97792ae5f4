/**
 * The contracts of a server-side socket: what a {@link SocketLink} (its connection) and a {@link SocketHost} (its
 * namespace) must offer it. The socket calls nothing else of them; `Connection` and `Namespace` implement these,
 * and a unit test can hand a socket fakes.
 *
 * Owns: these interfaces, the recoverable disconnect reasons and the packet middleware types. Must never import the
 * socket, namespace, connection or server modules.
 *
 * @example
 * ```ts
 * const link: SocketLink = connection;   // a Connection satisfies it
 * const host: SocketHost = namespace;    // a Namespace satisfies it
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { Packet } from '../protocol/index.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import type { Adapter, SocketId, WriteOptions } from './adapter.js';
import type { EngineConnection } from './engine.js';
import type { ErrorReporter } from './handler-errors.js';
import type { ProtocolVersion } from './protocol-version.js';
import type { DisconnectReason } from './socket-types.js';

/** A socket as the contracts name it: by its id. */
export interface SocketRef {
  readonly id: SocketId;
}

/**
 * What a socket needs of its connection (one Engine.IO session): implemented by `Connection`, reachable as
 * `socket.client`.
 * @example
 * ```ts
 * const link: SocketLink = socket.client;
 * link.writePacket({ type: 2, nsp: '/', data: ['hello'] });
 * ```
 */
export interface SocketLink {
  /** The Engine.IO id (private: never sent to other clients). */
  readonly id: string;
  /** The Engine.IO connection. */
  readonly conn: EngineConnection;
  /** The HTTP request that opened the connection. */
  readonly request: IncomingMessage;
  /** The protocol revision of the connection. */
  readonly protocol: ProtocolVersion;
  /**
   * Encodes and writes a packet (dropped once the connection is closed).
   * @param packet the packet
   * @param opts write options
   */
  writePacket(packet: Packet, opts?: WriteOptions): void;
  /**
   * Writes encoded packet parts (adapters: encode once, write to many).
   * @param encoded the header text and its binary attachments (or a single part)
   * @param opts write options
   * @returns false when the connection is over its high-water mark (the packet may have been dropped: volatile)
   */
  writeToEngine(encoded: Array<string | Uint8Array> | string | Uint8Array, opts: WriteOptions): boolean;
  /**
   * Forgets a socket that left its namespace.
   * @param socket the socket
   */
  removeSocket(socket: SocketRef): void;
  /**
   * Disconnects every namespace of the connection, then closes it (`socket.disconnect(true)`).
   * @param details why, told to the client in each namespace before its DISCONNECT
   */
  disconnectAll(details?: DisconnectDetails): void;
}

/**
 * What a socket needs of its namespace: implemented by `Namespace`, reachable as `socket.nsp`.
 * @example
 * ```ts
 * const host: SocketHost = socket.nsp;
 * const id = host.nextAckId();
 * ```
 */
export interface SocketHost {
  /** The namespace name. */
  readonly name: string;
  /** The adapter of the namespace. */
  readonly adapter: Adapter;
  /** Where errors of application code are reported (the server's `onError` listeners). */
  readonly errors: ErrorReporter;
  /** Whether connection state recovery is on (sessions saved, emits stored with an offset). */
  readonly recoveryEnabled: boolean;
  /** The next acknowledgement id (shared by the sockets of the namespace). */
  nextAckId(): number;
  /**
   * Forgets a socket that left (or was refused).
   * @param socket the socket
   */
  removeSocket(socket: SocketRef): void;
}

/** Reasons after which a session is kept for connection state recovery. */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<DisconnectReason> = new Set<DisconnectReason>([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/** An incoming event as seen by packet middlewares: `[name, ...args]`, with the ack callback last if any. */
export type Event = [string, ...any[]];

/** A packet middleware (`socket.use`). */
export type PacketMiddleware = (event: Event, next: (err?: Error) => void) => void;
