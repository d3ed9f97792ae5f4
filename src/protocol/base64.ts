/**
 * Base64 helpers that work in Node.js (Buffer) and in browsers (atob/btoa), so the
 * codecs stay runtime-agnostic.
 */

const NodeBuffer: typeof Buffer | undefined = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/**
 * Encodes bytes as padded base64.
 * @param bytes the data
 * @returns the base64 text
 * @example
 * ```ts
 * toBase64(new Uint8Array([1, 2, 3]));   // 'AQID'
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) {
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(s);
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 text; returns null when the text is not valid base64.
 * @param text the base64 text (padded or not)
 * @param asNodeBuffer return a Buffer (Node) instead of a Uint8Array
 * @example
 * ```ts
 * fromBase64('AQID', false);   // Uint8Array [1, 2, 3]
 * ```
 */
export function fromBase64(text: string, asNodeBuffer: boolean): Uint8Array | null {
  if (!BASE64_RE.test(text) || text.length % 4 === 1) return null;
  if (NodeBuffer) {
    const buf = NodeBuffer.from(text, 'base64');
    return asNodeBuffer ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
