/**
 * The options of `authenticate()` and the shapes it returns (`VerifyResult`, `Credentials`, `AuthStats`,
 * `ReverifyResult`), and their validation into the settings the authenticator runs with.
 *
 * Owns: public option and result types, defaults, validation. Must never import the engine, and no server class
 * at run time (types only).
 *
 * @example
 * ```ts
 * const settings = resolveOptions({ verify: async ({ token }) => ({ data: await lookUp(token) }) });
 * settings.refreshBefore;   // 30000, the default
 * ```
 */
import type { Namespace } from '../namespace.js';
import type { Socket } from '../socket.js';

/** Any server socket, whatever its event maps. */
export type AnySocket = Socket<any, any, any, any>;
/** Any namespace, whatever its event maps. */
export type AnyNamespace = Namespace<any, any, any, any>;

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

/** Options of `authenticate`. */
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

/** Counters of an `Authenticator`, for a dashboard. */
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

/** Outcome of `Authenticator.reverify`. */
export interface ReverifyResult {
  /** sockets whose credentials were accepted again */
  kept: number;
  /** sockets disconnected (refused, expired, or gone meanwhile) */
  disconnected: number;
}

/** The options after validation, with their defaults. */
export interface AuthSettings<Data = unknown> {
  readonly verify: Verify<Data>;
  readonly refreshBefore: number;
  readonly refreshTimeout: number;
  /** unsolicited refreshes per minute (Infinity: no limit) */
  readonly maxRefreshesPerMinute: number;
  /** the principal rule (undefined: any change allowed) */
  readonly samePrincipal: SamePrincipal | undefined;
}

const strictlySame: SamePrincipal = (before, after) => before === after;

/**
 * Validates the options and applies the defaults.
 * @param opts the options of `authenticate`
 * @returns the settings
 * @throws TypeError without a `verify` function or with a bad `samePrincipal`; RangeError for a bad `maxRefreshesPerMinute`
 * @example
 * ```ts
 * resolveOptions({ verify, samePrincipal: false }).samePrincipal;   // undefined: any change allowed
 * ```
 */
export function resolveOptions<Data>(opts: AuthenticateOptions<Data>): AuthSettings<Data> {
  if (typeof opts.verify !== 'function') throw new TypeError('authenticate: a verify function is required');
  const max = opts.maxRefreshesPerMinute ?? 6;
  if (!(max >= 0)) throw new RangeError('authenticate: maxRefreshesPerMinute must be a number >= 0');
  const same = opts.samePrincipal ?? true;
  if (typeof same !== 'boolean' && typeof same !== 'function') throw new TypeError('authenticate: samePrincipal must be a boolean or a function');
  return {
    verify: opts.verify,
    refreshBefore: opts.refreshBefore ?? 30000,
    refreshTimeout: opts.refreshTimeout ?? 10000,
    maxRefreshesPerMinute: max,
    samePrincipal: same === true ? strictlySame : same === false ? undefined : same,
  };
}
