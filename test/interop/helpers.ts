/**
 * Small helpers for the interop suites: waiting for events with a deadline.
 */

/** Resolves with the arguments of the next `ev` event; rejects after `ms`. */
export function once(emitter: { once(ev: string, fn: (...args: any[]) => void): unknown }, ev: string, ms = 3000): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${ev}"`)), ms);
    emitter.once(ev, (...args: any[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** Resolves when `predicate()` is true; rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
