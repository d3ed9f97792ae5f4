/**
 * The message set of a cluster: the numbered message types, payload shapes and conversions shared with
 * `socket.io-adapter`'s cluster adapter (the protocol of `@socket.io/redis-streams-adapter`,
 * `@socket.io/postgres-adapter` and the sharded Redis adapter), so that their nodes and ours understand each other.
 *
 * ```ts
 * const message: ClusterMessage = { uid, nsp: '/', type: MessageType.BROADCAST,
 *   data: { packet, opts: encodeOptions({ rooms: new Set(['news']) }) } };
 * ```
 *
 * Pure types and functions, no state. Must never import a bus client (Redis, pg, nats…), the adapters nor the
 * server classes (only the boundary types of `adapter-types.ts`).
 */
import { randomBytes } from 'node:crypto';
import type { BroadcastFlags, BroadcastOptions, FetchedSocket, Room, SocketDetails } from '../../adapter-types.js';
import type { Handshake } from '../../socket-types.js';

/** Message type numbers (the `MessageType` enum of `socket.io-adapter`). */
export const MessageType = {
  INITIAL_HEARTBEAT: 1,
  HEARTBEAT: 2,
  BROADCAST: 3,
  SOCKETS_JOIN: 4,
  SOCKETS_LEAVE: 5,
  DISCONNECT_SOCKETS: 6,
  FETCH_SOCKETS: 7,
  FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9,
  SERVER_SIDE_EMIT_RESPONSE: 10,
  BROADCAST_CLIENT_COUNT: 11,
  BROADCAST_ACK: 12,
  ADAPTER_CLOSE: 13,
} as const;

/** One of the {@link MessageType} numbers. */
export type MessageTypeNumber = (typeof MessageType)[keyof typeof MessageType];

/** The uid emitters (processes without a server) put on their messages: never a member of the cluster. */
export const EMITTER_UID = 'emitter';

/** A Socket.IO packet as it crosses the bus (the `socket.io-parser` object shape). */
export interface WirePacket {
  type: number;
  nsp: string;
  data?: unknown;
  id?: number;
}

/** Broadcast options as they cross the bus: arrays instead of sets. */
export interface WireOptions {
  rooms: Room[];
  except: Room[];
  flags?: BroadcastFlags;
}

/**
 * A message of one node to the others (or an answer to one of them). `data` is kept as decoded (unchecked): the
 * core validates what it reads, so a bus hands over whatever its decoder produced.
 */
export interface ClusterMessage {
  /** The sender's id ({@link EMITTER_UID} for an emitter). */
  uid: string;
  /** The namespace. */
  nsp: string;
  /** One of {@link MessageType}. */
  type: number;
  /** The payload (absent for heartbeats and close notices). */
  data?: unknown;
}

/** An answer to a request (types 8, 10, 11, 12): same shape, addressed to the requester only. */
export type ClusterResponse = ClusterMessage;

/**
 * Broadcast options → what crosses the bus.
 * @param opts rooms, except and flags
 * @returns the wire shape (`except` always present)
 * @example
 * ```ts
 * encodeOptions({ rooms: new Set(['news']) });   // { rooms: ['news'], except: [], flags: undefined }
 * ```
 */
export function encodeOptions(opts: BroadcastOptions): WireOptions {
  return { rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [], flags: opts.flags };
}

/**
 * What crossed the bus (unchecked) → broadcast options.
 * @param opts the decoded `opts` field
 * @returns rooms and except as sets, flags as an object
 * @example
 * ```ts
 * const opts = decodeOptions(asRecord(message.data).opts);   // { rooms: Set, except: Set, flags }
 * ```
 */
export function decodeOptions(opts: unknown): BroadcastOptions {
  const o = asRecord(opts);
  return {
    rooms: new Set(Array.isArray(o.rooms) ? (o.rooms as Room[]) : []),
    except: new Set(Array.isArray(o.except) ? (o.except as Room[]) : []),
    flags: (o.flags && typeof o.flags === 'object' ? o.flags : {}) as BroadcastFlags,
  };
}

/**
 * A decoded field that should hold an object.
 * @param value anything
 * @returns the object, or an empty one when `value` is anything else
 * @example
 * ```ts
 * const data = asRecord(message.data);
 * if (typeof data.requestId === 'string') answer(data.requestId);
 * ```
 */
export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Whether a decoded value has the shape of a packet (a numeric `type`).
 * @param value anything
 * @example
 * ```ts
 * if (isWirePacket(data.packet)) deliver(data.packet);
 * ```
 */
export function isWirePacket(value: unknown): value is WirePacket {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'number';
}

/**
 * Whether a message is only of interest to the nodes up right now (requests, broadcasts waiting for acks,
 * membership): a bus with a log (a stream) may send these out of it.
 * @param message the message
 * @example
 * ```ts
 * return isEphemeral(message) ? publishOnChannel(message) : appendToStream(message);
 * ```
 */
export function isEphemeral(message: ClusterMessage): boolean {
  switch (message.type) {
    case MessageType.BROADCAST:
      return asRecord(message.data).requestId !== undefined;
    case MessageType.SOCKETS_JOIN:
    case MessageType.SOCKETS_LEAVE:
    case MessageType.DISCONNECT_SOCKETS:
      return false;
    default:
      return true;
  }
}

/**
 * Whether a message type may carry binary data (broadcasts, answers and server-side events): buses that write
 * JSON switch to a binary encoding for these when {@link containsBinary} says so.
 * @param type a {@link MessageType} number
 * @example
 * ```ts
 * const binary = mayContainBinary(message.type) && containsBinary(message.data);
 * ```
 */
export function mayContainBinary(type: number): boolean {
  return type === MessageType.BROADCAST || type === MessageType.FETCH_SOCKETS_RESPONSE ||
    type === MessageType.SERVER_SIDE_EMIT || type === MessageType.SERVER_SIDE_EMIT_RESPONSE ||
    type === MessageType.BROADCAST_ACK;
}

/**
 * Whether a value holds binary data at any depth.
 * @param obj anything
 * @param toJSON internal: set while looking at what a `toJSON()` returned
 * @example
 * ```ts
 * containsBinary({ a: [1, Buffer.from([2])] });   // true
 * ```
 */
export function containsBinary(obj: unknown, toJSON = false): boolean {
  if (!obj || typeof obj !== 'object') return false;
  if (obj instanceof ArrayBuffer || ArrayBuffer.isView(obj)) return true;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) if (containsBinary(obj[i])) return true;
    return false;
  }
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key) && containsBinary((obj as Record<string, unknown>)[key])) return true;
  }
  const withToJSON = obj as { toJSON?: () => unknown };
  if (typeof withToJSON.toJSON === 'function' && !toJSON) return containsBinary(withToJSON.toJSON(), true);
  return false;
}

/**
 * What is sent about a local socket in a fetchSockets answer: plain data (the handshake without its session
 * store, the rooms as an array).
 * @param socket a local socket (or details already)
 * @example
 * ```ts
 * const sockets = (await super.fetchSockets(opts)).map(toDetails);
 * ```
 */
export function toDetails(socket: FetchedSocket): SocketDetails {
  const { sessionStore: _ignored, ...handshake } = (socket.handshake ?? {}) as Handshake & { sessionStore?: unknown };
  return { id: socket.id, handshake: handshake as Handshake, rooms: [...socket.rooms], data: socket.data };
}

/**
 * A random id (16 hex characters), as the reference uses for node and request ids.
 * @example
 * ```ts
 * const requestId = randomId();   // e.g. '9f1c2a…'
 * ```
 */
export function randomId(): string {
  return randomBytes(8).toString('hex');
}
