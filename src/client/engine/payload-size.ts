/**
 * Size accounting of the polling transport's `maxPayload` (the server's limit, from the handshake): the byte
 * length of a packet as the server counts it, and the longest prefix of the write buffer that fits in one payload.
 *
 * Owns: `byteLength`, `fitPayload`. Must never import the session, the transports or server code.
 *
 * @example
 * ```ts
 * const packets = fitPayload(writeBuffer, handshake.maxPayload);   // what one POST may carry
 * ```
 */
import type { OutgoingPacket } from './transport.js';

/**
 * Size accounting for `maxPayload`: UTF-8 bytes, binary counted as base64 (×1.33).
 * @example
 * ```ts
 * byteLength('héllo');                  // 6
 * byteLength(new Uint8Array(3));         // 4 (as base64)
 * ```
 */
export function byteLength(data: string | Uint8Array | ArrayBuffer): number {
  if (typeof data !== 'string') return Math.ceil(data.byteLength * 1.33);
  let length = 0;
  for (let i = 0, l = data.length; i < l; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c < 0xd800 || c >= 0xe000) length += 3;
    else {
      i++;
      length += 4;
    }
  }
  return length;
}

/**
 * The longest prefix of a write buffer that fits in `maxPayload` (at least one packet).
 * @param buffer the packets waiting to be written
 * @param maxPayload the server's limit in bytes
 * @returns `buffer` itself when everything fits, else a copy of its first packets
 * @example
 * ```ts
 * fitPayload([{ type: 'message', data: 'a'.repeat(900) }, { type: 'message', data: 'b' }], 500).length;   // 1
 * ```
 */
export function fitPayload(buffer: OutgoingPacket[], maxPayload: number): OutgoingPacket[] {
  let size = 1;
  for (let i = 0; i < buffer.length; i++) {
    const data = buffer[i]!.data;
    if (data) size += byteLength(data as string | Uint8Array | ArrayBuffer);
    if (i > 0 && size > maxPayload) return buffer.slice(0, i);
    size += 2;
  }
  return buffer;
}
