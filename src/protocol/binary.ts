/**
 * Binary attachments of Socket.IO packets: replacing buffers with placeholders on the way
 * out (depth-first, array index order then object insertion order) and putting them back
 * on the way in.
 */
import { DecodeError } from './errors.js';
import { isBinaryData, toUint8Array } from './engine-packet.js';

/** A placeholder standing for attachment number `num`. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

/**
 * True if `data` holds binary (ArrayBuffer, Buffer, typed array, DataView; Blob/File in
 * browsers) at any depth. Objects with a `toJSON` method are inspected through it.
 * @param data any value
 */
export function hasBinary(data: unknown): boolean {
  return hasBinaryAt(data, false);
}

const BlobCtor: typeof Blob | undefined = typeof Blob === 'function' ? Blob : undefined;

/** True for a value that is sent as one binary attachment. */
export function isAttachment(value: unknown): boolean {
  return isBinaryData(value) || (BlobCtor !== undefined && value instanceof BlobCtor);
}

function hasBinaryAt(data: unknown, viaToJSON: boolean): boolean {
  if (data === null || typeof data !== 'object') return false;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) if (hasBinaryAt(data[i], false)) return true;
    return false;
  }
  if (isAttachment(data)) return true;
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !viaToJSON) {
    return hasBinaryAt((data as { toJSON(): unknown }).toJSON(), true);
  }
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key) && hasBinaryAt((data as Record<string, unknown>)[key], false)) {
      return true;
    }
  }
  return false;
}

/**
 * Replaces every attachment in `data` by a placeholder, without mutating `data`.
 * @param data the payload
 * @param buffers receives the attachments in placeholder order
 * @returns the payload with placeholders
 */
export function deconstruct(data: unknown, buffers: Uint8Array[]): unknown {
  if (data === null || typeof data !== 'object') return data;
  if (isBinaryData(data)) {
    const placeholder: Placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(toUint8Array(data));
    return placeholder;
  }
  if (BlobCtor !== undefined && data instanceof BlobCtor) {
    // Blobs cannot be read synchronously; the browser client converts them before encoding.
    throw new TypeError('Blob payloads must be converted to ArrayBuffer before encoding');
  }
  if (Array.isArray(data)) {
    const out = new Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = deconstruct(data[i], buffers);
    return out;
  }
  if (data instanceof Date) return data;
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return deconstruct((data as { toJSON(): unknown }).toJSON(), buffers);
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key)) {
      out[key] = deconstruct((data as Record<string, unknown>)[key], buffers);
    }
  }
  return out;
}

/**
 * Puts attachments back in place of their placeholders (mutates `data` in place).
 * @param data decoded JSON payload
 * @param buffers the attachments, in `num` order
 * @throws DecodeError on a placeholder with a bad `num`
 */
export function reconstruct(data: unknown, buffers: readonly unknown[]): unknown {
  if (data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) data[i] = reconstruct(data[i], buffers);
    return data;
  }
  const obj = data as Record<string, unknown>;
  if (obj._placeholder === true) {
    const num = obj.num;
    if (typeof num === 'number' && Number.isInteger(num) && num >= 0 && num < buffers.length) {
      return buffers[num];
    }
    throw new DecodeError('invalid-placeholder', 'illegal attachment placeholder');
  }
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key)) obj[key] = reconstruct(obj[key], buffers);
  }
  return obj;
}
