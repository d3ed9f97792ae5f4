/**
 * The wire format shared with `@socket.io/redis-adapter` 8.x and `@socket.io/redis-emitter`: channel names,
 * request/response types, payload encodings, and the conversions between broadcast options / sockets and what
 * crosses the bus. The only place in the Redis adapters where bytes are made or read.
 *
 * ```ts
 * const [uid, packet, opts] = decodeBroadcast(message)!;
 * adapter.broadcast(packet as Packet, fromWireOptions(opts));
 * ```
 *
 * Pure functions, no state. Must never import a Redis client library, the adapters nor the server classes (only
 * the boundary types of `adapter.ts`).
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { BroadcastFlags, BroadcastOptions, FetchedSocket, Room, SocketDetails } from '../../adapter.js';
import type { Handshake } from '../../socket-types.js';

/** A Socket.IO packet as carried between nodes (the `socket.io-parser` object shape). */
export interface WirePacket {
  type: number;
  nsp: string;
  data?: unknown;
  id?: number;
}

/** Broadcast flags carried between nodes. */
export interface WireFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  timeout?: number;
  [key: string]: unknown;
}

/** Broadcast options with arrays instead of sets (as serialised). */
export interface WireOptions {
  rooms: Array<string | number>;
  except: Array<string | number>;
  flags?: WireFlags;
}

/** Request types of the classic (non-sharded) adapter. */
export const RequestType = {
  SOCKETS: 0,
  ALL_ROOMS: 1,
  REMOTE_JOIN: 2,
  REMOTE_LEAVE: 3,
  REMOTE_DISCONNECT: 4,
  REMOTE_FETCH: 5,
  SERVER_SIDE_EMIT: 6,
  BROADCAST: 7,
  BROADCAST_CLIENT_COUNT: 8,
  BROADCAST_ACK: 9,
} as const;

/**
 * Request type of the heartbeats Socketeer servers send each other on the request channel of the classic
 * protocol (servers running `@socket.io/redis-adapter` ignore unknown request types).
 */
export const HEARTBEAT_REQUEST = 100;

/** Message types of the sharded adapter (the `socket.io-adapter` ClusterAdapter protocol). */
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

/** The uid the emitters put on their messages. */
export const EMITTER_UID = 'emitter';

/** Channel names of one namespace for the classic adapter. */
export interface ClassicChannels {
  /** `<key>#<nsp>#` — broadcasts; a single-room broadcast goes to `<key>#<nsp>#<room>#` */
  broadcast: string;
  /** `<key>-request#<nsp>#` */
  request: string;
  /** `<key>-response#<nsp>#` */
  response: string;
  /** `<key>-response#<nsp>#<uid>#` */
  specificResponse: string;
}

/**
 * Channel names of the classic adapter.
 * @param key - channel prefix (`socket.io` by default)
 * @param nsp - namespace name
 * @param uid - this node's id
 * @example
 * ```ts
 * classicChannels('socket.io', '/chat', 'abc123').request;   // 'socket.io-request#/chat#'
 * ```
 */
export function classicChannels(key: string, nsp: string, uid: string): ClassicChannels {
  const response = `${key}-response#${nsp}#`;
  return {
    broadcast: `${key}#${nsp}#`,
    request: `${key}-request#${nsp}#`,
    response,
    specificResponse: `${response}${uid}#`,
  };
}

/**
 * Channel a broadcast is published on: the room channel when exactly one room is targeted.
 * @param base - the namespace broadcast channel (`<key>#<nsp>#`)
 * @param rooms - targeted rooms
 * @example
 * ```ts
 * broadcastChannel('socket.io#/#', new Set(['news']));   // 'socket.io#/#news#'
 * ```
 */
export function broadcastChannel(base: string, rooms: ReadonlySet<string | number>): string {
  if (rooms.size === 1) return base + String(rooms.values().next().value) + '#';
  return base;
}

/**
 * Extracts the room of a broadcast channel (`''` for the namespace channel, null for another namespace).
 * @param base - the namespace broadcast channel
 * @param channel - the channel the message came on
 * @example
 * ```ts
 * roomOfChannel('socket.io#/#', 'socket.io#/#news#');   // 'news'
 * ```
 */
export function roomOfChannel(base: string, channel: string): string | null {
  if (!channel.startsWith(base)) return null;
  return channel.slice(base.length, -1);
}

/**
 * Encodes a broadcast as `@socket.io/redis-adapter` does: MessagePack `[uid, packet, opts]`.
 * @returns the bytes to publish
 * @example
 * ```ts
 * await pub.publish('socket.io#/#', encodeBroadcast(uid, { type: 2, nsp: '/', data: ['hello'] }, { rooms: [], except: [] }));
 * ```
 */
export function encodeBroadcast(uid: string, packet: WirePacket, opts: WireOptions): Buffer {
  return msgpackEncode([uid, packet, opts]);
}

/**
 * Decodes a broadcast published by any compatible node or emitter.
 * @returns `[uid, packet, opts]`, or null when the payload is not a broadcast
 * @example
 * ```ts
 * const decoded = decodeBroadcast(message);
 * if (decoded) { const [uid, packet, opts] = decoded; }
 * ```
 */
