/**
 * One codec object per Engine.IO protocol revision: everything that differs between v3 (Socket.IO v2 clients)
 * and v4 on the wire — packet and polling payload encoding, whether binary polling bodies exist, the form of a
 * binary WebSocket frame, and who sends the heartbeat ping. A session picks its codec once, from the `EIO` query
 * parameter of its handshake ({@link engineCodecFor}); nothing else in the engine compares protocol numbers.
 *
 * Imports only the packet codecs beside it; must never import anything outside `src/protocol/`.
 *
 * @example
 * ```ts
 * const codec = engineCodecFor(req._query.EIO); // EngineCodecs.v4 for 'EIO=4'
 * codec.encodePacket({ type: 'message', data: 'hi' }, true);  // '4hi'
 * codec.encodePayload([{ type: 'ping' }, { type: 'message', data: 'x' }], false); // '2\x1e4x'
 * codec.pingFrom; // 'server'
 * ```
 */
import {
  ENGINE_PROTOCOL,
  SEPARATOR,
  decodeEnginePacket,
  encodeEnginePacket,
  encodePayload,
  type BinaryType,
  type EnginePacket,
} from './engine-packet.js';
import { decodePacketV3, decodePayloadV3, encodePacketV3, encodePayloadV3 } from './engine-v3.js';

/** Handed each packet of a polling payload in turn; returns false to stop. */
export type PayloadPacketHandler = (packet: EnginePacket) => boolean;

/** The wire rules of one Engine.IO protocol revision. */
export interface EngineCodec {
  /** the revision (the `EIO` query parameter) */
  readonly protocol: 3 | 4;
  /**
   * Which side sends the heartbeat ping: v4 `'server'` (the client answers pong), v3 `'client'` (the server
   * answers pong). A ping from the other side is an error.
   */
  readonly pingFrom: 'server' | 'client';
  /** whether polling request bodies may be binary (`application/octet-stream`; v3 only) */
  readonly binaryPayloads: boolean;
  /**
   * Whether the WebSocket frame of a binary message is its bytes alone (v4), so one frame serves every
   * recipient that supports binary; v3 prefixes the packet type byte.
   */
  readonly rawBinaryFrames: boolean;
  /**
   * Encodes one packet for a frame of its own (WebSocket).
   * @param packet the packet
   * @param supportsBinary false when the client asked for base64 (`b64`): binary becomes text
   * @returns text, or bytes for a binary frame
   * @example
   * ```ts
   * EngineCodecs.v3.encodePacket({ type: 'message', data: Buffer.from([1]) }, true); // Uint8Array [4, 1]
   * ```
   */
  encodePacket(packet: EnginePacket, supportsBinary: boolean): string | Uint8Array;
  /**
   * Decodes one packet (a WebSocket frame).
   * @param data text, or the bytes of a binary frame
   * @param binaryType how binary data is returned
   * @throws DecodeError when malformed
   * @example
   * ```ts
   * EngineCodecs.v4.decodePacket('4hi'); // { type: 'message', data: 'hi' }
   * ```
   */
  decodePacket(data: string | Uint8Array | ArrayBuffer, binaryType?: BinaryType): EnginePacket;
  /**
   * Encodes packets as one polling response body.
   * @param packets the packets, in order
   * @param supportsBinary false when the client asked for base64
   * @example
   * ```ts
   * EngineCodecs.v3.encodePayload([{ type: 'message', data: 'hi' }], false); // '3:4hi'
   * ```
   */
  encodePayload(packets: readonly EnginePacket[], supportsBinary: boolean): string | Uint8Array;
  /**
   * Decodes a polling request body, handing its packets to `onPacket` in order until it returns false.
   * @param data the body: text, or bytes for a binary body
   * @param onPacket receives each packet
   * @param binaryType how binary data is returned
   * @throws DecodeError at the first malformed packet (v4: the packets before it were handed out; v3: none
   *   were, the payload is checked whole)
   * @example
   * ```ts
   * EngineCodecs.v4.decodePayloadEach('4a\x1e4b', (p) => (console.log(p.data), true)); // a, b
   * ```
   */
  decodePayloadEach(data: string | Uint8Array, onPacket: PayloadPacketHandler, binaryType?: BinaryType): void;
}

const hasNodeBuffer = typeof (globalThis as { Buffer?: unknown }).Buffer === 'function';
const utf8Decoder = new TextDecoder();

/** Engine.IO v4 (Socket.IO v3 and v4 clients). */
const v4: EngineCodec = Object.freeze({
  protocol: ENGINE_PROTOCOL as 4,
  pingFrom: 'server' as const,
  binaryPayloads: false,
  rawBinaryFrames: true,
  encodePacket: encodeEnginePacket,
  decodePacket: decodeEnginePacket,
  encodePayload: (packets: readonly EnginePacket[]) => encodePayload(packets),
  decodePayloadEach(data: string | Uint8Array, onPacket: PayloadPacketHandler, binaryType?: BinaryType): void {
    const text = typeof data === 'string' ? data : hasNodeBuffer && Buffer.isBuffer(data) ? data.toString('utf8') : utf8Decoder.decode(data);
    let start = 0;
    for (;;) {
      const end = text.indexOf(SEPARATOR, start);
      const piece = end === -1 ? (start === 0 ? text : text.slice(start)) : text.slice(start, end);
      if (!onPacket(decodeEnginePacket(piece, binaryType)) || end === -1) return;
      start = end + 1;
    }
  },
});

/** Engine.IO v3 (Socket.IO v2 clients; served with `allowEIO3`). */
const v3: EngineCodec = Object.freeze({
  protocol: 3 as const,
  pingFrom: 'client' as const,
  binaryPayloads: true,
  rawBinaryFrames: false,
  encodePacket: encodePacketV3,
  decodePacket: decodePacketV3,
  encodePayload: encodePayloadV3,
  decodePayloadEach(data: string | Uint8Array, onPacket: PayloadPacketHandler, binaryType?: BinaryType): void {
    const packets = decodePayloadV3(data, binaryType);
    for (let i = 0; i < packets.length; i++) if (!onPacket(packets[i]!)) return;
  },
});

/** The codec of each supported revision. */
export const EngineCodecs: Readonly<{ v3: EngineCodec; v4: EngineCodec }> = Object.freeze({ v3, v4 });

/**
 * The codec of a handshake's `EIO` query parameter: v4 for `'4'`, v3 otherwise (as the reference server).
 * @param eio the `EIO` query parameter
 * @example
 * ```ts
 * engineCodecFor('4') === EngineCodecs.v4; // true
 * engineCodecFor('3') === EngineCodecs.v3; // true
 * ```
 */
export function engineCodecFor(eio: string | undefined): EngineCodec {
  return eio === '4' ? v4 : v3;
}
