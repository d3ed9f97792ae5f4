/**
 * Requests a server of a cluster sends to the others and waits on (fetchSockets, allRooms, serverSideEmit with
 * an ack…): each settles on its expected number of answers, on its timeout, or early, once every server still
 * alive has answered (servers that left the bus, or are stuck, are not waited for).
 *
 * ```ts
 * const requests = new RequestTracker({ uid, log, membershipCheckInterval: 1000, isUp: () => bus.up,
 *   liveServers: () => countServers(), alivePeers: () => peers.fresh() });
 * requests.send(requestId, () => bus.publish(request), { expected: 2, collect, finish }, 5000);
 * // for each answer: requests.collect(requestId, answer, answer.uid)
 * ```
 *
 * Bus-agnostic: owns the waiting requests and their timers only. Must never import a bus client (Redis…), a
 * wire format, nor the server classes.
 */
import type { Logger } from '../../../util/logger.js';

/** A request waiting for the answers of the other servers. */
export interface PendingRequest {
  /** Number of answers expected (other servers). */
  expected: number;
  /** Adds one answer. */
  collect(response: Record<string, unknown>): void;
  /** Settles the request: `timedOut` when not every server answered. */
  finish(timedOut: boolean): void;
}

interface StoredRequest extends PendingRequest {
  received: number;
  timer: NodeJS.Timeout;
  /** Servers alive when the request was sent that have not answered yet. */
  missing: Set<string>;
}

/** The servers sharing the bus, as counted now. */
export interface LiveServers {
  /** How many (this one included), the stuck ones excluded. */
  count: number;
  /** Servers still connected to the bus but silent for too long. */
  stuck: Set<string>;
}

/** What a {@link RequestTracker} needs of its adapter. */
export interface RequestTrackerOptions {
  /** This server's id (in the log). */
  uid: string;
  /** The adapter's logger. */
  log: Logger;
  /** While requests wait, how often the live servers are counted, in ms (0: never). */
  membershipCheckInterval: number;
  /** Whether the bus answers now (the count is skipped while it does not). */
  isUp(): boolean;
  /** Counts the live servers. */
  liveServers(): Promise<LiveServers>;
  /** The servers known alive now: a new request notes which of them have not answered yet. */
  alivePeers(): Set<string>;
}

/**
 * Resolves to `fallback` when `p` does not settle within `ms` or rejects.
 * @param p the promise
 * @param ms the bound, in ms
 * @param fallback the value on timeout or rejection
 * @returns what `p` resolved with, or `fallback`
 * @example
 * ```ts
 * const live = await settleWithin(countServers(), 2000, null);   // null: the bus did not answer in time
 * ```
 */
export function settleWithin<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, () => { clearTimeout(timer); resolve(fallback); });
  });
}

/**
 * The requests of one adapter waiting on other servers.
 * @example
 * ```ts
 * const requests = new RequestTracker({ uid, log, membershipCheckInterval: 1000, isUp: () => true,
 *   liveServers: async () => ({ count: 3, stuck: new Set() }), alivePeers: () => new Set() });
 * requests.send('r1', () => bus.publish({ requestId: 'r1' }), {
 *   expected: 2,
 *   collect: (answer) => answers.push(answer),
 *   finish: (timedOut) => (timedOut ? reject(new Error('timeout')) : resolve(answers)),
 * }, 5000);
 * ```
 */
export class RequestTracker {
  private readonly requests = new Map<string, StoredRequest>();
  private membershipTimer: NodeJS.Timeout | null = null;

  /**
   * @param opts the adapter's side: id, logger, bus state, server counting
   * @example
   * ```ts
   * const requests = new RequestTracker({ uid, log, membershipCheckInterval: 1000, isUp: () => bus.up,
   *   liveServers: () => countServers(), alivePeers: () => peers.fresh() });
   * ```
   */
  constructor(private readonly opts: RequestTrackerOptions) {}

  /**
   * Registers a request and publishes it; it settles on `expected` answers, on timeout, or when the servers that
   * did not answer have left.
   * @param requestId request id
   * @param publish publishes the request
   * @param request expected count, collect and finish callbacks
   * @param timeout in ms
   * @example
   * ```ts
   * requests.send(requestId, () => bus.publish(message), { expected: count - 1, collect, finish }, 5000);
   * ```
   */
  send(requestId: string, publish: () => void, request: PendingRequest, timeout: number): void {
    const timer = setTimeout(() => this.settle(requestId, true), timeout);
    this.requests.set(requestId, { ...request, received: 0, timer, missing: this.opts.alivePeers() });
    const interval = this.opts.membershipCheckInterval;
    if (!this.membershipTimer && interval > 0) {
      this.membershipTimer = setInterval(() => this.checkMembership(), interval);
      this.membershipTimer.unref();
    }
    publish();
  }

  /**
   * Hands an answer to a waiting request.
   * @param requestId the request id
   * @param response the answer
   * @param from the id of the answering server, if known
   * @returns false when no such request waits (answer to another server, or too late)
   * @example
   * ```ts
   * bus.on('response', (answer) => requests.collect(answer.requestId, answer, answer.uid));
   * ```
   */
  collect(requestId: string, response: Record<string, unknown>, from?: unknown): boolean {
    const request = this.requests.get(requestId);
    if (!request) return false;
    if (typeof from === 'string') request.missing.delete(from);
    request.collect(response);
    request.received++;
    if (request.received >= request.expected) this.settle(requestId, false);
    return true;
  }

  /**
   * @param requestId a request id
   * @returns whether a request with this id waits
   * @example
   * ```ts
   * if (requests.has(message.requestId)) return;   // our own request, echoed by the bus
   * ```
   */
  has(requestId: string): boolean {
    return this.requests.has(requestId);
  }

  /**
   * Settles every waiting request as timed out (the adapter closes).
   * @example
   * ```ts
   * override close() { requests.failAll(); }
   * ```
   */
  failAll(): void {
    for (const requestId of [...this.requests.keys()]) this.settle(requestId, true);
  }

  private settle(requestId: string, timedOut: boolean): void {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    clearTimeout(request.timer);
    if (this.requests.size === 0 && this.membershipTimer) {
      clearInterval(this.membershipTimer);
      this.membershipTimer = null;
    }
    request.finish(timedOut);
  }

  /**
   * Resolves the waiting requests for which every server still alive has answered: servers gone from the bus no
   * longer count, nor do stuck ones (still connected, silent for too long).
   */
  private checkMembership(): void {
    if (!this.opts.isUp() || this.requests.size === 0) return;
    settleWithin(this.opts.liveServers(), this.opts.membershipCheckInterval, null).then((live) => {
      if (live === null) return;
      const others = live.count - 1 + live.stuck.size;
      for (const [requestId, request] of this.requests) {
        let stuckUnanswered = 0;
        for (const uid of request.missing) if (live.stuck.has(uid)) stuckUnanswered++;
        if (request.received >= others - stuckUnanswered) {
          this.opts.log('[%s] request %s resolves with the %d answers of the servers still alive', this.opts.uid, requestId,
            request.received);
          this.settle(requestId, false);
        }
      }
    });
  }
}
