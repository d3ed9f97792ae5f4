/**
 * Credentials with a lifetime, refreshed in place over the open connection.
 *
 * ```ts
 * import { authenticate } from 'socketeer/auth';
 *
 * const auth = authenticate(io, {
 *   // called at CONNECT, at every refresh and at re-verification; throw to refuse
 *   async verify({ token }, socket) {
 *     const { payload } = await jwtVerify(String(token), key).catch(() => {
 *       throw Object.assign(new Error('not authorized'), { data: { code: 401 } });
 *     });
 *     return { data: { userId: payload.sub }, expiresAt: payload.exp }; // a JWT exp, a Date or ms
 *   },
 *   refreshBefore: 30_000, // ask Socketeer clients for new credentials 30 s before expiry
 *   refreshTimeout: 10_000, // and cut the socket if none arrive within 10 s (or at expiry)
 * });
 * io.on('connection', (socket) => socket.join('user:' + socket.data.userId));
 * auth.credentialsOf(socket);               // { expiresAt, refreshedAt, refreshes, refreshable, … }
 * await auth.reverify(io.in('user:42'));    // after a permission change, on every node
 * io.in('user:42').disconnectSockets();     // revoke
 * ```
 *
 * Clients that announced the extension (the Socketeer client with `enableCredentialsRefresh`) are asked for new
 * credentials before expiry and keep their connection, rooms and pending acks. Their refreshes are verified one at
 * a time, those they send on their own at most `maxRefreshesPerMinute`, and must keep the principal of the socket
 * (`samePrincipal`); refreshes from other clients are ordinary events. A socket restored by connection state
 * recovery is verified before its session (missed packets, events) resumes. Other clients (the official
 * `socket.io-client`, mobile clients) are disconnected at expiry (server reason `credentials expired`; the client
 * sees `io server disconnect` and reconnects with `socket.connect()`, which calls its `auth` function again).
 */
import { createLogger } from '../../util/logger.js';
import { PacketType } from '../../protocol/index.js';
import type { Namespace } from '../namespace.js';
import type { Server } from '../server.js';
import type { Socket } from '../socket.js';
import type { SocketId } from '../adapter.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { disconnectWithReason } from './close.js';
import { LongTimer, toExpiry } from './expiry.js';
import {
  ANNOUNCE_KEY,
  ERROR_EVENT,
  PRINCIPAL_CHANGED,
  REFRESH_IN_PROGRESS,
  REFRESH_RATE_LIMITED,
  REASON_EXPIRED,
  REASON_REFUSED,
  REFRESH_EVENT,
  REVERIFY_EVENT,
  type CredentialsDisconnectReason,
  type CredentialsErrorPayload,
  type RefreshAck,
  type RefreshRequest,
} from '../../protocol/credentials.js';

const debug = createLogger('socketeer:auth');

type AnySocket = Socket<any, any, any, any>;
type AnyNamespace = Namespace<any, any, any, any>;

/** What `verify` returns for accepted credentials. */
export interface VerifyResult<Data = unknown> {
  /** merged into `socket.data` (replaces it when not an object) */
  data?: Data;
  /** when the credentials expire: a Date, ms since the epoch, or seconds since the epoch (a JWT `exp`); none if absent */
  expiresAt?: Date | number | null;
  /**
   * who the credentials identify (compared at each refresh, see `samePrincipal`); when absent, the principal is
   * `data.sub ?? data.id ?? data.userId` (undefined if `data` has none of them)
   */
  principal?: unknown;
}

/**
 * Decides whether a refresh may change the principal of a socket.
 * @param before the principal of the credentials accepted so far
 * @param after the principal of the new credentials
 * @param socket the socket
 * @returns true to accept the new credentials
 */
export type SamePrincipal = (before: unknown, after: unknown, socket: AnySocket) => boolean;

/**
 * Checks credentials. Throw (or reject with) an Error to refuse; its `message` and `data` reach the client.
 * @param auth the CONNECT payload (`handshake.auth`) or the credentials sent in a refresh
 * @param socket the socket (not yet connected at CONNECT)
 */
export type Verify<Data = unknown> = (auth: Record<string, any>, socket: AnySocket) => VerifyResult<Data> | Promise<VerifyResult<Data>>;

