/**
 * The codec of the Redis pub/sub engine: how the cluster core's messages cross Redis in the formats of
 * `@socket.io/redis-adapter` 8.x and `@socket.io/redis-emitter`. The classic format has its own channels and request
 * types (broadcasts as MessagePack `[uid, packet, opts]` on `<key>#<nsp>#[<room>#]`, requests on
 * `<key>-request#<nsp>#`, answers on `<key>-response#<nsp>#[<uid>#]`); the sharded one carries the core's messages
 * `{ uid, nsp, type, data }` as they are, JSON unless they hold binary.
 *
 * ```ts
 * const out = encodeClassic(message, channels);          // { channel, payload } or null (not carried)
 * const message = decodeClassicRequest(decodeMessage(raw)!, '/');   // a core message, or null (classic-only)
 * ```
 *
 * Pure functions, no state; the only place in the Redis engine where bytes are made or read. Must never import a
 * Redis client library, the adapters nor the server classes.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import {
  MessageType, asRecord, containsBinary, mayContainBinary, type ClusterMessage, type WireOptions, type WirePacket,
} from '../cluster/messages.js';

/** The first of Socketeer's own message types (polling forwarding is 1001, presence 1002). */
const EXTENSION_TYPES = 1000;

export { MessageType, containsBinary, type WireOptions, type WirePacket } from '../cluster/messages.js';

/** Request types of the classic protocol (`@socket.io/redis-adapter` 8.x). */
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

/** Our heartbeat on the classic request channel (a type the reference ignores). */
export const HEARTBEAT_REQUEST = 100;
/** A node announcing itself: the others answer with a heartbeat. */
export const INITIAL_HEARTBEAT_REQUEST = 101;
/** A node leaving. */
export const CLOSE_REQUEST = 102;

/** The channels of one namespace in the classic protocol. */
export interface ClassicChannels {
  /** Broadcast prefix `<key>#<nsp>#` (rooms append `<room>#`). */
  broadcast: string;
  /** Requests `<key>-request#<nsp>#` (its subscriber count is the server count). */
  request: string;
  /** Shared answers `<key>-response#<nsp>#`. */
  response: string;
  /** This server's own answers `<key>-response#<nsp>#<uid>#`. */
  specificResponse: string;
}

/** A payload and the channel it goes to. */
export interface Outgoing {
  channel: string;
  payload: string | Buffer;
}

/**
 * @param key - channel prefix (`socket.io` by default)
 * @param nsp - namespace name
 * @param uid - this server's uid
 * @returns the classic channels of the namespace
 * @example
 * ```ts
 * classicChannels('socket.io', '/', 'abc').request;   // 'socket.io-request#/#'
 * ```
 */
export function classicChannels(key: string, nsp: string, uid: string): ClassicChannels {
  const response = `${key}-response#${nsp}#`;
  return { broadcast: `${key}#${nsp}#`, request: `${key}-request#${nsp}#`, response, specificResponse: `${response}${uid}#` };
}

/**
 * @param base - the broadcast prefix
 * @param rooms - the broadcast's rooms
 * @returns the room channel for a single room, else the namespace channel
 * @example
 * ```ts
 * broadcastChannel('socket.io#/#', new Set(['news']));   // 'socket.io#/#news#'
 * ```
 */
export function broadcastChannel(base: string, rooms: ReadonlySet<unknown> | readonly unknown[]): string {
  const list = rooms as readonly unknown[];
  if (Array.isArray(list)) return list.length === 1 ? base + String(list[0]) + '#' : base;
  const set = rooms as ReadonlySet<unknown>;
  return set.size === 1 ? base + String(set.values().next().value) + '#' : base;
}

