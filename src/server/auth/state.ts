/**
 * The per-socket credentials state of the authenticator (`Entry`, kept in a WeakMap keyed by the socket) and the
 * verification step shared by CONNECT, refresh and re-verification: call `verify`, normalise the expiry, refuse
 * expired credentials, derive the principal, apply `data` to the socket.
 *
 * Owns: the entries map, `credentialsOf`, the verification helpers. Must never import the engine, and must
 * never call underscore members of server classes (it uses `socket.data`, `socket.handshake` only).
 *
 * @example
 * ```ts
 * const { result, expiresAt } = await verifyCredentials(settings.verify, auth, socket);   // throws: refused
 * applyData(socket, result.data);
 * entries.set(socket, createEntry(owner, auth, expiresAt, principalOf(result), announced(auth)));
 * ```
 */
import { ANNOUNCE_KEY, REASON_EXPIRED, REASON_REFUSED } from '../../protocol/credentials.js';
import type { TokenBucket } from '../../util/token-bucket.js';
import { LongTimer, toExpiry } from './expiry.js';
import type { AnySocket, Credentials, ReverifyResult, Verify, VerifyResult } from './options.js';

/** The authenticator that accepted a socket, as the entry knows it. */
export interface EntryOwner {
  reverify(socket: AnySocket): Promise<ReverifyResult>;
}

/** Per-socket state. */
export interface Entry {
  /** the authenticator that accepted the socket */
  owner: EntryOwner;
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
export interface ExtendedError extends Error {
  data?: unknown;
}

/** The state of every authenticated socket. */
export const entries = new WeakMap<AnySocket, Entry>();

/**
 * A fresh entry for credentials accepted at CONNECT.
 * @example
 * ```ts
 * entries.set(socket, createEntry(owner, auth, expiresAt, principal, refreshable));
 * ```
 */
export function createEntry(owner: EntryOwner, auth: Record<string, any>, expiresAt: number | null, principal: unknown, refreshable: boolean): Entry {
  return {
    owner,
    expiresAt,
    verifiedAt: Date.now(),
    refreshedAt: null,
    refreshes: 0,
    refreshable,
    auth,
    principal,
    timer: new LongTimer(),
    deadline: new LongTimer(),
    requested: false,
    answered: false,
    refreshing: false,
    budget: undefined,
    verifying: 0,
    waiters: [],
  };
}

/**
 * Calls the waiters of a refresh (re-verification in progress) with the outcome.
 * @example
 * ```ts
 * settleWaiters(entry, true);   // refreshed: kept
 * ```
 */
export function settleWaiters(entry: Entry, kept: boolean): void {
  const waiters = entry.waiters;
  entry.waiters = [];
  for (const w of waiters) w(kept);
}

/** Whether a CONNECT payload announces the credentials extension. */
export function announced(auth: Record<string, unknown>): boolean {
  const v = auth[ANNOUNCE_KEY];
  return v !== undefined && v !== null && v !== false && v !== 0;
}

/** The principal of accepted credentials: `principal`, else `data.sub`, `data.id` or `data.userId`. */
export function principalOf(result: VerifyResult<unknown>): unknown {
  if (result.principal !== undefined) return result.principal;
  const data = result.data as Record<string, unknown> | null | undefined;
  if (data === null || typeof data !== 'object') return undefined;
  return data.sub ?? data.id ?? data.userId;
}

/** A thrown value as the Error sent to the client. */
export function toError(err: unknown): ExtendedError {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' && err ? err : REASON_REFUSED);
}

/** `socket.data` updated with what `verify` returned. */
export function applyData(socket: AnySocket, data: unknown): void {
  if (data === undefined) return;
  if (data !== null && typeof data === 'object' && socket.data !== null && typeof socket.data === 'object' && !Array.isArray(data)) {
    Object.assign(socket.data, data);
  } else {
    socket.data = data;
  }
}

/**
 * Verifies credentials: calls `verify`, normalises the expiry and refuses credentials already expired.
 * @returns what `verify` returned and the expiry in ms (null: never); rejects when refused
 * @example
 * ```ts
 * const { result, expiresAt } = await verifyCredentials(verify, socket.handshake.auth, socket);
 * ```
 */
export async function verifyCredentials<Data>(
  verify: Verify<Data>,
  auth: Record<string, any>,
  socket: AnySocket,
): Promise<{ result: VerifyResult<Data>; expiresAt: number | null }> {
  const result = (await verify(auth, socket)) ?? {};
  const expiresAt = toExpiry(result.expiresAt);
  if (expiresAt !== null && expiresAt <= Date.now()) throw new Error(REASON_EXPIRED);
  return { result, expiresAt };
}

/**
 * What the server knows about the credentials of a socket.
 * @param socket a socket authenticated by `authenticate`
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
