/**
 * Engine.IO v3 codec (Socket.IO v2 clients): packets and the length-prefixed polling payloads.
 *
 * ```ts
 * encodePayloadV3([{ type: 'message', data: 'hi' }], false);  // '3:4hi'
 * decodePayloadV3('3:4hi1:2');                                  // message 'hi', ping
 * ```
 *
 * - Text payload: `<length>:<packet>` repeated, the length in UTF-16 code units; a binary
 *   packet is `b<type digit><base64>`. An empty list is `0:`.
 * - Binary payload (client supports binary and a packet is binary): per packet a byte
 *   `0` (text) or `1` (binary), the decimal digits of the byte length one byte each, `0xFF`,
 *   then the packet: UTF-8 text, or the type byte followed by the bytes.
 *
 * Imports only `src/protocol/`; must never import anything else of Socketeer.
 */
import { DecodeError } from './errors.js';
import { fromBase64, toBase64 } from './base64.js';
import {
  ENGINE_PACKET_CODES,
  isBinaryData,
  mapBinary,
  toUint8Array,
  type BinaryType,
  type EnginePacket,
  type EnginePacketType,
} from './engine-packet.js';

const TYPES: readonly EnginePacketType[] = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];

const hasNodeBuffer = typeof (globalThis as { Buffer?: unknown }).Buffer === 'function';
const defaultBinaryType: BinaryType = hasNodeBuffer ? 'nodebuffer' : 'arraybuffer';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Encodes one v3 packet.
 * @param packet the packet (binary data allowed on any type, in practice `message`)
 * @param supportsBinary true: binary as `[type byte, ...bytes]`; false: `b<digit><base64>`
 * @returns text or bytes
 * @example
 * ```ts
 * encodePacketV3({ type: 'message', data: 'hi' }, true); // '4hi'
 * ```
 */
export function encodePacketV3(packet: EnginePacket, supportsBinary: boolean): string | Uint8Array {
  const code = ENGINE_PACKET_CODES[packet.type];
  const data = packet.data;
  if (data !== undefined && typeof data !== 'string') {
    const bytes = toUint8Array(data);
    if (!supportsBinary) return 'b' + code + toBase64(bytes);
    const out = new Uint8Array(bytes.length + 1);
    out[0] = code.charCodeAt(0) - 48;
    out.set(bytes, 1);
    return out;
  }
  return data === undefined ? code : code + data;
}

/**
 * Decodes one v3 packet (a WebSocket frame or a payload piece).
 * @param data text, or bytes whose first byte is the packet type
 * @param binaryType how binary data is returned
 * @throws DecodeError on an unknown type or invalid base64
 * @example
 * ```ts
 * decodePacketV3('b4AQI='); // { type: 'message', data: <Buffer 01 02> }
 * ```
 */
export function decodePacketV3(data: string | Uint8Array | ArrayBuffer, binaryType: BinaryType = defaultBinaryType): EnginePacket {
  if (typeof data !== 'string') {
    const bytes = toUint8Array(data);
    const type = TYPES[bytes[0] ?? 255];
    if (type === undefined) throw new DecodeError('invalid-packet-type', 'unknown engine packet type byte');
    return { type, data: mapBinary(bytes.subarray(1), binaryType) };
  }
  if (data.charCodeAt(0) === 98 /* b */) {
    const type = TYPES[data.charCodeAt(1) - 48];
    if (type === undefined) throw new DecodeError('invalid-packet-type', 'unknown engine packet type in base64 packet');
    const bytes = fromBase64(data.slice(2), binaryType === 'nodebuffer');
    if (bytes === null) throw new DecodeError('invalid-base64', 'invalid base64 binary packet');
    return { type, data: mapBinary(bytes, binaryType) };
  }
  const type = TYPES[data.charCodeAt(0) - 48];
  if (type === undefined) {
    throw new DecodeError('invalid-packet-type', `unknown engine packet type ${JSON.stringify(data.charAt(0))}`);
  }
  return data.length > 1 ? { type, data: data.slice(1) } : { type };
}

