/**
 * Cheap identifiers: socket ids and private session ids (20 url-safe characters: 12 random bytes from a pooled
 * `crypto.randomBytes` buffer and a 3-byte sequence number), and recovery offsets (short, strictly increasing
 * strings within the process).
 *
 * Owns: id generation. Must never import any other Socketeer module.
 *
 * @example
 * ```ts
 * const sid = generateId();
 * const offset = generateOffset();
 * ```
 */
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 12 * 256;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;
let sequence = (Math.random() * 0xffffff) | 0;
const idBuffer = Buffer.allocUnsafe(15);

/**
 * Generates a fresh, unguessable id (not the Engine.IO id, which must stay private).
 * @returns a 20-character base64url string
 * @example
 * ```ts
 * const id = generateId();   // e.g. 'pZ3q1Nf0aQ2mXw7kLb9Y'
 * ```
 */
export function generateId(): string {
  if (poolOffset === POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  pool.copy(idBuffer, 0, poolOffset, poolOffset + 12);
  poolOffset += 12;
  sequence = (sequence + 1) & 0xffffff;
  idBuffer[12] = sequence >>> 16;
  idBuffer[13] = (sequence >>> 8) & 0xff;
  idBuffer[14] = sequence & 0xff;
  return idBuffer.toString('base64url');
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
let lastTime = '';
let seed = 0;

function encodeNumber(num: number): string {
  let encoded = '';
  do {
    encoded = ALPHABET[num % 64] + encoded;
    num = Math.floor(num / 64);
  } while (num > 0);
  return encoded;
}

/**
 * Generates a recovery offset: the current time in base 64, with a `.n` suffix when several are made in one ms.
 * @returns a short string, unique within the process
 * @example
 * ```ts
 * const offset = generateOffset();   // e.g. 'Ph3k1Ac' or 'Ph3k1Ac.1'
 * ```
 */
export function generateOffset(): string {
  const now = encodeNumber(Date.now());
  if (now !== lastTime) {
    seed = 0;
    lastTime = now;
    return now;
  }
  return now + '.' + encodeNumber(seed++);
}
