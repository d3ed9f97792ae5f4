/**
 * Binary attachments of Socket.IO packets: replacing buffers with placeholders on the way
 * out (depth-first, array index order then object insertion order) and putting them back
 * on the way in.
 */
import { DecodeError } from './errors.js';
import { isBinaryData, toUint8Array } from './engine-packet.js';

/**
 * The deepest payload the encoder walks (arrays and objects, the array of event arguments included).
 * Deeper (or circular) data makes `emit` throw a RangeError to its caller, before anything is sent,
 * instead of exhausting the stack inside the library. `JSON.stringify` itself overflows a few thousand
 * levels down, so no encodable payload a real application sends comes near this bound.
 */
export const MAX_ENCODE_DEPTH = 1000;

function tooDeep(): RangeError {
  return new RangeError(`payload nested deeper than ${MAX_ENCODE_DEPTH} levels (or circular): cannot be encoded`);
}

/** A placeholder standing for attachment number `num`. */
export interface Placeholder {
  _placeholder: true;
  num: number;
}

/**
 * True if `data` holds binary (ArrayBuffer, Buffer, typed array, DataView; Blob/File in
 * browsers) at any depth. Objects with a `toJSON` method are inspected through it.
 * @param data any value
 * @example
 * ```ts
 * hasBinary(['upload', { file: new Uint8Array(3) }]);   // true
 * ```
 */
export function hasBinary(data: unknown): boolean {
  return hasBinaryAt(data, false, 0);
}

const BlobCtor: typeof Blob | undefined = typeof Blob === 'function' ? Blob : undefined;

/**
 * True for a value that is sent as one binary attachment.
 * @example
 * ```ts
 * isAttachment(Buffer.from('x'));   // true
 * isAttachment('x');               // false
 * ```
 */
export function isAttachment(value: unknown): boolean {
  return isBinaryData(value) || (BlobCtor !== undefined && value instanceof BlobCtor);
}

/**
 * @throws RangeError when the data is deeper than {@link MAX_ENCODE_DEPTH} (or circular)
 */
function hasBinaryAt(data: unknown, viaToJSON: boolean, depth: number): boolean {
  if (data === null || typeof data !== 'object') return false;
  if (++depth > MAX_ENCODE_DEPTH) throw tooDeep();
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) if (hasBinaryAt(data[i], false, depth)) return true;
    return false;
  }
  if (isAttachment(data)) return true;
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function' && !viaToJSON) {
    return hasBinaryAt((data as { toJSON(): unknown }).toJSON(), true, depth);
  }
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key) && hasBinaryAt((data as Record<string, unknown>)[key], false, depth)) {
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
 * @throws RangeError when the data is deeper than {@link MAX_ENCODE_DEPTH} (or circular)
 * @example
 * ```ts
 * const buffers: Uint8Array[] = [];
 * const data = deconstruct(['file', new Uint8Array(3)], buffers);   // ['file', { _placeholder: true, num: 0 }]
 * ```
 */
export function deconstruct(data: unknown, buffers: Uint8Array[]): unknown {
  return deconstructAt(data, buffers, false, 0);
}

function deconstructAt(data: unknown, buffers: Uint8Array[], viaToJSON: boolean, depth: number): unknown {
  if (data === null || typeof data !== 'object') return data;
  if (++depth > MAX_ENCODE_DEPTH) throw tooDeep();
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
    for (let i = 0; i < data.length; i++) out[i] = deconstructAt(data[i], buffers, false, depth);
    return out;
  }
  if (data instanceof Date) return data;
  const toJSON = (data as { toJSON?: unknown }).toJSON;
  // once only, as the reference: a toJSON returning its own object is then walked as a plain object
  if (typeof toJSON === 'function' && !viaToJSON) {
    return deconstructAt((data as { toJSON(): unknown }).toJSON(), buffers, true, depth);
  }
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key)) {
      out[key] = deconstructAt((data as Record<string, unknown>)[key], buffers, false, depth);
    }
  }
  return out;
}

/**
 * Puts attachments back in place of their placeholders (mutates `data` in place).
 * @param data decoded JSON payload
 * @param buffers the attachments, in `num` order
 * @throws DecodeError on a placeholder with a bad `num`, or data deeper than {@link MAX_ENCODE_DEPTH}
 * @example
 * ```ts
 * reconstruct(['file', { _placeholder: true, num: 0 }], [bytes]);   // ['file', bytes]
 * ```
 */
export function reconstruct(data: unknown, buffers: readonly unknown[]): unknown {
  return reconstructAt(data, buffers, 0);
}

function reconstructAt(data: unknown, buffers: readonly unknown[], depth: number): unknown {
  if (data === null || typeof data !== 'object') return data;
  if (++depth > MAX_ENCODE_DEPTH) throw new DecodeError('too-deep', 'payload nested too deeply');
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) data[i] = reconstructAt(data[i], buffers, depth);
    return data;
  }
  const obj = data as Record<string, unknown>;
  if (obj._placeholder === true) {
    const num = obj.num;
    if (typeof num === 'number' && Number.isInteger(num) && num >= 0 && num < buffers.length) {
      return buffers[num];
    }
    // the reference parser's message
    throw new DecodeError('invalid-placeholder', 'illegal attachments');
  }
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key)) obj[key] = reconstructAt(obj[key], buffers, depth);
  }
  return obj;
}