/** Options of {@link authenticate}. */
export interface AuthenticateOptions<Data = unknown> {
  /** checks credentials (required) */
  verify: Verify<Data>;
  /** ms before expiry at which refresh-capable clients are asked for new credentials (default 30000; never earlier than half the remaining lifetime) */
  refreshBefore?: number;
  /** ms a client has to answer a refresh request (default 10000; never past the expiry) */
  refreshTimeout?: number;
  /**
   * refreshes a socket may send on its own (not answering a refresh request) per minute, in bursts of as many
   * (default 6; `0`: none; `Infinity`: no limit). Each refresh request of the server may be answered once
   * whatever this limit. Extra refreshes are refused with the ack error `too many refreshes`, without `verify`.
   */
  maxRefreshesPerMinute?: number;
  /**
   * whether a refresh must keep the principal of the socket (default `true`: the principals must be identical,
   * `===`; see {@link VerifyResult.principal}). `false` allows switching; a function decides. A refresh with
   * another principal is refused with the ack error `principal changed`: the socket stays connected with its
   * current identity, data and credentials.
   */
  samePrincipal?: boolean | SamePrincipal;
}

/** What the server knows about the credentials of a socket. */
export interface Credentials {
  /** when they expire (null: never) */
  expiresAt: Date | null;
  /** when they were last verified (CONNECT, refresh or re-verification) */
  verifiedAt: Date;
  /** when they were last refreshed in place (null: never) */
  refreshedAt: Date | null;
  /** number of refreshes in place */
  refreshes: number;
  /** whether the client announced support for refresh in place */
  refreshable: boolean;
  /** who the credentials identify (see {@link VerifyResult.principal}) */
  principal: unknown;
}

/** Counters of an {@link Authenticator}, for a dashboard. */
export interface AuthStats {
  /** credentials accepted at CONNECT */
  accepted: number;
  /** credentials refused at CONNECT */
  refused: number;
  /** refreshes in place accepted */
  refreshed: number;
  /** sockets cut because a refresh or re-verification was refused */
  refreshRefused: number;
  /** refreshes refused without calling `verify` (one already in progress, or over `maxRefreshesPerMinute`) */
  refreshThrottled: number;
  /** refreshes refused because the principal changed (the socket keeps its identity) */
  principalChanged: number;
  /** sockets cut at expiry */
  expired: number;
  /** refresh requests sent to clients */
  refreshRequests: number;
  /** sockets re-verified on demand */
  reverified: number;
  /** sockets currently tracked */
  sockets: number;
}

/** Outcome of {@link Authenticator.reverify}. */
export interface ReverifyResult {
  /** sockets whose credentials were accepted again */
  kept: number;
  /** sockets disconnected (refused, expired, or gone meanwhile) */
  disconnected: number;
}

/** Per-socket state. */
interface Entry {
  /** the authenticator that accepted the socket */
  owner: Authenticator<any>;
  expiresAt: number | null;
  verifiedAt: number;
  refreshedAt: number | null;
  refreshes: number;
  refreshable: boolean;
  /** the credentials last accepted, for re-verification of clients that cannot refresh */
  auth: Record<string, any>;
  /** who they identify */
  principal: unknown;
  /** expiry or refresh timer */
  timer: LongTimer;
  /** deadline of the pending refresh request */
  deadline: LongTimer;
  /** a refresh request is waiting for an answer */
  requested: boolean;
  /** the pending refresh request was answered (later refreshes count as unsolicited) */
  answered: boolean;
  /** a refresh sent by the client is being verified */
  refreshing: boolean;
  /** unsolicited refreshes (created at the first one; undefined: no limit, null: none allowed) */
  budget: TokenBucket | null | undefined;
  /** number of verifications in progress */
  verifying: number;
  /** called with true when a refresh succeeds, false when the socket leaves */
  waiters: Array<(kept: boolean) => void>;
}

/** An Error as sent to clients. */
interface ExtendedError extends Error {
  data?: unknown;
}

const authenticators = new WeakMap<AnyNamespace, Authenticator>();
const entries = new WeakMap<AnySocket, Entry>();

/** Whether a CONNECT payload announces the credentials extension. */
function announced(auth: Record<string, unknown>): boolean {
  const v = auth[ANNOUNCE_KEY];
  return v !== undefined && v !== null && v !== false && v !== 0;
}