/**
 * @param base - the broadcast prefix
 * @param channel - a channel a broadcast came on
 * @returns its room ('' for the namespace channel), or null when the channel is not under `base`
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
 * @param uid - the sender
 * @param packet - the packet
 * @param opts - rooms, except and flags
 * @returns the classic broadcast payload
 * @example
 * ```ts
 * pub.publish('socket.io#/#', encodeBroadcast(uid, packet, { rooms: [], except: [] }));
 * ```
 */
export function encodeBroadcast(uid: string, packet: WirePacket, opts: WireOptions): Buffer {
  return msgpackEncode([uid, packet, opts]);
}

/**
 * @param msg - a classic broadcast payload
 * @returns `[uid, packet, opts]` (a missing nsp is `/`), or null when malformed
 * @example
 * ```ts
 * const [uid, packet, opts] = decodeBroadcast(raw)!;
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
 * @param message - a request or response
 * @returns its JSON payload
 * @example
 * ```ts
 * pub.publish(channels.request, encodeJson({ uid, type: RequestType.ALL_ROOMS, requestId }));
 * ```
 */
export function encodeJson(message: object): string {
  return JSON.stringify(message);
}

/**
 * @param msg - a JSON (starts with `{`) or MessagePack payload
 * @returns the decoded object, or null when malformed
 * @example
 * ```ts
 * const request = decodeMessage(raw);   // { uid, type, … } or null
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
 * The sharded format (and socket.io-adapter's cluster messages): JSON unless the message may hold binary and does.
 * @param message - a core message
 * @returns its payload
 * @example
 * ```ts
 * pub.spublish(channel, encodeClusterMessage(message));
 * ```
 */
export function encodeClusterMessage(message: { type: number; data?: unknown }): string | Buffer {
  if (mayContainBinary(message.type) && containsBinary(message.data)) return msgpackEncode(message);
  return JSON.stringify(message);
}

/** The rooms/except of broadcast options, without flags (as the classic bulk requests carry them). */
function roomsOnly(opts: unknown): { rooms: unknown[]; except: unknown[] } {
  const o = asRecord(opts);
  return { rooms: Array.isArray(o.rooms) ? o.rooms : [], except: Array.isArray(o.except) ? o.except : [] };
}

/**
 * Whether a message type is one of Socketeer's own (from 1000: polling forwarding, presence…). They cross as
 * requests `{ uid, type, data }` (answers on the requester's own channel); the reference ignores their types.
 */
function isExtension(type: unknown): boolean {
  return typeof type === 'number' && type >= EXTENSION_TYPES;
}

/** A message of Socketeer's own types: JSON unless it holds binary. */
function encodeExtension(message: ClusterMessage): string | Buffer {
  const out = { uid: message.uid, type: message.type, data: message.data };
  return containsBinary(out.data) ? msgpackEncode(out) : encodeJson(out);
}

/** The sender of a classic message (answers of the reference carry none: left undefined, as no node's uid). */
function senderOf(r: Record<string, unknown>): string {
  return (typeof r.uid === 'string' ? r.uid : undefined) as string;
}

/**
 * Maps a core message to the classic protocol.
 * @param message - the core message (stamped with uid and nsp)
 * @param c - the namespace's channels
 * @returns where and what to publish, or null for a type the classic protocol does not carry
 * @example
 * ```ts
 * const out = encodeClassic({ uid, nsp: '/', type: MessageType.SOCKETS_JOIN, data: { opts, rooms } }, channels);
 * ```
 */
