/**
 * Refresh of credentials in place, client side: the socket announces the extension in its CONNECT payload,
 * answers the server's refresh requests by calling its `auth` option again (the same one used at every
 * (re)connection) and sends the result over the open connection. Rooms, pending acks and the session are kept.
 *
 * ```ts
 * import { io } from 'socketeer/client';
 * import { enableCredentialsRefresh } from 'socketeer/client/auth';
 *
 * const socket = enableCredentialsRefresh(
 *   io('https://example.com', { autoConnect: false, auth: async (cb) => cb({ token: await getToken() }) }),
 * );
 * socket.connect();
 * socket.on('credentials_refresh', ({ expiresAt }) => console.log('valid until', expiresAt));
 * socket.on('credentials_error', (err) => showSignIn(err.message, err.data)); // then 'disconnect'
 * await socket.refreshCredentials(); // refresh now (e.g. after signing in as someone else)
 * ```
 *
 * Enable it before the socket connects (`autoConnect: false`, or right after `io()` on a new connection): the
 * announcement is part of the CONNECT payload.
 */
import type { Socket } from '../socket.js';
import { ANNOUNCE_KEY, ERROR_EVENT, EXTENSION_VERSION, REASON_REFUSED, REFRESH_EVENT } from '../../protocol/credentials.js';

/** An error given by the server, with its data. */
export interface CredentialsError extends Error {
  data?: unknown;
  /** `credentials refused` or `credentials expired` (on `credentials_error`) */
  reason?: string;
}

/** The credentials after a refresh. */
export interface RefreshedCredentials {
  /** when the new credentials expire (null: never) */
  expiresAt: Date | null;
}

/** Options of {@link enableCredentialsRefresh}. */
export interface CredentialsRefreshOptions {
  /** ms to wait for the server's answer to a refresh (default 10000) */
  timeout?: number;
}

/** Methods added to the socket. */
export interface CredentialsRefreshMethods {
  /**
   * Calls the `auth` option and sends the result to the server now.
   * @returns the new expiry; rejects with the server's error (message and data) or a timeout
   * @example
   * ```ts
   * const { expiresAt } = await socket.refreshCredentials();   // e.g. right after the user's role changed
   * ```
   */
  refreshCredentials(): Promise<RefreshedCredentials>;
  /** expiry of the current credentials as last told by the server (null: unknown or never) */
  readonly credentialsExpiresAt: Date | null;
  /**
   * Fired after each refresh the server accepted.
   * @example
   * ```ts
   * socket.on('credentials_refresh', ({ expiresAt }) => console.log('valid until', expiresAt));
   * socket.on('credentials_error', (err) => showSignIn(err.message, err.data));
   * ```
   */
  on(ev: 'credentials_refresh', listener: (info: RefreshedCredentials) => void): this;
  /** Fired when the server refused a refresh or the credentials expired, just before `disconnect`. */
  on(ev: 'credentials_error', listener: (err: CredentialsError) => void): this;
  /**
   * Fired once after the next refresh the server accepts.
   * @example
   * ```ts
   * await new Promise((resolve) => socket.once('credentials_refresh', resolve));
   * ```
   */
  once(ev: 'credentials_refresh', listener: (info: RefreshedCredentials) => void): this;
  /** Fired once when the server refuses a refresh or the credentials expire. */
  once(ev: 'credentials_error', listener: (err: CredentialsError) => void): this;
}

/** A socket with credentials refresh. */
export type RefreshableSocket<S extends Socket<any, any> = Socket> = S & CredentialsRefreshMethods;

type AuthOption = Socket['auth'];
type AuthCallback = (data: object) => void;

/** Private parts of the socket used to end it with the server's reason. */
interface SocketInternals {
  destroy(): void;
  onclose(reason: string, description?: unknown): void;
}

const installed = new WeakSet<object>();

/**
 * Calls the local listeners of an event (`socket.emit` would send it to the server). Uses only the public
 * `listeners()`, so it works with any build of the client (e.g. a minified bundle).
 */
function emitLocal(socket: Socket<any, any>, ev: string, arg: unknown): void {
  for (const fn of [...(socket.listeners as (ev: string) => Array<(a: unknown) => void>)(ev)]) fn.call(socket, arg);
}

/**
 * Ends a socket on the server's request with a reason of its own: as a DISCONNECT from the server (no automatic
 * reconnection), with `reason` given to `disconnect` listeners.
 * @param socket the socket
 * @param reason e.g. `credentials expired`
 * @example
 * ```ts
 * socket.on('session:expired', () => closeWithServerReason(socket, 'credentials expired'));
 * socket.on('disconnect', (reason) => console.log(reason));   // 'credentials expired', no reconnection
 * ```
 */
export function closeWithServerReason(socket: Socket<any, any>, reason: string): void {
  if (!socket.connected) return;
  const internals = socket as unknown as SocketInternals;
  internals.destroy();
  internals.onclose(reason);
}

