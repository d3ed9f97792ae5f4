/**
 * Timer functions, optionally pinned to the ones present at load time (`useNativeTimers`), so
 * fake timers installed later by a test framework do not affect the client.
 *
 * Owns the timer helpers. Imports nothing.
 */
const NATIVE_SET_TIMEOUT = globalThis.setTimeout;
const NATIVE_CLEAR_TIMEOUT = globalThis.clearTimeout;

/** A pair of timer functions. */
export interface Timers {
  setTimeoutFn: (fn: () => void, ms: number) => any;
  clearTimeoutFn: (timer: any) => void;
}

/**
 * Picks the timer functions.
 * @param useNativeTimers use the functions captured at load time
 * @example
 * ```ts
 * const { setTimeoutFn, clearTimeoutFn } = timers(opts.useNativeTimers);
 * const timer = setTimeoutFn(() => console.log('fired'), 1000);
 * ```
 */
export function timers(useNativeTimers: boolean | undefined): Timers {
  return {
    setTimeoutFn: (useNativeTimers ? NATIVE_SET_TIMEOUT : globalThis.setTimeout).bind(globalThis) as Timers['setTimeoutFn'],
    clearTimeoutFn: (useNativeTimers ? NATIVE_CLEAR_TIMEOUT : globalThis.clearTimeout).bind(globalThis),
  };
}

/**
 * Unrefs a Node.js timer (no-op in browsers).
 * @param timer a value returned by setTimeout
 * @example
 * ```ts
 * unref(setTimeout(retry, 5000));   // does not keep Node.js running
 * ```
 */
export function unref(timer: any): void {
  if (timer && typeof timer.unref === 'function') timer.unref();
}
