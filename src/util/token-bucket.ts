/**
 * A token bucket: the rate limiter shared by the packet limits (`rateLimit`) and the credentials refresh
 * budget. Part of the shared toolbox (`src/util/`), which imports nothing from the rest of Socketeer.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(20, 1000); // 20 events per second, bursts of 20
 * if (!bucket.take()) drop();
 * ```
 */

/**
 * A token bucket: `points` tokens, refilled continuously at `points` per `duration` ms. One object per socket,
 * no allocation per call.
 */
export class TokenBucket {
  /** tokens left (fractional while refilling) */
  private tokens: number;
  /** time of the last refill, in ms */
  private last: number;
  private readonly rate: number;

  /**
   * @param points tokens in a full bucket (the burst), and tokens added per `duration`
   * @param duration refill period in ms
   * @param now the current time in ms (default `Date.now()`)
   */
  constructor(
    readonly points: number,
    readonly duration: number,
    now: number = Date.now(),
  ) {
    if (!(points > 0) || !(duration > 0)) throw new RangeError('points and duration must be positive');
    this.tokens = points;
    this.last = now;
    this.rate = points / duration;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.points, this.tokens + elapsed * this.rate);
      this.last = now;
    }
  }

  /**
   * Takes a token if one is left.
   * @param now the current time in ms
   * @returns true if taken (the event may pass)
   * @example
   * ```ts
   * if (!bucket.take()) return next(new Error('rate limited'));
   * ```
   */
  take(now: number = Date.now()): boolean {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * @param now the current time in ms
   * @returns ms until a token is available (0 if one is)
   * @example
   * ```ts
   * if (!bucket.take()) socket.emit('slow_down', { retryAfter: bucket.retryAfter() });
   * ```
   */
  retryAfter(now: number = Date.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate);
  }
}
