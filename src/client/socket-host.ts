/**
 * The contract between a client Socket and the connection it is multiplexed on (`SocketHost`, implemented by the
 * Manager), and the Socket's public option and error types. The Socket calls nothing of the Manager but what
 * `SocketHost` declares; the Manager's socket.io-client names (`_packet`, `_destroy`, `_readyState`,
 * `_reconnecting`, `_autoConnect`) stay for compatibility only.
 *
 * Owns: `SocketHost`, `SocketHostEvents`, `SocketOptions`, `SocketReservedEvents`, `ClientDisconnectReason`,
 * `DisconnectDescription`, `ExtendedError`, `OutgoingPacket`. Types only: must never import anything at run time, and never server code.
 *
 * @example
 * ```ts
 * const manager = new Manager('https://example.com');
 * const host: SocketHost = manager;             // what manager.socket('/chat') hands to its Socket
 * host.on('open', () => console.log('session open'));
 * ```
 */
import type { Packet } from '../protocol/index.js';
import type { Socket } from './socket.js';

/** Socket options. */
export interface SocketOptions {
  /** CONNECT payload, or a function producing it, called at every connection attempt. */
  auth: { [key: string]: any } | ((cb: (data: object) => void) => void);
  /** Retries of each emit (turns on the at-least-once queue). */
  retries: number;
  /** Default ack timeout in ms. */
  ackTimeout: number;
}

/** Why a socket disconnected (`Socket.DisconnectReason`). */
export type ClientDisconnectReason =
  | 'io server disconnect'
  | 'io client disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error'
  /** credentials refresh extension: the server let the credentials expire */
  | 'credentials expired'
  /** credentials refresh extension: the server refused the new credentials */
  | 'credentials refused';

/** Why a socket disconnected: the reason's details. */
export type DisconnectDescription = Error | { description: string; context?: unknown };

/** An error with server-provided data (`connect_error`). */
export interface ExtendedError extends Error {
  data?: any;
}

/** Events a Socket emits itself. */
export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: ClientDisconnectReason, description?: DisconnectDescription) => void;
}

/** A packet on its way out, with its write options. */
export type OutgoingPacket = Packet & { options?: { compress?: boolean } };

/** The events of its host a Socket follows. */
export interface SocketHostEvents {
  open: () => void;
  packet: (packet: Packet) => void;
  error: (err: Error) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
}

/**
 * What a Socket needs of the connection it is multiplexed on (implemented by the Manager): the Socket depends on
 * this and on nothing else of the Manager.
 * @example
 * ```ts
 * const host: SocketHost = new Manager('https://example.com', { autoConnect: false });
 * if (host.readyState === 'open') host.sendPacket({ type: PacketType.CONNECT, nsp: '/chat' });
 * ```
 */
export interface SocketHost {
  /** the Engine.IO session, as far as a Socket reads it (undefined before the first open) */
  readonly engine: { readonly transport?: { readonly writable?: boolean }; hasPingExpired(): boolean } | undefined;
  /** the state of the session */
  readonly readyState: 'opening' | 'open' | 'closed';
  /** whether a reconnection is planned or in progress */
  readonly reconnecting: boolean;
  /** whether new sockets connect at once (the `autoConnect` option) */
  readonly autoConnect: boolean;
  /** opens the session (no-op when opening or open) */
  open(): unknown;
  /** encodes and writes a packet */
  sendPacket(packet: OutgoingPacket): void;
  /** a socket is no longer active: the host closes the session when none is left */
  release(socket: Socket<any, any>): void;
  /** the host's timer functions (see the `useNativeTimers` option) */
  setTimeoutFn(fn: () => void, ms: number): unknown;
  clearTimeoutFn(timer: unknown): void;
  /** follows the session: opened, a packet decoded, an error, closed */
  on(ev: 'open', listener: SocketHostEvents['open']): unknown;
  on(ev: 'packet', listener: SocketHostEvents['packet']): unknown;
  on(ev: 'error', listener: SocketHostEvents['error']): unknown;
  on(ev: 'close', listener: SocketHostEvents['close']): unknown;
  /** stops following the session */
  off(ev: keyof SocketHostEvents, listener: SocketHostEvents[keyof SocketHostEvents]): unknown;
}