/** The principal of accepted credentials: `principal`, else `data.sub`, `data.id` or `data.userId`. */
function principalOf(result: VerifyResult<unknown>): unknown {
  if (result.principal !== undefined) return result.principal;
  const data = result.data as Record<string, unknown> | null | undefined;
  if (data === null || typeof data !== 'object') return undefined;
  return data.sub ?? data.id ?? data.userId;
}

const strictlySame: SamePrincipal = (before, after) => before === after;

function toError(err: unknown): ExtendedError {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' && err ? err : REASON_REFUSED);
}

/** `socket.data` updated with what `verify` returned. */
function applyData(socket: AnySocket, data: unknown): void {
  if (data === undefined) return;
  if (data !== null && typeof data === 'object' && socket.data !== null && typeof socket.data === 'object' && !Array.isArray(data)) {
    Object.assign(socket.data, data);
  } else {
    socket.data = data;
  }
}

/**
 * Authentication with a lifetime on one namespace: a connection middleware checking the CONNECT payload with
 * `verify`, expiry tracking, refresh in place, re-verification on demand (across servers).
 */
export class Authenticator<Data = unknown> {
  /** the namespace */
  readonly nsp: AnyNamespace;
  private readonly verify: Verify<Data>;
  private readonly refreshBefore: number;
  private readonly refreshTimeout: number;
  /** unsolicited refreshes per minute (Infinity: no limit) */
  private readonly maxRefreshesPerMinute: number;
  /** the principal rule (undefined: any change allowed) */
  private readonly samePrincipal: SamePrincipal | undefined;
  private readonly counters = {
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
  private tracked = 0;

  /**
   * @param nsp the namespace
   * @param opts see {@link AuthenticateOptions}
   * @example
   * ```ts
   * // created by authenticate(), which refuses a second authenticator on the same namespace
   * const auth = authenticate(io, { verify });
   * ```
   */
  constructor(nsp: AnyNamespace, opts: AuthenticateOptions<Data>) {
    if (typeof opts.verify !== 'function') throw new TypeError('authenticate: a verify function is required');
    this.nsp = nsp;
    this.verify = opts.verify;
    this.refreshBefore = opts.refreshBefore ?? 30000;
    this.refreshTimeout = opts.refreshTimeout ?? 10000;
    const max = opts.maxRefreshesPerMinute ?? 6;
    if (!(max >= 0)) throw new RangeError('authenticate: maxRefreshesPerMinute must be a number >= 0');
    this.maxRefreshesPerMinute = max;
    const same = opts.samePrincipal ?? true;
    if (typeof same !== 'boolean' && typeof same !== 'function') throw new TypeError('authenticate: samePrincipal must be a boolean or a function');
    this.samePrincipal = same === true ? strictlySame : same === false ? undefined : same;
    // also runs for sockets restored by connection state recovery: the credentials are checked before the
    // missed packets are sent and before any event is handled
    const middleware = (socket: AnySocket, next: (err?: Error) => void): void => {
      this.onConnect(socket).then(() => next(), (err: unknown) => next(toError(err)));
    };
    nsp.use(Object.assign(middleware, { runOnRecovery: true }));
    nsp.on('connection', (socket: AnySocket) => this.onConnection(socket));
    (nsp as unknown as { on(ev: string, fn: (...args: any[]) => void): void }).on(REVERIFY_EVENT, (ids: unknown, ack?: unknown) => {
      const list = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
      void this.reverifyLocal(list).then((result) => {
        if (typeof ack === 'function') ack(result);
      });
    });
  }

  /** Checks the CONNECT payload (middleware). */
  private async onConnect(socket: AnySocket): Promise<void> {
    const auth = socket.handshake.auth;
    const refreshable = announced(auth);
    delete auth[ANNOUNCE_KEY];
    let result: VerifyResult<Data>;
    try {
      result = (await this.verify(auth, socket)) ?? {};
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
    let expiresAt: number | null;
    try {
      expiresAt = toExpiry(result.expiresAt);
      if (expiresAt !== null && expiresAt <= Date.now()) throw new Error(REASON_EXPIRED);
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
    applyData(socket, result.data);
    this.counters.accepted++;
    entries.set(socket, {
      owner: this,
      expiresAt,
      verifiedAt: Date.now(),
      refreshedAt: null,
      refreshes: 0,
      refreshable,
      auth,
      principal: principalOf(result),
      timer: new LongTimer(),
      deadline: new LongTimer(),
      requested: false,
      answered: false,
      refreshing: false,
      budget: undefined,
      verifying: 0,
      waiters: [],
    });
  }

  /** Starts tracking a connected socket (or checks a socket restored by connection state recovery). */
  private onConnection(socket: AnySocket): void {
    const entry = entries.get(socket);
    if (entry === undefined) {
      if (!socket.recovered) return; // connected by another path (not through this middleware)
      // middlewares were skipped: the CONNECT payload (fresh from the client's auth function) is checked now
      void this.verifyRecovered(socket);
      return;
    }
    this.track(socket, entry);
  }

  private async verifyRecovered(socket: AnySocket): Promise<void> {
    const refreshable = announced(socket.handshake.auth);
    try {
      await this.onConnect(socket);
    } catch (err) {
      const e = toError(err);
      this.counters.refreshRefused++;
      this.cut(socket, REASON_REFUSED, e.message, e.data, refreshable);
      return;
    }
    const entry = entries.get(socket);
    if (entry !== undefined && socket.connected) this.track(socket, entry);
  }

  private track(socket: AnySocket, entry: Entry): void {
    this.tracked++;
    // only from clients that announced the extension; for the others it is an ordinary event of the application
    if (entry.refreshable) {
      socket.on(REFRESH_EVENT as any, ((payload: unknown, ack: unknown) => {
        void this.onRefresh(socket, payload, typeof ack === 'function' ? (ack as (res: RefreshAck) => void) : undefined);
      }) as any);
    }
    socket.once('disconnect', () => {
      this.tracked--;
      entry.timer.stop();
      entry.deadline.stop();
      const waiters = entry.waiters;
      entry.waiters = [];
      for (const w of waiters) w(false);
    });
    this.schedule(socket, entry);
  }

  /** Plans the refresh request (refresh-capable clients) or the cut at expiry (others). */
  private schedule(socket: AnySocket, entry: Entry): void {
    entry.timer.stop();
    const expiresAt = entry.expiresAt;
    if (expiresAt === null) return;
    if (!entry.refreshable) {
      entry.timer.start(expiresAt, () => this.expire(socket));
      return;
    }
    const now = Date.now();
    const at = Math.max(expiresAt - this.refreshBefore, now + (expiresAt - now) / 2);
    entry.timer.start(at, () => this.requestRefresh(socket, entry, 'expiring'));
  }

  /** Asks the client for new credentials and sets the deadline. */
  private requestRefresh(socket: AnySocket, entry: Entry, reason: RefreshRequest['reason']): void {
    if (!socket.connected || entry.requested) return;
    entry.requested = true;
    entry.answered = false;
    const now = Date.now();
    const deadline = Math.min(entry.expiresAt ?? Infinity, now + this.refreshTimeout);
    this.counters.refreshRequests++;
    if (debug.enabled) debug('asking socket %s to refresh its credentials (%s)', socket.id, reason);
    const body: RefreshRequest = { expiresAt: entry.expiresAt, deadline, reason };
    // written directly: not replayed by connection state recovery, not seen by outgoing listeners
    socket.packet({ type: PacketType.EVENT, nsp: socket.nsp.name, data: [REFRESH_EVENT, body] });
    entry.deadline.start(deadline, () => {
      // credentials that arrived in time but are still being verified get another refreshTimeout
      if (entry.verifying > 0) entry.deadline.start(Date.now() + this.refreshTimeout, () => this.expire(socket));
      else this.expire(socket);
    });
  }

  /**
   * Whether a refresh sent by the client may be verified now: at most one in flight; each refresh request of the
   * server may be answered once; other refreshes within `maxRefreshesPerMinute`.
   * @returns the refusal, or undefined
   */
  private admitRefresh(entry: Entry): RefreshAck | undefined {
    if (entry.refreshing) return { error: { message: REFRESH_IN_PROGRESS } };
    if (entry.requested && !entry.answered) {
      entry.answered = true;
      return undefined;
    }
    const max = this.maxRefreshesPerMinute;
    if (max === Infinity) return undefined;
    if (entry.budget === undefined) entry.budget = max > 0 ? new TokenBucket(max, 60000) : null;
    const now = Date.now();
    if (entry.budget !== null && entry.budget.take(now)) return undefined;
    const retryAfter = entry.budget === null ? null : Math.ceil(entry.budget.retryAfter(now));
    return { error: { message: REFRESH_RATE_LIMITED, data: { retryAfter } } };
  }

  /** Handles credentials sent by the client. */
  private async onRefresh(socket: AnySocket, payload: unknown, ack: ((res: RefreshAck) => void) | undefined): Promise<void> {
    const entry = entries.get(socket);
    if (entry === undefined || !socket.connected) return;
    const refusal = this.admitRefresh(entry);
    if (refusal !== undefined) {
      this.counters.refreshThrottled++;
      if (debug.enabled) debug('refresh of socket %s refused without verification: %s', socket.id, (refusal as { error: { message: string } }).error.message);
      ack?.(refusal);
      return;
    }
    const auth = payload !== null && typeof payload === 'object' ? (payload as { auth?: unknown }).auth : undefined;
    entry.refreshing = true;
    entry.verifying++;
    let result: VerifyResult<Data> | undefined;
    let error: ExtendedError | undefined;
    try {
      if (auth === null || typeof auth !== 'object') throw new Error('invalid credentials refresh');
      result = (await this.verify(auth as Record<string, any>, socket)) ?? {};
      const expiresAt = toExpiry(result.expiresAt);
      if (expiresAt !== null && expiresAt <= Date.now()) throw new Error(REASON_EXPIRED);
    } catch (err) {
      error = toError(err);
    } finally {
      entry.verifying--;
      entry.refreshing = false;
    }
    if (!socket.connected) return;
    if (error !== undefined) {
      if (debug.enabled) debug('refresh of socket %s refused: %s', socket.id, error.message);
      ack?.({ error: error.data === undefined ? { message: error.message } : { message: error.message, data: error.data } });
      this.counters.refreshRefused++;
      this.cut(socket, REASON_REFUSED, error.message, error.data, entry.refreshable);
      return;
    }
    const principal = principalOf(result!);
    if (!this.keepsPrincipal(entry, principal, socket)) {
      // refused, but the socket keeps its identity, data, credentials and timers
      if (debug.enabled) debug('refresh of socket %s refused: principal changed', socket.id);
      this.counters.principalChanged++;
      ack?.({ error: { message: PRINCIPAL_CHANGED } });
      return;
    }
    applyData(socket, result!.data);
    const now = Date.now();
    entry.expiresAt = toExpiry(result!.expiresAt);
    entry.auth = auth as Record<string, any>;
    entry.principal = principal;
    entry.verifiedAt = now;
    entry.refreshedAt = now;
    entry.refreshes++;
    entry.requested = false;
    entry.deadline.stop();
    this.counters.refreshed++;
    if (debug.enabled) debug('socket %s refreshed its credentials', socket.id);
    ack?.({ expiresAt: entry.expiresAt });
    this.schedule(socket, entry);
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const w of waiters) w(true);
  }

  /** Whether new credentials keep the principal of a socket (per `samePrincipal`; a throwing rule refuses). */
  private keepsPrincipal(entry: Entry, principal: unknown, socket: AnySocket): boolean {
    const rule = this.samePrincipal;
    if (rule === undefined) return true;
    try {
      return rule(entry.principal, principal, socket) === true;
    } catch (err) {
      if (debug.enabled) debug('samePrincipal threw: %s', (err as Error)?.message);
      return false;
    }
  }

  /** The deadline passed without valid credentials. */
  private expire(socket: AnySocket): void {
    if (!socket.connected) return;
    if (debug.enabled) debug('credentials of socket %s expired', socket.id);
    this.counters.expired++;
    this.cut(socket, REASON_EXPIRED, REASON_EXPIRED, undefined, entries.get(socket)?.refreshable ?? false);
  }

  /** Tells a refresh-capable client why, then disconnects the socket with the reason. */
  private cut(socket: AnySocket, reason: CredentialsDisconnectReason, message: string, data: unknown, refreshable: boolean): void {
    if (!socket.connected) return;
    if (refreshable) {
      const body: CredentialsErrorPayload = data === undefined ? { reason, message } : { reason, message, data };
      socket.packet({ type: PacketType.EVENT, nsp: socket.nsp.name, data: [ERROR_EVENT, body] });
    }
    disconnectWithReason(socket, reason);
  }

  /**
   * What the server knows about the credentials of a socket of this namespace.
   * @param socket the socket
   * @returns the details, or undefined if the socket was not authenticated here
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   const creds = auth.credentialsOf(socket);
   *   console.log(creds?.expiresAt, creds?.refreshes);
   * });
   * ```
   */
  credentialsOf(socket: AnySocket): Credentials | undefined {
    return credentialsOf(socket);
  }

  /**
   * Re-verifies the credentials of sockets now (after a permission change): refresh-capable clients are asked
   * for new credentials (deadline `refreshTimeout`); for the others, the credentials they presented last are
   * verified again. Refused → disconnected with `credentials refused`.
   * @param target a socket, or a selection: `io.in('user:42')`, a namespace, the server (across servers with a
   *   cluster adapter: remote sockets are re-verified by their own server)
   * @returns how many sockets kept their connection and how many were disconnected, once all are settled
   * @example
   * ```ts
   * // a user's permissions changed: refreshing clients are asked for new credentials, the others re-checked
   * const { kept, disconnected } = await auth.reverify(io.in('user:42'));
   * await auth.reverify(socket);   // one socket
   * ```
   */
  async reverify(target: AnySocket | { fetchSockets(): Promise<Array<{ id: SocketId }>> }): Promise<ReverifyResult> {
    if (isSocket(target)) return this.reverifySockets([target]);
    const sockets = await target.fetchSockets();
    const local: AnySocket[] = [];
    const remote: SocketId[] = [];
    for (const s of sockets) {
      if (!isSocket(s)) remote.push(s.id); // a RemoteSocket: connected to another server
      else local.push(s); // sockets authenticated elsewhere (another namespace) are skipped below
    }
    const pending: Array<Promise<ReverifyResult>> = [this.reverifySockets(local)];
    if (remote.length > 0) pending.push(this.reverifyRemote(remote));
    const results = await Promise.all(pending);
    return results.reduce((a, b) => ({ kept: a.kept + b.kept, disconnected: a.disconnected + b.disconnected }));
  }

  private async reverifyRemote(ids: SocketId[]): Promise<ReverifyResult> {
    let responses: unknown[];
    try {
      responses = await (this.nsp as any).serverSideEmitWithAck(REVERIFY_EVENT, ids);
    } catch (err) {
      // some servers did not answer in time: count those that did
      responses = ((err as { responses?: unknown[] }).responses ?? []) as unknown[];
    }
    const total: ReverifyResult = { kept: 0, disconnected: 0 };
    for (const r of responses) {
      if (r && typeof r === 'object') {
        total.kept += Number((r as ReverifyResult).kept) || 0;
        total.disconnected += Number((r as ReverifyResult).disconnected) || 0;
      }
    }
    return total;
  }

  /** Re-verifies sockets of this server given by id (requests from other servers). */
  private reverifyLocal(ids: SocketId[]): Promise<ReverifyResult> {
    const sockets: AnySocket[] = [];
    for (const id of ids) {
      const socket = this.nsp.sockets.get(id) as AnySocket | undefined;
      if (socket !== undefined) sockets.push(socket);
    }
    return this.reverifySockets(sockets);
  }

  private async reverifySockets(sockets: AnySocket[]): Promise<ReverifyResult> {
    const outcomes = await Promise.all(sockets.map((socket) => this.reverifySocket(socket)));
    const result: ReverifyResult = { kept: 0, disconnected: 0 };
    for (const o of outcomes) {
      if (o === true) result.kept++;
      else if (o === false) result.disconnected++;
    }
    return result;
  }

  /** @returns true if kept, false if disconnected, undefined if not authenticated here */
  private async reverifySocket(socket: AnySocket): Promise<boolean | undefined> {
    const entry = entries.get(socket);
    if (entry === undefined || entry.owner !== this || !socket.connected) return undefined;
    this.counters.reverified++;
    if (entry.refreshable) {
      const settled = new Promise<boolean>((resolve) => entry.waiters.push(resolve));
      this.requestRefresh(socket, entry, 'reverify');
      return settled;
    }
    entry.verifying++;
    let result: VerifyResult<Data>;
    try {
      result = (await this.verify(entry.auth, socket)) ?? {};
      const expiresAt = toExpiry(result.expiresAt);
      if (expiresAt !== null && expiresAt <= Date.now()) throw new Error(REASON_EXPIRED);
    } catch (err) {
      entry.verifying--;
      const e = toError(err);
      if (!socket.connected) return false;
      this.counters.refreshRefused++;
      this.cut(socket, REASON_REFUSED, e.message, e.data, entry.refreshable);
      return false;
    }
    entry.verifying--;
    if (!socket.connected) return false;
    const principal = principalOf(result);
    if (!this.keepsPrincipal(entry, principal, socket)) {
      // the same credentials now identify someone else: not kept
      this.counters.principalChanged++;
      this.counters.refreshRefused++;
      this.cut(socket, REASON_REFUSED, PRINCIPAL_CHANGED, undefined, entry.refreshable);
      return false;
    }
    applyData(socket, result.data);
    entry.principal = principal;
    entry.expiresAt = toExpiry(result.expiresAt);
    entry.verifiedAt = Date.now();
    this.schedule(socket, entry);
    return true;
  }

  /**
   * @returns the counters
   * @example
   * ```ts
   * setInterval(() => console.log(auth.stats()), 60_000);   // refreshes, refusals, expiries…
   * ```
   */
  stats(): AuthStats {
    return { ...this.counters, sockets: this.tracked };
  }
}

function isSocket(target: unknown): target is AnySocket {
  return typeof target === 'object' && target !== null && 'handshake' in target && 'nsp' in target && 'client' in target;
}

/**
 * Installs authentication with a lifetime on a namespace (or the main namespace of a server).
 * @param target `io` or `io.of('/chat')`; install on every server of a cluster
 * @param opts `verify`, `refreshBefore`, `refreshTimeout`
 * @returns the authenticator (credentials, re-verification, counters)
 * @throws Error if the namespace already has one
 * @example
 * ```ts
 * import { Server } from 'socketeer';
 * import { authenticate } from 'socketeer/auth';
 * import { jwtVerify } from 'jose';
 *
 * const io = new Server(httpServer);
 * const auth = authenticate(io, {
 *   verify: async ({ token }) => {
 *     const { payload } = await jwtVerify(String(token), key);   // throws: the connection is refused
 *     return { data: { userId: payload.sub }, expiresAt: payload.exp };
 *   },
 *   refreshBefore: 30_000,
 * });
 * io.on('connection', (socket) => console.log(socket.data.userId));
 * ```
 */
export function authenticate<Data = unknown>(target: Server<any, any, any, any> | AnyNamespace, opts: AuthenticateOptions<Data>): Authenticator<Data> {
  const nsp = ('sockets' in target && !(target.sockets instanceof Map) ? target.sockets : target) as AnyNamespace;
  if (authenticators.has(nsp)) throw new Error(`authenticate: namespace ${nsp.name} already has an authenticator`);
  const auth = new Authenticator<Data>(nsp, opts);
  authenticators.set(nsp, auth as Authenticator);
  return auth;
}

/**
 * What the server knows about the credentials of a socket.
 * @param socket a socket authenticated by {@link authenticate}
 * @returns the details, or undefined
 * @example
 * ```ts
 * import { credentialsOf } from 'socketeer/auth';
 *
 * io.on('connection', (socket) => {
 *   console.log(credentialsOf(socket)?.expiresAt);
 * });
 * ```
 */
export function credentialsOf(socket: AnySocket): Credentials | undefined {
  const e = entries.get(socket);
  if (e === undefined) return undefined;
  return {
    expiresAt: e.expiresAt === null ? null : new Date(e.expiresAt),
    verifiedAt: new Date(e.verifiedAt),
    refreshedAt: e.refreshedAt === null ? null : new Date(e.refreshedAt),
    refreshes: e.refreshes,
    refreshable: e.refreshable,
    principal: e.principal,
  };
}

/**
 * Re-verifies the credentials of one socket through the authenticator of its namespace.
 * @param socket the socket
 * @returns `{ kept, disconnected }`
 * @throws Error if its namespace has no authenticator
 * @example
 * ```ts
 * import { reverify } from 'socketeer/auth';
 *
 * const { kept, disconnected } = await reverify(socket);   // the authenticator of the socket's namespace
 * ```
 */
export function reverify(socket: AnySocket): Promise<ReverifyResult> {
  const auth = entries.get(socket)?.owner ?? authenticators.get(socket.nsp);
  if (auth === undefined) throw new Error('reverify: the namespace of this socket has no authenticator');
  return auth.reverify(socket);
}