export function decodeBroadcast(msg: Buffer): [string, WirePacket, WireOptions] | null {
  let decoded: unknown;
  try {
    decoded = msgpackDecode(msg);
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length < 3) return null;
  const [uid, packet, opts] = decoded as [unknown, WirePacket, WireOptions];
  if (!packet || typeof packet !== 'object' || typeof packet.type !== 'number') return null;
  if (packet.nsp === undefined) packet.nsp = '/';
  const o: WireOptions = opts && typeof opts === 'object' ? opts : { rooms: [], except: [] };
  if (!Array.isArray(o.rooms)) o.rooms = [];
  if (!Array.isArray(o.except)) o.except = [];
  return [String(uid), packet, o];
}

/**
 * Encodes a request or response: JSON text, as the reference does for every message that cannot carry binary.
 * @example
 * ```ts
 * pub.publish(channels.request, encodeJson({ uid, requestId, type: RequestType.ALL_ROOMS }));
 * ```
 */
export function encodeJson(message: object): string {
  return JSON.stringify(message);
}

/**
 * Encodes a request or response as MessagePack (used for messages that may carry binary).
 * @example
 * ```ts
 * pub.publish(channels.request, encodeBinary({ uid, requestId, type: RequestType.BROADCAST, packet, opts }));
 * ```
 */
export function encodeBinary(message: object): Buffer {
  return msgpackEncode(message);
}

/**
 * Decodes a request/response: JSON when it starts with `{`, else MessagePack.
 * @returns the message object, or null when malformed
 * @example
 * ```ts
 * const request = decodeMessage(message);
 * if (request?.type === RequestType.ALL_ROOMS) answer(request.requestId);
 * ```
 */
export function decodeMessage(msg: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = msg[0] === 0x7b ? JSON.parse(msg.toString()) : msgpackDecode(msg);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Whether a value contains binary data at any depth (decides MessagePack vs JSON for cluster messages).
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

/** Message types (sharded protocol) whose data may carry binary and so go out as MessagePack when they do. */
const MAY_CONTAIN_BINARY: ReadonlySet<number> = new Set([
  MessageType.BROADCAST, MessageType.BROADCAST_ACK, MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT, MessageType.SERVER_SIDE_EMIT_RESPONSE,
]);

/**
 * Encodes a sharded-protocol message as the reference does: MessagePack if it may and does carry binary, else JSON.
 * @example
 * ```ts
 * await pub.spublish(channel, encodeClusterMessage({ type: MessageType.HEARTBEAT, uid, nsp: '/' }));
 * ```
 */
export function encodeClusterMessage(message: { type: number; data?: unknown }): string | Buffer {
  if (MAY_CONTAIN_BINARY.has(message.type) && containsBinary(message.data)) return msgpackEncode(message);
  return JSON.stringify(message);
}

/**
 * Random id made of `[A-Za-z0-9_-]` characters.
 * @example
 * ```ts
 * const requestId = randomId(6);   // e.g. 'aZ3_k9'
 * ```
 */
export function randomId(length = 6): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  let out = '';
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! & 63];
  return out;
}

/**
 * A decoded field that should hold an object.
 * @returns the object, or an empty one when the field holds anything else
 * @example
 * ```ts
 * const data = asRecord(message.data);   // {} unless an object
 * if (typeof data.requestId === 'string') collect(data.requestId, data);
 * ```
 */
export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Whether a decoded value has the shape of a packet (a numeric `type`).
 * @example
 * ```ts
 * if (isWirePacket(request.packet)) adapter.broadcast(request.packet as Packet, fromWireOptions(request.opts));
 * ```
 */
export function isWirePacket(value: unknown): value is WirePacket {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'number';
}

/**
 * Broadcast options → the arrays sent on the wire.
 * @example
 * ```ts
 * encodeBroadcast(uid, packet, toWireOptions({ rooms: new Set(['news']), except: new Set() }));
 * ```
 */
export function toWireOptions(opts: BroadcastOptions): WireOptions {
  return { rooms: [...opts.rooms], except: opts.except ? [...new Set(opts.except)] : [], flags: opts.flags as WireFlags | undefined };
}

/**
 * Wire options (as decoded, unchecked) → broadcast options.
 * @example
 * ```ts
 * const opts = fromWireOptions(request.opts);   // { rooms: Set, except: Set, flags }
 * ```
 */
export function fromWireOptions(opts: unknown): BroadcastOptions {
  const o = asRecord(opts);
  return {
    rooms: new Set(Array.isArray(o.rooms) ? (o.rooms as Room[]) : []),
    except: new Set(Array.isArray(o.except) ? (o.except as Room[]) : []),
    flags: (o.flags ?? {}) as BroadcastFlags,
  };
}

/**
 * What is sent about a local socket in a fetchSockets answer (plain data: the handshake, rooms as an array).
 * @example
 * ```ts
 * const details = (await adapter.fetchSockets({ rooms: new Set(['news']) })).map(toDetails);   // to send to a server
 * ```
 */
export function toDetails(socket: FetchedSocket): SocketDetails {
  const { sessionStore: _ignored, ...handshake } = (socket.handshake ?? {}) as Handshake & { sessionStore?: unknown };
  return { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data };
}
