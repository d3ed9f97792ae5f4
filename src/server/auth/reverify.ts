/**
 * Re-verification on demand (after a permission change): refresh-capable clients are asked for new credentials,
 * the credentials other clients presented last are verified again; sockets on other servers of a cluster are
 * re-verified by their own server (`serverSideEmitWithAck("$credentials:reverify", ids)`).
 *
 * Owns: `reverifyTarget`, `reverifyLocal`. Must never import the engine, and must never call underscore members
 * of server classes (it uses the public `fetchSockets`, `serverSideEmitWithAck`, `nsp.sockets`).
 *
 * @example
 * ```ts
 * const { kept, disconnected } = await reverifyTarget(life, nsp, io.in('user:42'));
 * ```
 */
import { PRINCIPAL_CHANGED, REASON_REFUSED, REVERIFY_EVENT } from '../../protocol/credentials.js';
import type { SocketId } from '../adapter.js';
import type { AuthLifecycle } from './lifecycle.js';
import type { AnyNamespace, AnySocket, ReverifyResult, VerifyResult } from './options.js';
import { applyData, entries, principalOf, toError, verifyCredentials } from './state.js';

/** What re-verification accepts: one socket, or anything with `fetchSockets()` (a namespace, `io.in(room)`, the server). */
export type ReverifyTarget = AnySocket | { fetchSockets(): Promise<Array<{ id: SocketId }>> };

/** The namespace's server-to-server acknowledged emit (public `Namespace` API), with the types used here. */
interface ServerSideEmitter {
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]>;
}

/**
 * Whether a value is a local server socket (a RemoteSocket has no `client`).
 * @example
 * ```ts
 * if (isSocket(target)) reverifyLocal(life, nsp, [target.id]);
 * ```
 */
export function isSocket(target: unknown): target is AnySocket {
  return typeof target === 'object' && target !== null && 'handshake' in target && 'nsp' in target && 'client' in target;
}

/**
 * Re-verifies a socket or a selection of sockets, across servers.
 * @returns how many sockets were kept and how many disconnected, once all are settled
 * @example
 * ```ts
 * await reverifyTarget(life, nsp, io.in('user:42'));
 * ```
 */
export async function reverifyTarget<Data>(life: AuthLifecycle<Data>, nsp: AnyNamespace, target: ReverifyTarget): Promise<ReverifyResult> {
  if (isSocket(target)) return reverifySockets(life, [target]);
  const sockets = await target.fetchSockets();
  const local: AnySocket[] = [];
  const remote: SocketId[] = [];
  for (const s of sockets) {
    if (!isSocket(s)) remote.push(s.id); // a RemoteSocket: connected to another server
    else local.push(s); // sockets authenticated elsewhere (another namespace) are skipped below
  }
  const pending: Array<Promise<ReverifyResult>> = [reverifySockets(life, local)];
  if (remote.length > 0) pending.push(reverifyRemote(nsp, remote));
  const results = await Promise.all(pending);
  return results.reduce((a, b) => ({ kept: a.kept + b.kept, disconnected: a.disconnected + b.disconnected }));
}

async function reverifyRemote(nsp: AnyNamespace, ids: SocketId[]): Promise<ReverifyResult> {
  let responses: unknown[];
  try {
    responses = await (nsp as unknown as ServerSideEmitter).serverSideEmitWithAck(REVERIFY_EVENT, ids);
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

/**
 * Re-verifies sockets of this server given by id (requests from other servers).
 * @example
 * ```ts
 * nsp.on(REVERIFY_EVENT, (ids, ack) => void reverifyLocal(life, nsp, ids).then(ack));
 * ```
 */
export function reverifyLocal<Data>(life: AuthLifecycle<Data>, nsp: AnyNamespace, ids: SocketId[]): Promise<ReverifyResult> {
  const sockets: AnySocket[] = [];
  for (const id of ids) {
    const socket = nsp.sockets.get(id) as AnySocket | undefined;
    if (socket !== undefined) sockets.push(socket);
  }
  return reverifySockets(life, sockets);
}

async function reverifySockets<Data>(life: AuthLifecycle<Data>, sockets: AnySocket[]): Promise<ReverifyResult> {
  const outcomes = await Promise.all(sockets.map((socket) => reverifySocket(life, socket)));
  const result: ReverifyResult = { kept: 0, disconnected: 0 };
  for (const o of outcomes) {
    if (o === true) result.kept++;
    else if (o === false) result.disconnected++;
  }
  return result;
}

/** @returns true if kept, false if disconnected, undefined if not authenticated by this authenticator */
async function reverifySocket<Data>(life: AuthLifecycle<Data>, socket: AnySocket): Promise<boolean | undefined> {
  const entry = entries.get(socket);
  if (entry === undefined || entry.owner !== life.owner || !socket.connected) return undefined;
  const counters = life.counters;
  counters.reverified++;
  if (entry.refreshable) {
    const settled = new Promise<boolean>((resolve) => entry.waiters.push(resolve));
    life.requestRefresh(socket, entry, 'reverify');
    return settled;
  }
  entry.verifying++;
  let result: VerifyResult<Data>;
  let expiresAt: number | null;
  try {
    ({ result, expiresAt } = await verifyCredentials(life.settings.verify, entry.auth, socket));
  } catch (err) {
    entry.verifying--;
    const e = toError(err);
    if (!socket.connected) return false;
    counters.refreshRefused++;
    life.cut(socket, REASON_REFUSED, e.message, e.data, entry.refreshable);
    return false;
  }
  entry.verifying--;
  if (!socket.connected) return false;
  const principal = principalOf(result);
  if (!life.keepsPrincipal(entry, principal, socket)) {
    // the same credentials now identify someone else: not kept
    counters.principalChanged++;
    counters.refreshRefused++;
    life.cut(socket, REASON_REFUSED, PRINCIPAL_CHANGED, undefined, entry.refreshable);
    return false;
  }
  applyData(socket, result.data);
  entry.principal = principal;
  entry.expiresAt = expiresAt;
  entry.verifiedAt = Date.now();
  life.schedule(socket, entry);
  return true;
}
