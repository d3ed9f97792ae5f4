/**
 * Socket.IO v5 packet codec: `<type>[<attachments>-][<nsp>,][<ackId>][<JSON>]`, with binary
 * attachments sent as separate Engine.IO messages. The only place Socket.IO packets are
 * encoded and decoded, for the server and the client alike.
 *
 * ```ts
 * encodeSocketPacket({ type: PacketType.EVENT, nsp: '/admin', id: 7, data: ['ping?'] });
 * // ['2/admin,7["ping?"]']
 * const decoder = new SocketDecoder();
 * decoder.add('451-0["upload",{"_placeholder":true,"num":0}]'); // null: waiting for 1 attachment
 * decoder.add(bytes);                                             // the complete EVENT packet
 * ```
 */
import { DecodeError } from './errors.js';
import { deconstruct, hasBinary, reconstruct } from './binary.js';

export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Socket.IO protocol revision implemented by this codec. */
export const SOCKET_PROTOCOL = 5;

export interface Packet {
  type: PacketType;
  /** Namespace, `/` for the main one. */
  nsp: string;
  data?: any;
  /** Ack id. */
  id?: number;
  /** Number of binary attachments (BINARY_EVENT / BINARY_ACK only). */
  attachments?: number;
}

/** Event names that cannot be emitted nor received: they are the library's own. */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** Default limit of binary attachments per packet (as the reference parser). */
export const DEFAULT_MAX_ATTACHMENTS = 10;

export { hasBinary };

/**
 * Encodes a packet without binary data as its wire text (without the Engine.IO `4`).
 * @param packet a packet whose data holds no binary
 */
export function encodePacketString(packet: Packet): string {
  let str = '' + packet.type;
  if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
    str += packet.attachments + '-';
  }
  if (packet.nsp && packet.nsp !== '/') str += packet.nsp + ',';
  if (packet.id != null) str += packet.id;
  if (packet.data != null) str += JSON.stringify(packet.data);
  return str;
}

/**
 * Encodes a packet. An EVENT/ACK holding binary at any depth becomes BINARY_EVENT/BINARY_ACK
 * with placeholders. Does not mutate `packet`.
 * @returns the header text followed by the attachments, each to be sent as its own Engine.IO message
 */
export function encodeSocketPacket(packet: Packet): Array<string | Uint8Array> {
  if ((packet.type === PacketType.EVENT || packet.type === PacketType.ACK) && hasBinary(packet.data)) {
    const buffers: Uint8Array[] = [];
    const data = deconstruct(packet.data, buffers);
    const header = encodePacketString({
      type: packet.type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK,
      nsp: packet.nsp,
      id: packet.id,
      data,
      attachments: buffers.length,
    });
    const out: Array<string | Uint8Array> = [header];
    for (let i = 0; i < buffers.length; i++) out.push(buffers[i]!);
    return out;
  }
  return [encodePacketString(packet)];
}

function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

