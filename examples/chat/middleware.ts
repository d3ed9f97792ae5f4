/**
 * The handshake check of both namespaces: the access token from the CONNECT `auth` payload is verified
 * before the connection is accepted, and the socket is disconnected when that token expires, so a
 * connection never outlives its credential. The page then fetches a fresh token and connects again.
 *
 * Refusals reach the client as `connect_error` with `err.message` and `err.data.code`:
 * `NO_TOKEN`, `BAD_TOKEN`, `TOKEN_EXPIRED`, and `NOT_ADMIN` on `/admin`.
 */
import type { Socket } from '../../src/server/index.js';
import { AuthError, type ChatAuth, type TokenClaims } from './auth.js';

/** What the middleware stores in `socket.data`. */
export interface SocketData {
  user: TokenClaims;
}

/** An error whose `data` travels to the client in the CONNECT_ERROR packet. */
export interface RefusalError extends Error {
  data: { code: string };
}

/**
 * @param message shown to the user
 * @param code machine-readable reason
 * @returns the error to pass to `next()`
 */
export function refusal(message: string, code: string): RefusalError {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Creates a namespace middleware checking the token.
 * @param auth verifies tokens
 * @param opts `requireAdmin` for `/admin`; `onRefuse` counts refusals by code
 * @returns the middleware for `nsp.use()`
 */
export function tokenMiddleware(
  auth: ChatAuth,
  opts: { requireAdmin?: boolean; onRefuse?: (code: string) => void } = {},
): (socket: Socket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    auth.verifyToken(token).then(
      (user) => {
        if (opts.requireAdmin && user.role !== 'admin') {
          opts.onRefuse?.('NOT_ADMIN');
          return next(refusal('Admin role required', 'NOT_ADMIN'));
        }
        (socket.data as SocketData).user = user;
        next();
      },
      (err: unknown) => {
        const e = err instanceof AuthError ? err : new AuthError('BAD_TOKEN', 'Invalid token');
        opts.onRefuse?.(e.code);
        next(refusal(e.message, e.code));
      },
    );
  };
}

/**
 * Disconnects the socket when its token expires, after telling it why (`session:expired`), so the page
 * renews the token and connects again.
 * @param socket a socket that passed `tokenMiddleware`
 */
export function expireWithToken(socket: Socket): void {
  const { user } = socket.data as SocketData;
  const timer = setTimeout(() => {
    socket.emit('session:expired');
    socket.disconnect();
  }, Math.max(0, user.expiresAt - Date.now()));
  socket.on('disconnect', () => clearTimeout(timer));
}
