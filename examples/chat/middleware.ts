/**
 * The credential check of both namespaces, through Socketeer's credentials extension
 * (`authenticate(nsp, { verify })`): the access token from the CONNECT `auth` payload is verified before the
 * connection is accepted, and again at every refresh in place. The page enables the extension, so a little
 * before its token expires it is asked for a new one and sends it over the open connection (same socket,
 * same rooms). A client without the extension is disconnected at expiry, after `session:expired`, and
 * connects again with a new token.
 *
 * Refusals reach the client as `connect_error` (at CONNECT) or `credentials_error` (at a refresh) with
 * `err.message` and `err.data.code`: `NO_TOKEN`, `BAD_TOKEN`, `TOKEN_EXPIRED`, and `NOT_ADMIN` on `/admin`.
 */
import type { Socket } from '../../src/server/index.js';
import { credentialsOf, type Verify } from '../../src/server/auth/index.js';
import { AuthError, type ChatAuth, type TokenClaims } from './auth.js';

/** What the credential check stores in `socket.data`. */
export interface SocketData {
  user: TokenClaims;
}

/** An error whose `data` travels to the client in the CONNECT_ERROR packet or the refresh ack. */
export interface RefusalError extends Error {
  data: { code: string };
}

/**
 * @param message shown to the user
 * @param code machine-readable reason
 * @returns the error to throw from `verify`
 */
export function refusal(message: string, code: string): RefusalError {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Creates the `verify` function of `authenticate()`: checks the token, the role on `/admin`, and gives
 * `socket.data.user` and the token's expiry.
 * @param auth verifies tokens
 * @param opts `requireAdmin` for `/admin`; `onRefuse` counts refusals by code (`refresh <code>` for a refresh)
 * @returns the `verify` option
 */
export function tokenVerifier(
  auth: ChatAuth,
  opts: { requireAdmin?: boolean; onRefuse?: (code: string) => void } = {},
): Verify<SocketData> {
  return async (payload, socket) => {
    // a connected socket is presenting a refresh: its refusals are counted apart from the handshake's
    const count = (code: string) => opts.onRefuse?.(socket.connected ? `refresh ${code}` : code);
    let user: TokenClaims;
    try {
      user = await auth.verifyToken(payload.token);
    } catch (err) {
      const e = err instanceof AuthError ? err : new AuthError('BAD_TOKEN', 'Invalid token');
      count(e.code);
      throw refusal(e.message, e.code);
    }
    if (opts.requireAdmin && user.role !== 'admin') {
      count('NOT_ADMIN');
      throw refusal('Admin role required', 'NOT_ADMIN');
    }
    // a refresh must present a token of the same user (the default rule of authenticate would find no `sub`)
    return { data: { user }, expiresAt: user.expiresAt, principal: user.name };
  };
}

/** How long before the expiry a client without the extension is told `session:expired`. */
export const EXPIRY_NOTICE_MS = 250;

/**
 * For a client without the credentials extension: sends `session:expired` just before its token expires,
 * so that it knows why the server disconnects it at expiry (the authenticator does) and connects again with
 * a new token. Refresh-capable clients are refreshed in place instead and are not told anything.
 * @param socket a socket accepted by `tokenVerifier`
 */
export function noticeExpiry(socket: Socket): void {
  const creds = credentialsOf(socket);
  if (!creds || creds.refreshable || !creds.expiresAt) return;
  const timer = setTimeout(() => {
    if (socket.connected) socket.emit('session:expired');
  }, Math.max(0, creds.expiresAt.getTime() - Date.now() - EXPIRY_NOTICE_MS));
  socket.on('disconnect', () => clearTimeout(timer));
}