function parseJSON(text: string): unknown {
  try {
    // Keys named __proto__ are dropped so that no later merge of the payload can swap a prototype.
    return text.includes('"__proto__"') ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch {
    throw new DecodeError('invalid-json', 'invalid JSON payload');
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPayload(type: PacketType, payload: unknown): void {
  switch (type) {
    case PacketType.CONNECT:
      if (isPlainObject(payload)) return;
      break;
    case PacketType.DISCONNECT:
      break; // never carries a payload
    case PacketType.CONNECT_ERROR:
      if (typeof payload === 'string' || isPlainObject(payload)) return;
      break;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(payload) || payload.length === 0) break;
      const name = payload[0];
      if (typeof name === 'number') return;
      if (typeof name === 'string') {
        if (!RESERVED_EVENTS.has(name)) return;
        throw new DecodeError('reserved-event', `reserved event name "${name}"`);
      }
      break;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (Array.isArray(payload)) return;
      break;
  }
  throw new DecodeError('invalid-payload', `invalid payload for packet type ${type}`);
}

/**
 * Decodes the text of one packet (without the Engine.IO `4`).
 * @param str the text
 * @param maxAttachments the most attachments accepted
 * @throws DecodeError on any malformed input
 */
export function decodePacketString(str: string, maxAttachments = DEFAULT_MAX_ATTACHMENTS): Packet {
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) throw new DecodeError('invalid-packet-type', 'unknown socket packet type');
  const len = str.length;
  let i = 1;
  let attachments: number | undefined;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const start = i;
    while (i < len && str.charCodeAt(i) >= 48 && str.charCodeAt(i) <= 57) i++;
    if (i === start || str.charCodeAt(i) !== 45 /* - */ || i - start > 6) {
      throw new DecodeError('invalid-attachments', 'illegal attachments');
    }
    attachments = Number(str.slice(start, i));
    if (attachments > maxAttachments) throw new DecodeError('too-many-attachments', 'too many attachments');
    i++;
  }
  let nsp = '/';
  if (str.charCodeAt(i) === 47 /* / */) {
    const comma = str.indexOf(',', i);
    const end = comma === -1 ? len : comma;
    nsp = str.slice(i, end);
    i = comma === -1 ? len : comma + 1;
  }
  let id: number | undefined;
  if (i < len) {
    const start = i;
    while (i < len && str.charCodeAt(i) >= 48 && str.charCodeAt(i) <= 57) i++;
    if (i > start) {
      id = Number(str.slice(start, i));
      if (!Number.isSafeInteger(id)) throw new DecodeError('invalid-ack-id', 'invalid ack id');
    }
  }
  const packet: Packet = { type: type as PacketType, nsp };
  if (attachments !== undefined) packet.attachments = attachments;
  if (id !== undefined) packet.id = id;
  if (i < len) {
    const payload = parseJSON(str.slice(i));
    checkPayload(packet.type, payload);
    packet.data = payload;
  }
  return packet;
}

/**
 * Stateful decoder for one connection: feed it every Engine.IO message in order.
 */
export class SocketDecoder {
  private readonly maxAttachments: number;
  private pending: Packet | null = null;
  /** The attachments received for the pending packet (created with the first one). */
  private buffers: unknown[] | null = null;

  /** @param opts.maxAttachments the most binary attachments a packet may announce (default 10) */
  constructor(opts?: { maxAttachments?: number }) {
    this.maxAttachments = opts?.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
  }

  /**
   * Adds one Engine.IO message.
   * @param chunk a text message or binary message data
   * @returns the complete packet (BINARY_* are returned as EVENT/ACK with buffers in place),
   *   or null while attachments are still expected
   * @throws DecodeError on malformed or out-of-order input; the decoder is then reset
   */
  add(chunk: string | Uint8Array | ArrayBuffer): Packet | null {
    if (typeof chunk === 'string') {
      if (this.pending !== null) {
        this.reset();
        throw new DecodeError('unexpected-text', 'text packet received while binary attachments are pending');
      }
      const packet = decodePacketString(chunk, this.maxAttachments);
      if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
        packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
        if (packet.attachments! > 0) {
          this.pending = packet;
          return null;
        }
        return this.finish(packet);
      }
      return packet;
    }
    if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) {
      const packet = this.pending;
      if (packet === null) throw new DecodeError('unexpected-binary', 'binary data received without a packet header');
      const buffers = (this.buffers ??= []);
      buffers.push(chunk);
      if (buffers.length < packet.attachments!) return null;
      return this.finish(packet);
    }
    throw new DecodeError('invalid-chunk', 'unsupported data type');
  }

  private finish(packet: Packet): Packet {
    const buffers = this.buffers ?? [];
    this.pending = null;
    this.buffers = null;
    packet.data = reconstruct(packet.data, buffers);
    return packet;
  }

  /** Drops any partially received packet. */
  reset(): void {
    this.pending = null;
    this.buffers = null;
  }
}
