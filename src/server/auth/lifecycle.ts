/**
 * The life of authenticated sockets after CONNECT: tracking, the timers (refresh request before expiry for
 * refresh-capable clients, cut at expiry for the others), refresh requests and their deadline, and cutting a
 * socket with a credentials reason. Also holds the settings and counters shared by the refresh and
 * re-verification code (`refresh.ts`, `reverify.ts`).
 *
 * Owns: `AuthLifecycle`. Must never import the engine, and must never call underscore members of server classes
 * (it uses the public `socket.packet`, `socket.on/once`, `socket.connected`, and `disconnectWithReason`).
 *
 * @example
 * ```ts
 * const life = new AuthLifecycle(resolveOptions(opts), owner);
 * life.track(socket, entry);      // after CONNECT: listens for refreshes, plans the timer
 * life.requestRefresh(socket, entry, 'reverify');
 * ```
 */
import { createLogger } from '../../util/logger.js';
import { PacketType, type Packet } from '../../protocol/index.js';
import {
  ERROR_EVENT,
  REASON_EXPIRED,
  REFRESH_EVENT,
  type CredentialsDisconnectReason,
  type CredentialsErrorPayload,
  type RefreshAck,
  type RefreshRequest,
} from '../../protocol/credentials.js';
import { disconnectWithReason } from './close.js';
import type { AnySocket, AuthSettings, AuthStats } from './options.js';
import { handleRefresh } from './refresh.js';
import { entries, settleWaiters, type Entry, type EntryOwner } from './state.js';

const debug = createLogger('socketeer:auth');

/** `socket.on` for an event that is not in the socket's event maps. */
interface UntypedListen {
  on(ev: string, listener: (payload: unknown, ack: unknown) => void): unknown;
}

/** The counters of {@link AuthStats} but `sockets`. */
export type AuthCounters = { -readonly [K in Exclude<keyof AuthStats, 'sockets'>]: number };

/**
 * Tracks the authenticated sockets of one authenticator: timers, refresh requests, expiry and cuts.
 * @example
 * ```ts
 * const life = new AuthLifecycle(settings, authenticator);
 * life.track(socket, entries.get(socket)!);
 * life.stats();   // { accepted, refused, …, sockets }
 * ```
 */
export class AuthLifecycle<Data = unknown> {
  /** counters shown by `stats()` */
  readonly counters: AuthCounters = {
    accepted: 0,
    refused: 0,
    refreshed: 0,
    refreshRefused: 0,
    refreshThrottled: 0,
    principalChanged: 0,
    expired: 0,
    refreshRequests: 0,
    reverified: 0,
  };
  /** sockets currently tracked */
  private tracked = 0;

  /**
   * @param settings the validated options
   * @param owner the authenticator (recorded in each entry)
   * @example
   * ```ts
   * const life = new AuthLifecycle(resolveOptions({ verify }), authenticator);
   * ```
   */
  constructor(
    readonly settings: AuthSettings<Data>,
    readonly owner: EntryOwner,
  ) {}

  /**
   * The counters and the number of tracked sockets.
   * @example
   * ```ts
   * life.stats().sockets;
   * ```
   */
  stats(): AuthStats {
    return { ...this.counters, sockets: this.tracked };
  }

  /**
   * Starts tracking a connected socket: its refreshes (clients that announced the extension), its disconnection,
   * its timer.
   * @example
   * ```ts
   * io.on('connection', (socket) => life.track(socket, entries.get(socket)!));
   * ```
   */
  track(socket: AnySocket, entry: Entry): void {
    this.tracked++;
    // only from clients that announced the extension; for the others it is an ordinary event of the application
    if (entry.refreshable) {
      // an event of the extension, outside the application's typed event map
      (socket as unknown as UntypedListen).on(REFRESH_EVENT, (payload, ack) => {
        void handleRefresh(this, socket, payload, typeof ack === 'function' ? (ack as (res: RefreshAck) => void) : undefined);
      });
    }
    socket.once('disconnect', () => {
      this.tracked--;
      entry.timer.stop();
      entry.deadline.stop();
      settleWaiters(entry, false);
    });
    this.schedule(socket, entry);
  }

