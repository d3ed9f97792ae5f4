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
import { ANNOUNCE_KEY, REASON_REFUSED, REVERIFY_EVENT } from '../../protocol/credentials.js';
import type { Server } from '../server.js';
import { AuthLifecycle } from './lifecycle.js';
import { resolveOptions, type AnyNamespace, type AnySocket, type AuthenticateOptions, type AuthStats, type Credentials, type ReverifyResult, type VerifyResult } from './options.js';
import { reverifyLocal, reverifyTarget, type ReverifyTarget } from './reverify.js';
import { announced, applyData, createEntry, credentialsOf, entries, principalOf, toError, verifyCredentials } from './state.js';

export type {
  AuthenticateOptions,
  AuthStats,
  Credentials,
  ReverifyResult,
  SamePrincipal,
  Verify,
  VerifyResult,
} from './options.js';
export type { ReverifyTarget } from './reverify.js';
export { credentialsOf } from './state.js';

const authenticators = new WeakMap<AnyNamespace, Authenticator>();

/**
 * Authentication with a lifetime on one namespace: a connection middleware checking the CONNECT payload with
 * `verify`, expiry tracking, refresh in place, re-verification on demand (across servers).
 * @example
 * ```ts
 * const auth = authenticate(io, { verify });   // an Authenticator
 * auth.stats();
 * ```
 */
export class Authenticator<Data = unknown> {
  /** the namespace */
  readonly nsp: AnyNamespace;
  private readonly life: AuthLifecycle<Data>;

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
    const settings = resolveOptions(opts);
    this.nsp = nsp;
    this.life = new AuthLifecycle(settings, this);
    // also runs for sockets restored by connection state recovery: the credentials are checked before the
    // missed packets are sent and before any event is handled
    const middleware = (socket: AnySocket, next: (err?: Error) => void): void => {
      this.onConnect(socket).then(() => next(), (err: unknown) => next(toError(err)));
    };
    nsp.use(Object.assign(middleware, { runOnRecovery: true }));
    nsp.on('connection', (socket: AnySocket) => this.onConnection(socket));
    (nsp as unknown as { on(ev: string, fn: (ids: unknown, ack?: unknown) => void): void }).on(REVERIFY_EVENT, (ids, ack) => {
      const list = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
      void reverifyLocal(this.life, nsp, list).then((result) => {
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
    let expiresAt: number | null;
    try {
      ({ result, expiresAt } = await verifyCredentials(this.life.settings.verify, auth, socket));
    } catch (err) {
      this.life.counters.refused++;
      throw err;
    }
    applyData(socket, result.data);
    this.life.counters.accepted++;
    entries.set(socket, createEntry(this, auth, expiresAt, principalOf(result), refreshable));
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
    this.life.track(socket, entry);
  }

  private async verifyRecovered(socket: AnySocket): Promise<void> {
    const refreshable = announced(socket.handshake.auth);
    try {
      await this.onConnect(socket);
    } catch (err) {
      const e = toError(err);
      this.life.counters.refreshRefused++;
      this.life.cut(socket, REASON_REFUSED, e.message, e.data, refreshable);
      return;
    }
    const entry = entries.get(socket);
    if (entry !== undefined && socket.connected) this.life.track(socket, entry);
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
  reverify(target: ReverifyTarget): Promise<ReverifyResult> {
    return reverifyTarget(this.life, this.nsp, target);
  }

  /**
   * @returns the counters
   * @example
   * ```ts
   * setInterval(() => console.log(auth.stats()), 60_000);   // refreshes, refusals, expiries…
   * ```
   */
  stats(): AuthStats {
    return this.life.stats();
  }
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
