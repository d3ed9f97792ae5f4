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

/**
 * Default limit of nesting of a packet's JSON payload on the server (the array of event arguments is
 * level 1, so an argument may nest 63 levels). 64 is the default of the JSON stacks of comparable
 * frameworks (System.Text.Json and Json.NET, hence ASP.NET SignalR): documents of real applications,
 * rich-text trees included, stay well within it, while data nested thousands of levels deep, which
 * only an attacker sends, is refused before it reaches any recursive code (application or library).
 */
export const DEFAULT_MAX_NESTING_DEPTH = 64;

/** Options of {@link SocketDecoder} and {@link decodePacketString}. */
export interface DecoderOptions {
  /** The most binary attachments a packet may announce (default 10). */
  maxAttachments?: number;
  /**
   * The deepest JSON payload accepted, the outer array or object being level 1 (default: unlimited;
   * the server passes its `maxNestingDepth`, 64 by default). A deeper payload is a decode error.
   */
  maxNestingDepth?: number;
}

export { hasBinary };

/**
 * Encodes a packet without binary data as its wire text (without the Engine.IO `4`).
 * @param packet a packet whose data holds no binary
 * @example
 * ```ts
 * encodePacketString({ type: PacketType.EVENT, nsp: '/', data: ['hello'] });   // '2["hello"]'
 * ```
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
 * @example
 * ```ts
 * const parts = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['file', bytes] });
 * // ['51-["file",{"_placeholder":true,"num":0}]', bytes]: one Engine.IO message each
 * ```
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

/**
 * True when the JSON text nests arrays/objects deeper than `max` (brackets inside strings not counted).
 * One pass over the structure; the contents of strings are skipped with `indexOf`.
 * @example
 * ```ts
 * exceedsNestingDepth('[[[[1]]]]', 0, 2);   // true: four levels from offset 0
 * ```
 */
export function exceedsNestingDepth(text: string, start: number, max: number): boolean {
  const len = text.length;
  // valid JSON nested deeper than max needs at least 2 * (max + 1) characters
  if (len - start < 2 * (max + 1)) return false;
  let depth = 0;
  for (let i = start; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // jump to the closing quote: one not preceded by an odd number of backslashes
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q === -1) return false; // unterminated: JSON.parse refuses it
        let k = q - 1;
        while (text.charCodeAt(k) === 92 /* \ */) k--;
        i = q;
        if ((q - 1 - k) % 2 === 0) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}

function parseJSON(text: string): unknown {
  try {
    // Keys named __proto__ are dropped so that no later merge of the payload can swap a prototype.
    return text.includes('"__proto__"') ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch {
    // the reference parser reports any unparsable JSON as an invalid payload
    throw new DecodeError('invalid-json', 'invalid payload');
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
        throw new DecodeError('reserved-event', 'invalid payload');
      }
      break;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (Array.isArray(payload)) return;
      break;
  }
  throw new DecodeError('invalid-payload', 'invalid payload');
}

/**
 * Decodes the text of one packet (without the Engine.IO `4`).
 *
 * Errors carry the messages of the reference parser (`unknown packet type 9`, `Illegal attachments`,
 * `too many attachments`, `invalid payload`), which the server hands to the sockets' `error` listeners
 * and the client to `disconnect` as its details; `code` tells them apart precisely.
 * @param str the text
 * @param maxAttachments the most attachments accepted
 * @param maxNestingDepth the deepest JSON payload accepted (default unlimited)
 * @throws DecodeError on any malformed input
 * @example
 * ```ts
 * decodePacketString('2/chat,["hello"]');   // { type: 2, nsp: '/chat', data: ['hello'] }
 * ```
 */
export function decodePacketString(
  str: string,
  maxAttachments = DEFAULT_MAX_ATTACHMENTS,
  maxNestingDepth = Infinity,
): Packet {
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) {
    const ch = str.charAt(0);
    throw new DecodeError('invalid-packet-type', 'unknown packet type ' + (ch >= '0' && ch <= '9' ? ch : 'NaN'));
  }
  const len = str.length;
  let i = 1;
  let attachments: number | undefined;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const start = i;
    while (i < len && str.charCodeAt(i) >= 48 && str.charCodeAt(i) <= 57) i++;
    if (i === start || str.charCodeAt(i) !== 45 /* - */ || i - start > 6) {
      throw new DecodeError('invalid-attachments', 'Illegal attachments');
    }
    attachments = Number(str.slice(start, i));
    // a binary packet has at least one attachment (the reference refuses 0 too)
    if (attachments < 1) throw new DecodeError('invalid-attachments', 'Illegal attachments');
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
    if (maxNestingDepth !== Infinity && exceedsNestingDepth(str, i, maxNestingDepth)) {
      throw new DecodeError('too-deep', `payload nested deeper than ${maxNestingDepth} levels`);
    }
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
  private readonly maxNestingDepth: number;
  private pending: Packet | null = null;
  /** The attachments received for the pending packet (created with the first one). */
  private buffers: unknown[] | null = null;

  /**
   * @param opts.maxAttachments the most binary attachments a packet may announce (default 10)
   * @param opts.maxNestingDepth the deepest JSON payload accepted (default unlimited)
   */
  constructor(opts?: DecoderOptions) {
    this.maxAttachments = opts?.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    this.maxNestingDepth = opts?.maxNestingDepth ?? Infinity;
  }

  /**
   * Adds one Engine.IO message.
   * @param chunk a text message or binary message data
   * @returns the complete packet (BINARY_* are returned as EVENT/ACK with buffers in place),
   *   or null while attachments are still expected
   * @throws DecodeError on malformed or out-of-order input; the decoder is then reset
   * @example
   * ```ts
   * const decoder = new SocketDecoder();
   * const packet = decoder.add('2["hello"]');   // { type: 2, nsp: '/', data: ['hello'] }
   * ```
   */
  add(chunk: string | Uint8Array | ArrayBuffer): Packet | null {
    if (typeof chunk === 'string') {
      if (this.pending !== null) {
        this.reset();
        throw new DecodeError('unexpected-text', 'got plaintext data when reconstructing a packet');
      }
      const packet = decodePacketString(chunk, this.maxAttachments, this.maxNestingDepth);
      if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
        packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
        this.pending = packet;
        return null;
      }
      return packet;
    }
    if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) {
      const packet = this.pending;
      if (packet === null) throw new DecodeError('unexpected-binary', 'got binary data when not reconstructing a packet');
      const buffers = (this.buffers ??= []);
      buffers.push(chunk);
      if (buffers.length < packet.attachments!) return null;
      return this.finish(packet);
    }
    let shown: string;
    try {
      shown = String(chunk);
    } catch {
      shown = typeof chunk;
    }
    throw new DecodeError('invalid-chunk', 'Unknown type: ' + shown);
  }

  private finish(packet: Packet): Packet {
    const buffers = this.buffers ?? [];
    this.pending = null;
    this.buffers = null;
    packet.data = reconstruct(packet.data, buffers);
    return packet;
  }

  /**
   * Drops any partially received packet.
   * @example
   * ```ts
   * conn.on('close', () => decoder.reset());   // drop a binary packet still waiting for attachments
   * ```
   */
  reset(): void {
    this.pending = null;
    this.buffers = null;
  }
}