export function encodeClassic(message: ClusterMessage, c: ClassicChannels): Outgoing | null {
  const uid = message.uid;
  const data = asRecord(message.data);
  const request = (payload: string | Buffer): Outgoing => ({ channel: c.request, payload });
  switch (message.type) {
    case MessageType.HEARTBEAT:
      return request(encodeJson({ uid, type: HEARTBEAT_REQUEST }));
    case MessageType.INITIAL_HEARTBEAT:
      return request(encodeJson({ uid, type: INITIAL_HEARTBEAT_REQUEST }));
    case MessageType.ADAPTER_CLOSE:
      return request(encodeJson({ uid, type: CLOSE_REQUEST }));
    case MessageType.BROADCAST: {
      const opts = data.opts as WireOptions;
      if (data.requestId === undefined) {
        return { channel: broadcastChannel(c.broadcast, opts.rooms), payload: encodeBroadcast(uid, data.packet as WirePacket, opts) };
      }
      return request(msgpackEncode({ uid, requestId: data.requestId, type: RequestType.BROADCAST, packet: data.packet, opts }));
    }
    case MessageType.SOCKETS_JOIN:
    case MessageType.SOCKETS_LEAVE:
      return request(encodeJson({
        uid, type: message.type === MessageType.SOCKETS_JOIN ? RequestType.REMOTE_JOIN : RequestType.REMOTE_LEAVE,
        opts: roomsOnly(data.opts), rooms: data.rooms,
      }));
    case MessageType.DISCONNECT_SOCKETS: {
      // `details` (why, for the clients) is an extra field: the official adapter ignores it
      const body: Record<string, unknown> = { uid, type: RequestType.REMOTE_DISCONNECT, opts: roomsOnly(data.opts), close: data.close };
      if (data.details !== undefined) body.details = data.details;
      return request(encodeJson(body));
    }
    case MessageType.FETCH_SOCKETS:
      return request(encodeJson({ uid, requestId: data.requestId, type: RequestType.REMOTE_FETCH, opts: roomsOnly(data.opts) }));
    case MessageType.SERVER_SIDE_EMIT:
      return request(encodeJson({ uid, requestId: data.requestId, type: RequestType.SERVER_SIDE_EMIT, data: data.packet }));
    default:
      return isExtension(message.type) ? request(encodeExtension(message)) : null;
  }
}

/**
 * Maps a core answer to the classic protocol.
 * @param response - the answer (stamped with uid and nsp)
 * @param requesterUid - the node that asked
 * @param c - the namespace's channels
 * @param specific - answer on the requester's own channel (`publishOnSpecificResponseChannel`)
 * @returns where and what to publish, or null for a type the classic protocol does not carry
 * @example
 * ```ts
 * const out = encodeClassicResponse(response, requester, channels, false);
 * ```
 */
export function encodeClassicResponse(response: ClusterMessage, requesterUid: string, c: ClassicChannels,
  specific: boolean): Outgoing | null {
  const uid = response.uid;
  const data = asRecord(response.data);
  const channel = specific ? `${c.response}${requesterUid}#` : c.response;
  switch (response.type) {
    case MessageType.FETCH_SOCKETS_RESPONSE:
      return { channel, payload: encodeJson({ requestId: data.requestId, sockets: data.sockets, uid }) };
    case MessageType.SERVER_SIDE_EMIT_RESPONSE:
      // the reference always answers serverSideEmit on the shared response channel
      return { channel: c.response, payload: encodeJson({ type: RequestType.SERVER_SIDE_EMIT, requestId: data.requestId, data: data.packet, uid }) };
    case MessageType.BROADCAST_CLIENT_COUNT:
      return { channel, payload: encodeJson({ type: RequestType.BROADCAST_CLIENT_COUNT, requestId: data.requestId, clientCount: data.clientCount, uid }) };
    case MessageType.BROADCAST_ACK:
      return { channel, payload: msgpackEncode({ type: RequestType.BROADCAST_ACK, requestId: data.requestId, packet: data.packet, uid }) };
    default:
      return isExtension(response.type) ? { channel: `${c.response}${requesterUid}#`, payload: encodeExtension(response) } : null;
  }
}

/**
 * Maps a classic broadcast to a core message.
 * @param msg - the payload of a broadcast channel
 * @returns the core message (its nsp is the packet's), or null when malformed
 * @example
 * ```ts
 * const message = decodeClassicBroadcast(raw);   // { uid, nsp, type: MessageType.BROADCAST, data: { packet, opts } }
 * ```
 */