/**
 * Evaluates an `auth` option (object or `cb => cb(data)` function).
 * @param auth the option
 * @returns the data
 */
function evaluateAuth(auth: AuthOption): Promise<Record<string, unknown>> {
  if (typeof auth !== 'function') return Promise.resolve({ ...(auth ?? {}) });
  return new Promise((resolve, reject) => {
    try {
      const r = (auth as (cb: AuthCallback) => unknown)((data) => resolve({ ...(data as Record<string, unknown>) }));
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, reject);
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * Enables credentials refresh on a socket: announces support at every CONNECT, answers refresh requests, adds
 * `refreshCredentials()`, and fires `credentials_refresh` (`{ expiresAt }`) and `credentials_error` (an Error
 * with the server's `message` and `data`, followed by `disconnect` with `credentials refused` or
 * `credentials expired`).
 * @param socket a socket that has not sent its CONNECT yet
 * @param opts options
 * @returns the same socket, typed with the added methods
 * @example
 * ```ts
 * import { io } from 'socketeer/client';
 * import { enableCredentialsRefresh } from 'socketeer/client/auth';
 *
 * const socket = enableCredentialsRefresh(
 *   io('https://example.com', { autoConnect: false, auth: (cb) => getToken().then((token) => cb({ token })) }),
 * );
 * socket.on('credentials_refresh', ({ expiresAt }) => console.log('refreshed until', expiresAt));
 * socket.on('credentials_error', (err) => showSignIn(err.message));
 * socket.connect();
 * ```
 */
export function enableCredentialsRefresh<S extends Socket<any, any>>(socket: S, opts: CredentialsRefreshOptions = {}): RefreshableSocket<S> {
  const target = socket as RefreshableSocket<S>;
  if (installed.has(socket)) return target;
  installed.add(socket);
  const timeout = opts.timeout ?? 10000;
  let userAuth: AuthOption = socket.auth;
  let expiresAt: Date | null = null;
  let inFlight: Promise<RefreshedCredentials> | undefined;

  // every CONNECT carries the announcement; assigning `socket.auth` later keeps it
  const announcing = (cb: AuthCallback): void => {
    evaluateAuth(userAuth).then(
      (data) => cb({ ...data, [ANNOUNCE_KEY]: EXTENSION_VERSION }),
      () => cb({ [ANNOUNCE_KEY]: EXTENSION_VERSION }),
    );
  };
  Object.defineProperty(socket, 'auth', {
    configurable: true,
    enumerable: true,
    get: () => announcing,
    set: (value: AuthOption) => {
      userAuth = value;
    },
  });

  const refresh = (): Promise<RefreshedCredentials> => {
    if (inFlight) return inFlight;
    const p = new Promise<RefreshedCredentials>((resolve, reject) => {
      if (!socket.connected) return reject(new Error('socket is not connected'));
      evaluateAuth(userAuth).then((auth) => {
        const s = socket as unknown as Socket;
        (s.timeout(timeout).emit as (ev: string, ...args: unknown[]) => unknown)(REFRESH_EVENT, { auth }, (err: Error | null, res: unknown) => {
          if (err) return reject(err);
          const r = (res ?? {}) as { expiresAt?: unknown; error?: { message?: unknown; data?: unknown } };
          if (r.error) {
            const e: CredentialsError = new Error(typeof r.error.message === 'string' ? r.error.message : REASON_REFUSED);
            if (r.error.data !== undefined) e.data = r.error.data;
            return reject(e);
          }
          expiresAt = typeof r.expiresAt === 'number' ? new Date(r.expiresAt) : null;
          const info: RefreshedCredentials = { expiresAt };
          emitLocal(socket, 'credentials_refresh', info);
          resolve(info);
        });
      }, reject);
    });
    inFlight = p;
    const clear = (): void => {
      if (inFlight === p) inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  };

  Object.defineProperty(socket, 'refreshCredentials', { configurable: true, value: refresh });
  Object.defineProperty(socket, 'credentialsExpiresAt', { configurable: true, get: () => expiresAt });

  const s = socket as unknown as Socket;
  s.on(REFRESH_EVENT as any, ((body: { expiresAt?: unknown } | undefined) => {
    if (body && typeof body.expiresAt === 'number') expiresAt = new Date(body.expiresAt);
    // failures arrive as credentials_error from the server; a local failure (timeout) is left to the deadline
    refresh().catch(() => {});
  }) as any);
  s.on(ERROR_EVENT as any, ((body: { reason?: unknown; message?: unknown; data?: unknown } | undefined) => {
    const reason = typeof body?.reason === 'string' ? body.reason : REASON_REFUSED;
    const err: CredentialsError = new Error(typeof body?.message === 'string' ? body.message : reason);
    if (body?.data !== undefined) err.data = body.data;
    err.reason = reason;
    emitLocal(socket, 'credentials_error', err);
    closeWithServerReason(socket, reason);
  }) as any);
  return target;
}
