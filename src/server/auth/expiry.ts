/**
 * Expiry dates of credentials and timers that may be far in the future.
 *
 * Owns expiry normalisation and `LongTimer`. Imports nothing.
 */

/** The longest delay `setTimeout` accepts (about 24.8 days); longer delays fire at once. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Numbers below this are seconds since the epoch (a JWT `exp`), above it milliseconds (year 5138 in seconds). */
const SECONDS_LIMIT = 1e11;

/**
 * Normalises an expiry.
 * @param value a Date, a number of ms since the epoch, or of seconds (a JWT `exp`, any number below 1e11);
 *   null/undefined for credentials that do not expire
 * @returns ms since the epoch, or null
 * @throws TypeError for an invalid date
 * @example
 * ```ts
 * toExpiry(new Date('2030-01-01'));   // 1893456000000
 * toExpiry(1893456000);               // a JWT exp, in seconds: 1893456000000
 * toExpiry(undefined);                // null: never expires
 * ```
 */
export function toExpiry(value: Date | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : value < SECONDS_LIMIT ? value * 1000 : value;
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError('invalid expiry: ' + String(value));
  return ms;
}

/**
 * Reads the `exp` claim of a JWT without verifying it (verify the token first, e.g. with `jose`).
 * @param token a compact JWT
 * @returns ms since the epoch, or null when the token has no `exp`
 * @example
 * ```ts
 * const { payload } = await jwtVerify(token, key);   // verify first
 * const expiresAt = jwtExpiry(token);                 // ms since the epoch, or null
 * ```
 */
export function jwtExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (part === undefined) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * A timer that accepts any delay (chained when longer than {@link MAX_TIMER_DELAY}) and does not keep the
 * process alive.
 * @example
 * ```ts
 * const timer = new LongTimer();
 * timer.start(Date.now() + 40 * 86400_000, () => expire(socket));   // 40 days: chained timeouts
 * timer.stop();
 * ```
 */
export class LongTimer {
  private timer: NodeJS.Timeout | undefined;

  /**
   * Starts (or restarts) the timer.
   * @param at when to fire, ms since the epoch
   * @param fn what to run
   * @example
   * ```ts
   * timer.start(expiresAt, () => socket.disconnect());
   * ```
   */
  start(at: number, fn: () => void): void {
    this.stop();
    const delay = at - Date.now();
    if (delay > MAX_TIMER_DELAY) {
      this.timer = setTimeout(() => this.start(at, fn), MAX_TIMER_DELAY);
    } else {
      this.timer = setTimeout(fn, Math.max(0, delay));
    }
    this.timer.unref();
  }

  /**
   * Stops the timer.
   * @example
   * ```ts
   * socket.once('disconnect', () => timer.stop());
   * ```
   */
  stop(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
