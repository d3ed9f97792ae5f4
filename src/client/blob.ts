/**
 * Blob and File arguments (browser uploads): the codecs need bytes, and a Blob can only be
 * read asynchronously, so packets holding one are converted first; the Manager keeps later
 * packets behind them so that the order on the wire stays the order of the emits.
 *
 * Owns the Blob helpers of outgoing packets. Must never import server or server-engine code (`src/server/`,
 * `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */

const BlobCtor: typeof Blob | undefined = typeof Blob === 'function' ? Blob : undefined;

/**
 * Tells whether a payload holds a Blob at any depth.
 * @param data a packet payload
 * @example
 * ```ts
 * hasBlob(['upload', { file: new Blob(['abc']) }]);   // true
 * hasBlob(['chat', 'hello']);                        // false
 * ```
 */
export function hasBlob(data: unknown): boolean {
  if (BlobCtor === undefined || data === null || typeof data !== 'object') return false;
  if (data instanceof BlobCtor) return true;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return false;
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key) && hasBlob((data as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * Copies a payload with every Blob replaced by its bytes (an ArrayBuffer).
 * @param data a packet payload
 * @returns the converted payload
 * @example
 * ```ts
 * const data = await readBlobs(['upload', new Blob(['abc'])]);   // ['upload', ArrayBuffer(3)]
 * ```
 */
export async function readBlobs(data: unknown): Promise<unknown> {
  if (data === null || typeof data !== 'object' || !hasBlob(data)) return data;
  if (data instanceof BlobCtor!) return data.arrayBuffer();
  const out: Record<string, unknown> | unknown[] = Array.isArray(data) ? [] : {};
  for (const key in data) {
    if (Object.prototype.hasOwnProperty.call(data, key)) {
      (out as Record<string, unknown>)[key] = await readBlobs((data as Record<string, unknown>)[key]);
    }
  }
  return out;
}
