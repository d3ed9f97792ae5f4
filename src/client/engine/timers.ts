/**
 * Timer functions, optionally pinned to the ones present at load time (`useNativeTimers`), so
 * fake timers installed later by a test framework do not affect the client.
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
 */
export function timers(useNativeTimers: boolean | undefined): Timers {
  if (useNativeTimers) {
    return {
      setTimeoutFn: (fn, ms) => NATIVE_SET_TIMEOUT.call(globalThis, fn, ms),
      clearTimeoutFn: (t) => NATIVE_CLEAR_TIMEOUT.call(globalThis, t),
    };
  }
  return {
    setTimeoutFn: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeoutFn: (t) => globalThis.clearTimeout(t),
  };
}

/**
 * Unrefs a Node.js timer (no-op in browsers).
 * @param timer a value returned by setTimeout
 */
export function unref(timer: any): void {
  if (timer && typeof timer.unref === 'function') timer.unref();
}