  /**
   * Plans the refresh request (refresh-capable clients) or the cut at expiry (others).
   * @example
   * ```ts
   * entry.expiresAt = newExpiry;
   * life.schedule(socket, entry);
   * ```
   */
  schedule(socket: AnySocket, entry: Entry): void {
    entry.timer.stop();
    const expiresAt = entry.expiresAt;
    if (expiresAt === null) return;
    if (!entry.refreshable) {
      entry.timer.start(expiresAt, () => this.expire(socket));
      return;
    }
    const now = Date.now();
    const at = Math.max(expiresAt - this.settings.refreshBefore, now + (expiresAt - now) / 2);
    entry.timer.start(at, () => this.requestRefresh(socket, entry, 'expiring'));
  }

  /**
   * Asks the client for new credentials and sets the deadline.
   * @example
   * ```ts
   * life.requestRefresh(socket, entry, 'reverify');
   * ```
   */
  requestRefresh(socket: AnySocket, entry: Entry, reason: RefreshRequest['reason']): void {
    if (!socket.connected || entry.requested) return;
    entry.requested = true;
    entry.answered = false;
    const now = Date.now();
    const refreshTimeout = this.settings.refreshTimeout;
    const deadline = Math.min(entry.expiresAt ?? Infinity, now + refreshTimeout);
    this.counters.refreshRequests++;
    if (debug.enabled) debug('asking socket %s to refresh its credentials (%s)', socket.id, reason);
    const body: RefreshRequest = { expiresAt: entry.expiresAt, deadline, reason };
    // written directly: not replayed by connection state recovery, not seen by outgoing listeners
    socket.packet({ type: PacketType.EVENT, nsp: socket.nsp.name, data: [REFRESH_EVENT, body] });
    entry.deadline.start(deadline, () => {
      // credentials that arrived in time but are still being verified get another refreshTimeout
      if (entry.verifying > 0) entry.deadline.start(Date.now() + refreshTimeout, () => this.expire(socket));
      else this.expire(socket);
    });
  }

  /**
   * The deadline passed without valid credentials: cuts the socket with `credentials expired`.
   * @example
   * ```ts
   * entry.timer.start(expiresAt, () => life.expire(socket));
   * ```
   */
  expire(socket: AnySocket): void {
    if (!socket.connected) return;
    if (debug.enabled) debug('credentials of socket %s expired', socket.id);
    this.counters.expired++;
    this.cut(socket, REASON_EXPIRED, REASON_EXPIRED, undefined, entries.get(socket)?.refreshable ?? false);
  }

  /**
   * Tells a refresh-capable client why, then disconnects the socket with the reason.
   * @example
   * ```ts
   * life.cut(socket, 'credentials refused', err.message, err.data, entry.refreshable);
   * ```
   */
  cut(socket: AnySocket, reason: CredentialsDisconnectReason, message: string, data: unknown, refreshable: boolean): void {
    if (!socket.connected) return;
    const body: CredentialsErrorPayload = data === undefined ? { reason, message } : { reason, message, data };
    // the details go to every client; the credentials error only to those of the extension, after them
    const before: Packet | undefined = refreshable ? { type: PacketType.EVENT, nsp: socket.nsp.name, data: [ERROR_EVENT, body] } : undefined;
    disconnectWithReason(socket, reason, { message: message === reason ? undefined : message, data, before });
  }

  /**
   * Whether new credentials keep the principal of a socket (per `samePrincipal`; a throwing rule refuses).
   * @example
   * ```ts
   * if (!life.keepsPrincipal(entry, principalOf(result), socket)) refuse();
   * ```
   */
  keepsPrincipal(entry: Entry, principal: unknown, socket: AnySocket): boolean {
    const rule = this.settings.samePrincipal;
    if (rule === undefined) return true;
    try {
      return rule(entry.principal, principal, socket) === true;
    } catch (err) {
      if (debug.enabled) debug('samePrincipal threw: %s', (err as Error)?.message);
      return false;
    }
  }
}
