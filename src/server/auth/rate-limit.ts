/**
 * Incoming events per socket per time window: a connection middleware that gives each socket a token bucket
 * checked by a packet middleware (`socket.use`).
 *
 * ```ts
 * const limiter = rateLimit({ points: 20, duration: 1000 }); // 20 events/s per socket, bursts of 20
 * io.use(limiter);
 * limiter.stats(); // { limited, disconnected, sockets }
 * ```
 *
 * The answer when a socket goes over its rate:
 * - the event is dropped: its listeners are not called, the socket fires `error` with an Error
 *   `rate limited` (`err.data = { retryAfter }`), and if the event asked for an ack, the ack is sent with one
 *   argument `{ "error": "rate limited", "retryAfter": <ms> }`;
 * - on sustained abuse (more than `tolerance` events dropped per `duration`, i.e. a sustained rate above
 *   `points + tolerance` per `duration`), the socket is disconnected from the namespace with the reason
 *   `rate limited`: the client is told first (`socketeer:disconnect` with `{ reason: 'rate limited', data:
 *   { retryAfter } }`; the Socketeer client gives it with `disconnect`, the official one sees `io server disconnect`).
 * Catch-all listeners (`onAny`) run before packet middlewares and still see dropped events.
 *
 * Exempt events (by default: the credentials refreshes of sockets that announced the credentials extension,
 * which the authenticator bounds itself with `maxRefreshesPerMinute` and one refresh in flight) neither take a
 * token nor count as dropped. The same `$credentials:refresh` event from a client that did not announce the
 * extension is an ordinary event and counts.
 *
 * Owns `rateLimit`. Must never import engine internals (the token bucket comes from `src/util/`) or the client.
 */
import { TokenBucket } from '../../util/token-bucket.js';
import type { Socket } from '../socket.js';
import { credentialsOf } from './state.js';
import { disconnectWithReason } from './close.js';
import { REFRESH_EVENT } from '../../protocol/credentials.js';

type AnySocket = Socket<any, any, any, any>;

/** The reason given to server-side `disconnect` listeners on sustained abuse. */
export const REASON_RATE_LIMITED = 'rate limited';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** events allowed per `duration`, and the burst size (required) */
  points: number;
  /** window in ms (default 1000) */
  duration?: number;
  /** dropped events tolerated per `duration` before the socket is disconnected (default `points`; `Infinity`: never) */
  tolerance?: number;
  /**
   * events not counted: they take no token (default: `$credentials:refresh` from sockets that announced the
   * credentials extension, bounded by the authenticator's own limits)
   */
  exempt?: (event: string, socket: AnySocket) => boolean;
}

/** Counters of a {@link RateLimiter}, for a dashboard. */
export interface RateLimitStats {
  /** events dropped since the start */
  limited: number;
  /** sockets disconnected for abuse since the start */
  disconnected: number;
  /** connected sockets currently limited */
  sockets: number;
}

/** The acknowledgement sent for a dropped event. */
export interface RateLimitedAck {
  error: 'rate limited';
  /** ms until an event would be accepted */
  retryAfter: number;
}

/** A connection middleware installing the limit on each socket, with its counters. */
export interface RateLimiter {
  (socket: AnySocket, next: (err?: Error) => void): void;
  /**
   * @returns the counters
   * @example
   * ```ts
   * const limiter = rateLimit({ points: 20, duration: 1000 });
   * io.use(limiter);
   * setInterval(() => console.log(limiter.stats()), 60_000);   // { limited, disconnected, sockets }
   * ```
   */
  stats(): RateLimitStats;
}

function defaultExempt(event: string, socket: AnySocket): boolean {
  return event === REFRESH_EVENT && credentialsOf(socket)?.refreshable === true;
}

/**
 * Creates a per-socket event rate limit.
 * @param opts points per duration, tolerance before disconnection, exempt events
 * @returns a connection middleware for `io.use()` / `nsp.use()`, with `stats()`
 * @example
 * ```ts
 * import { rateLimit } from 'socketeer/auth';
 *
 * // 20 events per second and socket; over it, an event is dropped and its ack gets { error: 'rate limited', retryAfter }
 * io.use(rateLimit({ points: 20, duration: 1000 }));
 * io.of('/admin').use(rateLimit({ points: 5, duration: 1000, tolerance: 10 }));
 * ```
 */
export function rateLimit(opts: RateLimitOptions): RateLimiter {
  const points = opts.points;
  const duration = opts.duration ?? 1000;
  const tolerance = opts.tolerance ?? points;
  const exempt = opts.exempt ?? defaultExempt;
  new TokenBucket(points, duration); // validates the options now
  const stats = { limited: 0, disconnected: 0, sockets: 0 };

  const limited = new WeakSet<AnySocket>();
  const watched = new WeakSet<object>();

  /** Gives a socket its buckets and its packet middleware. */
  const limit = (socket: AnySocket): void => {
    limited.add(socket);
    const bucket = new TokenBucket(points, duration);
    const abuse = tolerance === Infinity ? undefined : tolerance > 0 ? new TokenBucket(tolerance, duration) : null;
    socket.use((event, nextPacket) => {
      if (exempt(event[0], socket)) return nextPacket();
      const now = Date.now();
      if (bucket.take(now)) return nextPacket();
      if (!socket.connected) return; // already cut: events still queued are dropped
      stats.limited++;
      const retryAfter = bucket.retryAfter(now);
      const last = event[event.length - 1];
      if (typeof last === 'function') {
        const answer: RateLimitedAck = { error: 'rate limited', retryAfter };
        (last as (a: RateLimitedAck) => void)(answer);
      }
      if (abuse !== undefined && (abuse === null || !abuse.take(now))) {
        if (disconnectWithReason(socket, REASON_RATE_LIMITED, { data: { retryAfter } })) stats.disconnected++;
        return;
      }
      const err = new Error('rate limited') as Error & { data?: unknown };
      err.data = { retryAfter };
      nextPacket(err);
    });
  };

  /** Counts connected sockets, and limits those restored by connection state recovery (middlewares skipped). */
  const onConnection = (socket: AnySocket): void => {
    if (!limited.has(socket)) {
      if (!socket.recovered) return;
      limit(socket);
    }
    stats.sockets++;
    socket.once('disconnect', () => {
      stats.sockets--;
    });
  };

  const install = (socket: AnySocket, next: (err?: Error) => void): void => {
    const nsp = socket.nsp;
    if (!watched.has(nsp)) {
      watched.add(nsp);
      nsp.on('connection', onConnection);
    }
    limit(socket);
    next();
  };
  return Object.assign(install, { stats: (): RateLimitStats => ({ ...stats }) });
}