/**
 * Encodes a v3 polling payload.
 * @param packets the packets, in order
 * @param supportsBinary whether the client accepts a binary payload (no `b64` query parameter)
 * @returns text payload, or a binary payload when `supportsBinary` and a packet carries binary data
 * @example
 * ```ts
 * encodePayloadV3([{ type: 'message', data: 'hi' }], false); // '3:4hi'
 * ```
 */
export function encodePayloadV3(packets: readonly EnginePacket[], supportsBinary: boolean): string | Uint8Array {
  if (supportsBinary && packets.some((p) => p.data !== undefined && isBinaryData(p.data))) {
    return encodeBinaryPayloadV3(packets);
  }
  if (packets.length === 0) return '0:';
  const parts = new Array<string>(packets.length);
  for (let i = 0; i < packets.length; i++) {
    const message = encodePacketV3(packets[i]!, false) as string;
    parts[i] = message.length + ':' + message;
  }
  return parts.join('');
}

function encodeBinaryPayloadV3(packets: readonly EnginePacket[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const packet of packets) {
    const encoded = encodePacketV3(packet, true);
    const isText = typeof encoded === 'string';
    const body = isText ? utf8Encoder.encode(encoded) : encoded;
    const digits = String(body.length);
    const head = new Uint8Array(digits.length + 2);
    head[0] = isText ? 0 : 1;
    for (let i = 0; i < digits.length; i++) head[i + 1] = digits.charCodeAt(i) - 48;
    head[head.length - 1] = 255;
    chunks.push(head, body);
    total += head.length + body.length;
  }
  const out = hasNodeBuffer ? Buffer.allocUnsafe(total) : new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * Decodes a v3 polling payload (text or binary).
 * @param data the request body: a string, or bytes for an `application/octet-stream` body
 * @param binaryType how binary data is returned
 * @throws DecodeError if the payload or any packet is malformed
 * @example
 * ```ts
 * decodePayloadV3('3:4hi1:2'); // message 'hi', ping
 * ```
 */
export function decodePayloadV3(data: string | Uint8Array, binaryType: BinaryType = defaultBinaryType): EnginePacket[] {
  if (typeof data !== 'string') return decodeBinaryPayloadV3(data, binaryType);
  if (data.length === 0) throw new DecodeError('empty-payload', 'empty polling payload');
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < data.length) {
    const colon = data.indexOf(':', i);
    if (colon === -1) throw new DecodeError('invalid-payload', 'missing length separator');
    const lengthText = data.slice(i, colon);
    if (!/^\d+$/.test(lengthText)) throw new DecodeError('invalid-payload', 'invalid packet length');
    const n = Number(lengthText);
    const msg = data.slice(colon + 1, colon + 1 + n);
    if (msg.length !== n) throw new DecodeError('invalid-payload', 'truncated packet');
    if (n > 0) packets.push(decodePacketV3(msg, binaryType));
    i = colon + 1 + n;
  }
  return packets;
}

function decodeBinaryPayloadV3(bytes: Uint8Array, binaryType: BinaryType): EnginePacket[] {
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < bytes.length) {
    const kind = bytes[i]!;
    if (kind !== 0 && kind !== 1) throw new DecodeError('invalid-payload', 'invalid binary payload marker');
    let n = 0;
    let digits = 0;
    let j = i + 1;
    for (;; j++) {
      if (j >= bytes.length) throw new DecodeError('invalid-payload', 'truncated binary payload length');
      const d = bytes[j]!;
      if (d === 255) break;
      if (d > 9 || ++digits > 16) throw new DecodeError('invalid-payload', 'invalid binary payload length');
      n = n * 10 + d;
    }
    if (digits === 0) throw new DecodeError('invalid-payload', 'missing binary payload length');
    const start = j + 1;
    const end = start + n;
    if (end > bytes.length) throw new DecodeError('invalid-payload', 'truncated binary payload');
    const body = bytes.subarray(start, end);
    packets.push(kind === 0 ? decodePacketV3(utf8Decoder.decode(body), binaryType) : decodePacketV3(body, binaryType));
    i = end;
  }
  return packets;
}
