/**
 * Every use of the `ws` package's undocumented internals, in one place, pinned to the `ws` versions it was
 * checked against ({@link SUPPORTED_WS_RANGE}; `ws-internals.test.ts` fails when the installed `ws` leaves that
 * range, and checks each internal on a real connection pair). Callers get small functions that degrade when an
 * internal is missing (a `ws`-compatible engine other than `ws`): no raw socket, no direct framing.
 *
 * What is used: a connection's TCP socket (`_socket`), its frame sender (`_sender`, present when frames can be
 * written beside `ws`), and the frame builder `Sender.frame` (a static of the sender's class). Whether
 * permessage-deflate was negotiated is read through the public `extensions` property.
 *
 * Part of the shared toolbox: imports `ws` types and node built-ins only, never anything else of Socketeer.
 *
 * @example
 * ```ts
 * if (canWriteFrames(websocket)) {
 *   const raw = rawSocketOf(websocket)!;
 *   raw.write(Buffer.concat(buildFrame(websocket, '4hello', false)));
 * }
 * ```
 */
import type { Socket as NetSocket } from 'node:net';
import type { WebSocket } from 'ws';

/** The `ws` versions whose internals this module was checked against (a semver range). */
export const SUPPORTED_WS_RANGE = '>=8.23.0 <9.0.0';

/** The internals read here, as `ws` 8 has them. */
interface WsInternals {
  _socket?: NetSocket;
  _sender?: { sendFrame?: unknown; constructor: Partial<FrameBuilder> };
  readonly extensions?: string;
}

/** `ws`'s `Sender` class (the class of a connection's `_sender`), as far as it is used: its static frame builder. */
interface FrameBuilder {
  frame(data: string | Buffer, options: FrameOptions): Buffer[];
}

/** Options of `Sender.frame` for an unmasked server frame. */
interface FrameOptions {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
}

const TEXT_FRAME: FrameOptions = Object.freeze({ fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
const BINARY_FRAME: FrameOptions = Object.freeze({ fin: true, rsv1: false, opcode: 2, mask: false, readOnly: false });

/** Something that may be a `ws` WebSocket (or a compatible one lacking the internals). */
export type WebSocketLike = WebSocket | object;

/**
 * The TCP socket under a `ws` connection.
 * @param ws the connection
 * @returns its socket, or undefined (not `ws`, or not connected yet)
 * @example
 * ```ts
 * rawSocketOf(websocket)?.setNoDelay(true);
 * ```
 */
export function rawSocketOf(ws: WebSocketLike): NetSocket | undefined {
  return (ws as WsInternals)._socket ?? undefined;
}

/**
 * Whether frames may be built with {@link buildFrame} and written to {@link rawSocketOf} beside `ws`: the
 * connection has its socket and frame sender, `Sender.frame` exists, and no permessage-deflate was negotiated
 * (its sender queues frames while compressing, so writes beside it could overtake them).
 * @param ws the connection
 * @example
 * ```ts
 * const direct = canWriteFrames(websocket); // false with permessage-deflate
 * ```
 */
export function canWriteFrames(ws: WebSocketLike): boolean {
  const internals = ws as WsInternals;
  if (internals._socket === undefined || typeof internals._sender?.sendFrame !== 'function') return false;
  if (typeof internals._sender.constructor?.frame !== 'function') return false;
  const extensions = internals.extensions;
  return typeof extensions !== 'string' || !extensions.includes('permessage-deflate');
}

/**
 * Builds one unmasked, uncompressed, final frame with `ws`'s own builder (looked up at each call, so it may be
 * wrapped). Only for connections where {@link canWriteFrames} is true.
 * @param ws the connection (the class of its sender provides the builder)
 * @param data the payload
 * @param binary a binary frame rather than a text frame
 * @returns the frame: header and payload buffers
 * @example
 * ```ts
 * raw.write(Buffer.concat(buildFrame(websocket, Buffer.from([1, 2]), true)));
 * ```
 */
export function buildFrame(ws: WebSocketLike, data: string | Buffer, binary: boolean): Buffer[] {
  return (ws as WsInternals)._sender!.constructor.frame!(data, binary ? BINARY_FRAME : TEXT_FRAME);
}

/**
 * Lets the process exit while a `ws` connection is open (unrefs its TCP socket; nothing without one).
 * @param ws the connection
 * @example
 * ```ts
 * const ws = new WebSocket(url);
 * ws.once('open', () => unrefWebSocket(ws));
 * ```
 */
export function unrefWebSocket(ws: WebSocketLike): void {
  rawSocketOf(ws)?.unref();
}

/**
 * Whether a version lies in a range of the form `>=a.b.c <x.y.z` (as {@link SUPPORTED_WS_RANGE}).
 * @param version a version `a.b.c` (a pre-release suffix is ignored)
 * @param range the range
 * @example
 * ```ts
 * versionInRange('8.23.0', SUPPORTED_WS_RANGE); // true
 * ```
 */
export function versionInRange(version: string, range: string): boolean {
  const m = /^>=\s*(\d+\.\d+\.\d+)\s+<\s*(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (m === null) throw new RangeError(`unsupported range ${range}`);
  const v = parseVersion(version);
  return compareVersions(v, parseVersion(m[1]!)) >= 0 && compareVersions(v, parseVersion(m[2]!)) < 0;
}

function parseVersion(version: string): number[] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (m === null) throw new RangeError(`invalid version ${version}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
