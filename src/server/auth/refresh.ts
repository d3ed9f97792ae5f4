/**
 * Refresh in place, server side: credentials sent by a client that announced the extension
 * (`<id>["$credentials:refresh",{"auth":{…}}]`) are admitted (one at a time, each refresh request answered once,
 * others within `maxRefreshesPerMinute`), verified, checked to keep the principal, and acknowledged.
 *
 * Owns: `admitRefresh`, `handleRefresh`. Must never import the engine, and must never call underscore members
 * of server classes.
 *
 * @example
 * ```ts
 * socket.on(REFRESH_EVENT, (payload, ack) => void handleRefresh(life, socket, payload, ack));
 * ```
 */
import { createLogger } from '../../util/logger.js';
import { TokenBucket } from '../../util/token-bucket.js';
import {
  PRINCIPAL_CHANGED,
  REASON_REFUSED,
  REFRESH_IN_PROGRESS,
  REFRESH_RATE_LIMITED,
  type RefreshAck,
} from '../../protocol/credentials.js';
import type { AuthLifecycle } from './lifecycle.js';
import type { AnySocket, VerifyResult } from './options.js';
import { applyData, entries, principalOf, settleWaiters, toError, verifyCredentials, type Entry, type ExtendedError } from './state.js';

const debug = createLogger('socketeer:auth');

/**
 * Whether a refresh sent by the client may be verified now: at most one in flight; each refresh request of the
 * server may be answered once; other refreshes within `maxRefreshesPerMinute`.
 * @param entry the socket's state
 * @param max unsolicited refreshes per minute (Infinity: no limit)
 * @returns the refusal, or undefined
 * @example
 * ```ts
 * const refusal = admitRefresh(entry, 6);
 * if (refusal) return ack(refusal);
 * ```
 */
export function admitRefresh(entry: Entry, max: number): RefreshAck | undefined {
  if (entry.refreshing) return { error: { message: REFRESH_IN_PROGRESS } };
  if (entry.requested && !entry.answered) {
    entry.answered = true;
    return undefined;
  }
  if (max === Infinity) return undefined;
  if (entry.budget === undefined) entry.budget = max > 0 ? new TokenBucket(max, 60000) : null;
  const now = Date.now();
  if (entry.budget !== null && entry.budget.take(now)) return undefined;
  const retryAfter = entry.budget === null ? null : Math.ceil(entry.budget.retryAfter(now));
  return { error: { message: REFRESH_RATE_LIMITED, data: { retryAfter } } };
}

/**
 * Handles credentials sent by the client: admits, verifies, acknowledges, and reschedules (or cuts when refused).
 * @param life the authenticator's lifecycle (settings, counters, timers)
 * @param socket the socket
 * @param payload the event's body (`{ auth }`)
 * @param ack the client's acknowledgement callback, if any
 * @example
 * ```ts
 * socket.on(REFRESH_EVENT, (payload, ack) => void handleRefresh(life, socket, payload, ack));
 * ```
 */
export async function handleRefresh<Data>(
  life: AuthLifecycle<Data>,
  socket: AnySocket,
  payload: unknown,
  ack: ((res: RefreshAck) => void) | undefined,
): Promise<void> {
  const entry = entries.get(socket);
  if (entry === undefined || !socket.connected) return;
  const counters = life.counters;
  const refusal = admitRefresh(entry, life.settings.maxRefreshesPerMinute);
  if (refusal !== undefined) {
    counters.refreshThrottled++;
    if (debug.enabled) debug('refresh of socket %s refused without verification: %s', socket.id, (refusal as { error: { message: string } }).error.message);
    ack?.(refusal);
    return;
  }
  const auth = payload !== null && typeof payload === 'object' ? (payload as { auth?: unknown }).auth : undefined;
  entry.refreshing = true;
  entry.verifying++;
  let result: VerifyResult<Data> | undefined;
  let expiresAt: number | null = null;
  let error: ExtendedError | undefined;
  try {
    if (auth === null || typeof auth !== 'object') throw new Error('invalid credentials refresh');
    ({ result, expiresAt } = await verifyCredentials(life.settings.verify, auth as Record<string, any>, socket));
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
    counters.refreshRefused++;
    life.cut(socket, REASON_REFUSED, error.message, error.data, entry.refreshable);
    return;
  }
  const principal = principalOf(result!);
  if (!life.keepsPrincipal(entry, principal, socket)) {
    // refused, but the socket keeps its identity, data, credentials and timers
    if (debug.enabled) debug('refresh of socket %s refused: principal changed', socket.id);
    counters.principalChanged++;
    ack?.({ error: { message: PRINCIPAL_CHANGED } });
    return;
  }
  applyData(socket, result!.data);
  const now = Date.now();
  entry.expiresAt = expiresAt;
  entry.auth = auth as Record<string, any>;
  entry.principal = principal;
  entry.verifiedAt = now;
  entry.refreshedAt = now;
  entry.refreshes++;
  entry.requested = false;
  entry.deadline.stop();
  counters.refreshed++;
  if (debug.enabled) debug('socket %s refreshed its credentials', socket.id);
  ack?.({ expiresAt: entry.expiresAt });
  life.schedule(socket, entry);
  settleWaiters(entry, true);
}
