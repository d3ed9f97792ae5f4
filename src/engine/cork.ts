/**
 * Tick batching for WebSocket writes: the first write of a tick corks the connection and one
 * shared `process.nextTick` uncorks every connection corked in that tick, so all frames a
 * connection produces in one tick leave in a single `writev`.
 *
 * Imports nothing; must never import the transports (they import it).
 *
 * @example
 * ```ts
 * if (!transport.corked) uncorkAtEndOfTick(transport); // transport.uncork() runs at the end of the tick
 * ```
 */

/** Something that can be corked for the rest of the tick. */
export interface Corkable {
  /** true while corked in the current tick */
  corked: boolean;
  /** releases the cork (called once at the end of the tick) */
  uncork(): void;
}

const pending: Corkable[] = [];
let scheduled = false;

function uncorkAll(): void {
  scheduled = false;
  // a callback run by uncork() may cork again: those land in the next batch
  const n = pending.length;
  for (let i = 0; i < n; i++) {
    const c = pending[i]!;
    c.corked = false;
    c.uncork();
  }
  pending.splice(0, n);
  if (pending.length > 0 && !scheduled) {
    scheduled = true;
    process.nextTick(uncorkAll);
  }
}

/**
 * Registers a target that has just been corked; it is uncorked at the end of the tick.
 * @param target the corked target (its `corked` flag is set here)
 * @example
 * ```ts
 * raw.cork();
 * uncorkAtEndOfTick(transport); // transport.uncork() at the end of the tick
 * ```
 */
export function uncorkAtEndOfTick(target: Corkable): void {
  target.corked = true;
  pending.push(target);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(uncorkAll);
  }
}
