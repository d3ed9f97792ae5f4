/**
 * Timers shared by many objects waiting the same duration (heartbeats, connect timeouts): one list per duration,
 * ordered by due time because every entry waits the same time, and one Node.js timer per list for its head.
 * Adding, refreshing and removing an entry are O(1) and allocate nothing: the entry is the waiting object itself
 * ({@link TimerEntry}), so a connection pays a few fields instead of a `Timeout` and a bound function.
 *
 * Must never import anything of the engine or the server.
 *
 * @example
 * ```ts
 * class Session implements TimerEntry {
 *   timerPrev: TimerEntry | null = null;
 *   timerNext: TimerEntry | null = null;
 *   timerDue = 0;
 *   timerList: TimerList | null = null;
 *   onTimer(): void { this.sendPing(); }
 * }
 * timerList(25000).add(session);   // session.onTimer() in 25 s
 * timerList(25000).add(session);   // again: restarts the wait (like timeout.refresh())
 * session.timerList?.remove(session);
 * ```
 */
import { performance } from 'node:perf_hooks';

/** An object waiting in a {@link TimerList}: the list links it through these fields. */
export interface TimerEntry {
  /** previous entry of its list (set by the list) */
  timerPrev: TimerEntry | null;
  /** next entry of its list (set by the list) */
  timerNext: TimerEntry | null;
  /** when it is due (`performance.now()` time, set by the list) */
  timerDue: number;
  /** the list it waits in, or null (set by the list) */
  timerList: TimerList | null;
  /** Called once the entry is due (it has already left its list). */
  onTimer(): void;
}

/** The longest delay of a Node.js timer: a later head is waited for in several steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Entries due within this many ms of now are fired together (the granularity of Node.js timers). */
const TOLERANCE_MS = 1;

/**
 * The entries waiting one duration, oldest first.
 * @example
 * ```ts
 * const list = timerList(45000);
 * list.add(connection);
 * list.remove(connection);
 * ```
 */
export class TimerList {
  /** the duration every entry waits, in ms */
  readonly ms: number;
  /** number of waiting entries */
  size = 0;
  private head: TimerEntry | null = null;
  private tail: TimerEntry | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** true while due entries are being fired (the timer is armed for the head once they are done) */
  private firing = false;
  private readonly onFireBound = (): void => this.fire();

  private readonly onError: (err: unknown) => void;

  /**
   * @param ms the duration every entry waits (0 or more)
   * @param onError called with what an entry's `onTimer` threw (default: thrown again on the next tick, uncaught,
   *   as from a timer of its own); the other due entries fire anyway
   */
  constructor(ms: number, onError: (err: unknown) => void = rethrowLater) {
    this.ms = ms;
    this.onError = onError;
  }

  /**
   * Starts (or restarts) the wait of an entry: it leaves any list it is in and is due `ms` from now.
   * @param entry the entry
   * @example
   * ```ts
   * timerList(25000).add(session);   // session.onTimer() in 25 s
   * ```
   */
  add(entry: TimerEntry): void {
    if (entry.timerList !== null) entry.timerList.remove(entry);
    const due = performance.now() + this.ms;
    entry.timerDue = due;
    entry.timerList = this;
    entry.timerNext = null;
    entry.timerPrev = this.tail;
    if (this.tail === null) this.head = entry;
    else this.tail.timerNext = entry;
    this.tail = entry;
    this.size++;
    if (this.timer === null && !this.firing) this.schedule(this.head!.timerDue);
  }

  /**
   * Ends the wait of an entry of this list (nothing happens for an entry of another list or of none).
   * @param entry the entry
   * @example
   * ```ts
   * session.timerList?.remove(session);
   * ```
   */
  remove(entry: TimerEntry): void {
    if (entry.timerList !== this) return;
    const prev = entry.timerPrev;
    const next = entry.timerNext;
    if (prev === null) this.head = next;
    else prev.timerNext = next;
    if (next === null) this.tail = prev;
    else next.timerPrev = prev;
    entry.timerPrev = entry.timerNext = null;
    entry.timerList = null;
    if (--this.size === 0 && this.timer !== null) {
      // nothing waits: the process may exit
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * Arms the list's Node.js timer for a due time.
   * @param due `performance.now()` time
   */
  private schedule(due: number): void {
    this.timer = setTimeout(this.onFireBound, Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(due - performance.now()))));
  }

  /** Fires every due entry, then waits for the next. */
  private fire(): void {
    this.timer = null;
    this.firing = true;
    const limit = performance.now() + TOLERANCE_MS;
    let entry = this.head;
    try {
      // entries added again by their onTimer are due `ms` later, behind the limit
      while (entry !== null && entry.timerDue <= limit) {
        this.remove(entry);
        try {
          entry.onTimer();
        } catch (err) {
          this.onError(err);
        }
        entry = this.head;
      }
    } finally {
      this.firing = false;
      if (this.head !== null && this.timer === null) this.schedule(this.head.timerDue);
    }
  }
}

/**
 * Throws an error again on the next tick (uncaught).
 * @param err the error
 */
function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/** One list per duration, shared by everything in the process that waits that long. */
const lists = new Map<number, TimerList>();

/**
 * The shared list of a duration.
 * @param ms the duration, in ms
 * @returns the list
 * @example
 * ```ts
 * timerList(engine.opts.pingInterval).add(session);
 * ```
 */
export function timerList(ms: number): TimerList {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new TimerList(ms);
    lists.set(ms, list);
  }
  return list;
}
