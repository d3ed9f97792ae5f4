/**
 * The Manager's public option and event types: `ManagerOptions` (which include the Engine.IO options),
 * `ManagerReservedEvents`, and `CustomParser` (a `socket.io-parser`-shaped parser, e.g. MessagePack).
 *
 * Owns these types only: must never import anything at run time, and never server code.
 *
 * @example
 * ```ts
 * const opts: Partial<ManagerOptions> = { reconnectionDelayMax: 10000, transports: ['websocket'] };
 * const manager = new Manager('https://example.com', opts);
 * ```
 */
import type { Packet } from '../protocol/index.js';
import type { EngineOptions } from './engine/options.js';
import type { DisconnectDescription } from './socket-host.js';

/** Manager options (they include the Engine.IO options). */
export interface ManagerOptions extends EngineOptions {
  /** Always create a new Manager in `io()` (default false). */
  forceNew?: boolean;
  /** Share Managers between `io()` calls for the same origin (default true). */
  multiplex?: boolean;
  /** Engine.IO path (default `/socket.io`). */
  path?: string;
  /** Reconnect automatically (default true). */
  reconnection?: boolean;
  /** Attempts before giving up (default Infinity). */
  reconnectionAttempts?: number;
  /** First delay in ms (default 1000). */
  reconnectionDelay?: number;
  /** Upper bound of the delay in ms (default 5000). */
  reconnectionDelayMax?: number;
  /** Jitter, 0..1 (default 0.5). */
  randomizationFactor?: number;
  /** Bound of each Engine.IO open in ms, or false (default 20000). */
  timeout?: number | false;
  /** Connect at once (default true). */
  autoConnect?: boolean;
  /** Custom Socket.IO parser with `Encoder` and `Decoder` classes, as `socket.io-parser` (e.g. a msgpack parser). */
  parser?: CustomParser;
  /**
   * The deepest JSON payload accepted from the server, the outer array being level 1 (default: unlimited, the
   * server being trusted); a deeper packet closes the connection with `parse error`. Not applied to a custom `parser`.
   */
  maxNestingDepth?: number;
}

/** Events a Manager emits. */
export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

/** A Socket.IO parser in the shape of `socket.io-parser`'s exports. */
export interface CustomParser {
  Encoder: new () => { encode(packet: Packet): Array<string | Uint8Array | ArrayBuffer> };
  Decoder: new () => {
    add(chunk: unknown): void;
    on(ev: 'decoded', fn: (packet: Packet) => void): unknown;
    destroy(): void;
  };
}

