/**
 * Session ids: 15 random bytes as base64url (20 characters), drawn from a pool refilled in bulk.
 *
 * Imports node built-ins only.
 *
 * @example
 * ```ts
 * generateSessionId(); // 'Xk3p0VQ9yYbq0Fj2cR1a'
 * ```
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes for session ids, refilled in bulk (15 bytes per id). */
const ID_POOL = Buffer.allocUnsafe(15 * 128);
let idPoolOffset = ID_POOL.length;

/**
 * A new session id.
 * @returns 20 base64url characters
 * @example
 * ```ts
 * const id = generateSessionId();
 * ```
 */
export function generateSessionId(): string {
  if (idPoolOffset === ID_POOL.length) {
    randomFillSync(ID_POOL);
    idPoolOffset = 0;
  }
  const id = ID_POOL.toString('base64url', idPoolOffset, idPoolOffset + 15);
  idPoolOffset += 15;
  return id;
}
