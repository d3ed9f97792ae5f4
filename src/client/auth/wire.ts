/**
 * The names of the credentials extension on the wire (see `docs/auth-extension.md`); the same values as the
 * server's `src/server/auth/wire.ts` (checked by a test), kept here so the client bundle has no server code.
 */

/** CONNECT payload key announcing support. */
export const ANNOUNCE_KEY = '$credentials';
/** Version of the extension announced. */
export const EXTENSION_VERSION = 1;
/** Refresh request (server → client) and refresh (client → server, with an ack). */
export const REFRESH_EVENT = '$credentials:refresh';
/** Refresh refused or credentials expired (server → client), followed by a DISCONNECT. */
export const ERROR_EVENT = '$credentials:error';
