/**
 * Exponential backoff with jitter, as the reference client's reconnection delays:
 * attempt n waits `min(base ± floor(r·jitter·base), max)` with `base = min·2^n`, the sign
 * chosen by the parity of `floor(r·10)` for the same random draw `r`.
 *
 * ```ts
 * const b = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
 * b.duration(); // 500..1500
 * b.duration(); // 1000..3000
 * b.reset();
 * ```
 *
 * Owns `Backoff`. Imports nothing.
 */
export interface BackoffOptions {
  /** Initial delay in ms (default 100). */
  min?: number;
  /** Upper bound in ms (default 10000). */
  max?: number;
  /** Growth factor (default 2). */
  factor?: number;
  /** Randomization factor in (0, 1]; anything else disables jitter. */
  jitter?: number;
  /** Random source in [0, 1) (default Math.random). */
  random?: () => number;
}

/**
 * Reconnection delay generator.
 * @example
 * ```ts
 * const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
 * setTimeout(reconnect, backoff.duration());   // 500..1500 ms, then about twice as long each time
 * ```
 */
export class Backoff {
  /** Number of durations handed out since the last reset. */
  attempts = 0;
  private ms: number;
  private max: number;
  private readonly factor: number;
  private jitter: number;
  private readonly random: () => number;

  /**
   * @param opts see {@link BackoffOptions}
   * @example
   * ```ts
   * const backoff = new Backoff({ min: 500, max: 10000, jitter: 0 });
   * ```
   */
  constructor(opts: BackoffOptions = {}) {
    this.ms = opts.min || 100;
    this.max = opts.max || 10000;
    this.factor = opts.factor || 2;
    this.jitter = validJitter(opts.jitter);
    this.random = opts.random ?? Math.random;
  }

  /**
   * @returns the delay of the next attempt in ms, and counts the attempt
   * @example
   * ```ts
   * const first = backoff.duration();    // 1000 with min 1000 and no jitter
   * const second = backoff.duration();   // 2000
   * ```
   */
  duration(): number {
    let ms = this.ms * Math.pow(this.factor, this.attempts++);
    if (this.jitter) {
      const rand = this.random();
      const deviation = Math.floor(rand * this.jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.min(ms, this.max) | 0;
  }

  /**
   * Starts again from the first attempt.
   * @example
   * ```ts
   * socket.io.on('reconnect', () => backoff.reset());   // the next loss starts from the first delay
   * ```
   */
  reset(): void {
    this.attempts = 0;
  }

  /**
   * @param min new initial delay in ms
   * @example
   * ```ts
   * backoff.setMin(250);
   * ```
   */
  setMin(min: number): void {
    this.ms = min;
  }

  /**
   * @param max new upper bound in ms
   * @example
   * ```ts
   * backoff.setMax(30000);   // never wait more than 30 s
   * ```
   */
  setMax(max: number): void {
    this.max = max;
  }

  /**
   * @param jitter new randomization factor
   * @example
   * ```ts
   * backoff.setJitter(0);   // exact delays: 1 s, 2 s, 4 s…
   * ```
   */
  setJitter(jitter: number): void {
    this.jitter = validJitter(jitter);
  }
}

function validJitter(jitter: number | undefined): number {
  return jitter !== undefined && jitter > 0 && jitter <= 1 ? jitter : 0;
}
