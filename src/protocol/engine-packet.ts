/**
 * Engine.IO v4 packet codec: the single place where transport-level packets are turned
 * into text/bytes and back, for the server and the client alike.
 *
 * ```ts
 * encodeEnginePacket({ type: 'message', data: 'hello' }, true); // '4hello'
 * decodePayload('4hello\x1e2\x1ebAQIDBA==');                    // message, ping, binary message
 * ```
 *
 * Imports only `src/protocol/`; must never import anything else of Socketeer.
 */
import { DecodeError } from './errors.js';
import { fromBase64, toBase64 } from './base64.js';

/** Engine.IO protocol revision implemented by this codec. */
export const ENGINE_PROTOCOL = 4;

export type EnginePacketType = 'open' | 'close' | 'ping' | 'pong' | 'message' | 'upgrade' | 'noop';

/** How decoded binary data is handed out: Node.js Buffer, or a browser-style ArrayBuffer. */
export type BinaryType = 'nodebuffer' | 'arraybuffer';

export interface EnginePacket {
  type: EnginePacketType;
  data?: string | Uint8Array | ArrayBuffer;
}

/** Separator between packets of a polling payload (ASCII record separator). */
export const SEPARATOR = '\x1e';

/** Packet type -> its wire digit. */
export const ENGINE_PACKET_CODES: Readonly<Record<EnginePacketType, string>> = {
  open: '0',
  close: '1',
  ping: '2',
  pong: '3',
  message: '4',
  upgrade: '5',
  noop: '6',
};

const TYPES_BY_CODE: readonly EnginePacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];

const hasNodeBuffer = typeof (globalThis as { Buffer?: unknown }).Buffer === 'function';

/**
 * True for binary payload values (ArrayBuffer, Buffer, any typed array or DataView).
 * @example
 * ```ts
 * isBinaryData(new Uint8Array(2)); // true
 * ```
 */
export function isBinaryData(value: unknown): value is Uint8Array | ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Views any binary value as a Uint8Array without copying.
 * @example
 * ```ts
 * toUint8Array(new ArrayBuffer(4)).length; // 4
 * ```
 */
export function toUint8Array(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Hands binary data out in the requested form.
 * @param data received bytes
 * @param binaryType 'nodebuffer' (Buffer) or 'arraybuffer'
 * @example
 * ```ts
 * mapBinary(new Uint8Array([1]), 'arraybuffer'); // ArrayBuffer
 * ```
 */
export function mapBinary(data: Uint8Array | ArrayBuffer, binaryType: BinaryType): Uint8Array | ArrayBuffer {
  if (binaryType === 'arraybuffer') {
    if (data instanceof ArrayBuffer) return data;
    return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
      ? (data.buffer as ArrayBuffer)
      : (data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
  }
  if (hasNodeBuffer) {
    if (data instanceof ArrayBuffer) return Buffer.from(data);
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Encodes one packet.
 * @param packet the packet; binary data is only valid on `message` packets
 * @param supportsBinary when true a binary message is returned as raw bytes (WebSocket binary frame);
 *   otherwise as `b<base64>` text (polling)
 * @returns wire text, or the bytes of a binary message
 * @example
 * ```ts
 * encodeEnginePacket({ type: 'message', data: 'hi' }, true); // '4hi'
 * ```
 */
export function encodeEnginePacket(packet: EnginePacket, supportsBinary: boolean): string | Uint8Array {
  const data = packet.data;
  if (data !== undefined && typeof data !== 'string') {
    const bytes = toUint8Array(data);
    return supportsBinary ? bytes : 'b' + toBase64(bytes);
  }
  const code = ENGINE_PACKET_CODES[packet.type];
  return data === undefined ? code : code + data;
}

/**
 * Decodes one packet.
 * @param data a text frame / payload piece, or the bytes of a binary frame
 * @param binaryType how binary data is returned (default 'nodebuffer' where Buffer exists)
 * @throws DecodeError on an unknown type or invalid base64
 * @example
 * ```ts
 * decodeEnginePacket('2probe'); // { type: 'ping', data: 'probe' }
 * ```
 */
export function decodeEnginePacket(
  data: string | Uint8Array | ArrayBuffer,
  binaryType: BinaryType = hasNodeBuffer ? 'nodebuffer' : 'arraybuffer',
): EnginePacket {
  if (typeof data !== 'string') {
    return { type: 'message', data: mapBinary(data, binaryType) };
  }
  const first = data.charCodeAt(0);
  if (first === 98 /* b */) {
    const bytes = fromBase64(data.slice(1), binaryType === 'nodebuffer');
    if (bytes === null) throw new DecodeError('invalid-base64', 'invalid base64 binary packet');
    return { type: 'message', data: mapBinary(bytes, binaryType) };
  }
  const type = TYPES_BY_CODE[first - 48];
  if (type === undefined) {
    throw new DecodeError('invalid-packet-type', `unknown engine packet type ${JSON.stringify(data.charAt(0))}`);
  }
  return data.length > 1 ? { type, data: data.slice(1) } : { type };
}

/**
 * Encodes packets as one polling payload: joined by `\x1e`, binary as `b<base64>`.
 * @param packets the packets, in order
 * @example
 * ```ts
 * encodePayload([{ type: 'message', data: 'a' }, { type: 'ping' }]); // '4a\x1e2'
 * ```
 */
export function encodePayload(packets: readonly EnginePacket[]): string {
  if (packets.length === 1) return encodeEnginePacket(packets[0]!, false) as string;
  let out = '';
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += SEPARATOR;
    out += encodeEnginePacket(packets[i]!, false) as string;
  }
  return out;
}

/**
 * Decodes a polling payload.
 * @param payload the body text
 * @param binaryType how binary data is returned
 * @throws DecodeError if any packet is malformed (the whole payload is refused)
 * @example
 * ```ts
 * decodePayload('4a\x1e2'); // [{ type: 'message', data: 'a' }, { type: 'ping' }]
 * ```
 */
export function decodePayload(payload: string, binaryType?: BinaryType): EnginePacket[] {
  if (payload.length === 0) throw new DecodeError('empty-payload', 'empty polling payload');
  const packets: EnginePacket[] = [];
  let start = 0;
  for (;;) {
    const end = payload.indexOf(SEPARATOR, start);
    const piece = end === -1 ? payload.slice(start) : payload.slice(start, end);
    if (piece.length === 0) throw new DecodeError('empty-packet', 'empty packet in polling payload');
    packets.push(decodeEnginePacket(piece, binaryType));
    if (end === -1) return packets;
    start = end + 1;
  }
}