export function decodeClassicBroadcast(msg: Buffer): ClusterMessage | null {
  const decoded = decodeBroadcast(msg);
  if (decoded === null) return null;
  const [uid, packet, opts] = decoded;
  return { uid, nsp: packet.nsp, type: MessageType.BROADCAST, data: { packet, opts } };
}

/**
 * Maps a classic request to a core message.
 * @param r - the decoded request
 * @param nsp - the namespace of the channel it came on
 * @returns the core message, or null for what only the classic protocol knows (SOCKETS, ALL_ROOMS, the
 *   single-socket REMOTE_* form) and unknown types
 * @example
 * ```ts
 * const message = decodeClassicRequest(decodeMessage(raw)!, nsp.name);
 * ```
 */
export function decodeClassicRequest(r: Record<string, unknown>, nsp: string): ClusterMessage | null {
  const uid = senderOf(r);
  const message = (type: number, data?: unknown): ClusterMessage => ({ uid, nsp, type, data });
  switch (r.type) {
    case HEARTBEAT_REQUEST:
      return message(MessageType.HEARTBEAT);
    case INITIAL_HEARTBEAT_REQUEST:
      return message(MessageType.INITIAL_HEARTBEAT);
    case CLOSE_REQUEST:
      return message(MessageType.ADAPTER_CLOSE);
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
    case RequestType.REMOTE_DISCONNECT:
      if (!r.opts) return null;
      return message(r.type === RequestType.REMOTE_JOIN ? MessageType.SOCKETS_JOIN
        : r.type === RequestType.REMOTE_LEAVE ? MessageType.SOCKETS_LEAVE : MessageType.DISCONNECT_SOCKETS,
      r.details === undefined ? { opts: r.opts, rooms: r.rooms, close: r.close }
        : { opts: r.opts, rooms: r.rooms, close: r.close, details: r.details });
    case RequestType.REMOTE_FETCH:
      return message(MessageType.FETCH_SOCKETS, { opts: r.opts, requestId: r.requestId });
    case RequestType.SERVER_SIDE_EMIT:
      return message(MessageType.SERVER_SIDE_EMIT, { packet: r.data, requestId: r.requestId });
    case RequestType.BROADCAST:
      return message(MessageType.BROADCAST, { packet: r.packet, opts: r.opts, requestId: r.requestId });
    default:
      return isExtension(r.type) ? message(r.type as number, r.data) : null;
  }
}

/**
 * Maps a classic answer to a core answer. Answers without a type (to REMOTE_FETCH, SOCKETS, ALL_ROOMS) become
 * FETCH_SOCKETS_RESPONSE with the whole answer as data: the waiting request reads `sockets` or `rooms`.
 * @param r - the decoded answer
 * @param nsp - the namespace of the channel it came on
 * @returns the core answer
 * @example
 * ```ts
 * this.onResponse(decodeClassicResponse(decodeMessage(raw)!, nsp.name));
 * ```
 */
export function decodeClassicResponse(r: Record<string, unknown>, nsp: string): ClusterMessage {
  const uid = senderOf(r);
  const requestId = r.requestId;
  switch (r.type) {
    case RequestType.SERVER_SIDE_EMIT:
      return { uid, nsp, type: MessageType.SERVER_SIDE_EMIT_RESPONSE, data: { requestId, packet: r.data } };
    case RequestType.BROADCAST_CLIENT_COUNT:
      return { uid, nsp, type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId, clientCount: r.clientCount } };
    case RequestType.BROADCAST_ACK:
      return { uid, nsp, type: MessageType.BROADCAST_ACK, data: { requestId, packet: r.packet } };
    default:
      if (isExtension(r.type)) return { uid, nsp, type: r.type as number, data: r.data };
      return { uid, nsp, type: MessageType.FETCH_SOCKETS_RESPONSE, data: r };
  }
}
