// What the chat page says to people when a connection ends or a message is not sent: the server's disconnect
// details (`socketeer:disconnect`, given by the client with `disconnect` and kept as `socket.disconnectDetails`)
// and the acks of refused messages, in plain words. No transport names ("xhr poll error", "websocket error")
// ever reach a banner: a connection that is merely lost says "Reconnecting…", and keeps saying it.

/** The banner of a connection being re-established on its own. */
export const RECONNECTING = 'Reconnecting…';

/** Seconds, rounded up, at least 1. */
const seconds = (ms) => Math.max(1, Math.ceil((Number(ms) || 0) / 1000));

/** "retry in 3 s" (or "retry now" once the wait is over). */
export function retryIn(ms) {
  return ms > 0 ? `retry in ${seconds(ms)} s` : 'retry now';
}

/**
 * What to do and say after a `disconnect`.
 * @param reason the client's reason (`io server disconnect`, `transport close`…)
 * @param details the server's details (`{ reason, message?, data? }`), if it gave any
 * @param expired whether the server announced the end of the session token (`session:expired`)
 * @returns `{ action, text, level, after }`: `action` is `none` (ended on purpose, or handled by the sign-in
 * path), `auto` (the client reconnects by itself), `later` (connect again after `after` ms), `renew` (new token,
 * then connect), `signin` (the sign-in form, with `text`) or `manual` (a Reconnect button)
 */
export function afterDisconnect(reason, details, expired) {
  const why = details && details.reason;
  if (reason === 'io client disconnect') return { action: 'none' };
  switch (why) {
    case 'rate limited': {
      const wait = Math.max(1000, Number(details.data && details.data.retryAfter) || 0);
      return { action: 'later', after: wait, level: 'warn', text: `You were sending messages too fast. Reconnecting in ${seconds(wait)} s…` };
    }
    case 'server shutting down':
      return { action: 'auto', level: 'warn', text: 'The server restarted, reconnecting…' };
    case 'slow client':
      return { action: 'later', after: 1000, level: 'warn', text: 'Your connection could not keep up with the chat, reconnecting…' };
    case 'kicked':
      return { action: 'manual', level: 'error', text: 'You were disconnected by an admin.' };
    case 'signed out':
      return { action: 'signin', text: 'You signed out in another window. Sign in again.' };
    case 'credentials expired':
    case 'credentials refused':
      // the credentials extension reports it with `credentials_error`, which shows the sign-in form
      return { action: 'none' };
  }
  if (why) {
    const said = details.message ? `${details.message}` : why;
    return { action: 'manual', level: 'error', text: `The server disconnected you: ${said}.` };
  }
  if (reason === 'io server disconnect') {
    if (expired) return { action: 'renew', level: 'warn', text: 'Your session token expired: renewing it and reconnecting…' };
    return { action: 'manual', level: 'error', text: 'You were disconnected by the server.' };
  }
  // transport close, ping timeout, transport error…: the manager reconnects by itself
  return { action: 'auto', level: 'warn', text: RECONNECTING };
}

/**
 * The sign-in form's message when the server ends the session (`credentials_error`).
 * @param err the error (`err.message`, `err.reason`, `err.data.code`)
 * @param details the disconnect details, if any
 */
export function sessionEnded(err, details) {
  const code = err && err.data && err.data.code;
  const expired = (err && err.reason === 'credentials expired') || (details && details.reason === 'credentials expired');
  if (expired || code === 'TOKEN_EXPIRED') return 'Your session expired, sign in again.';
  const why = err && err.message ? err.message : 'refused by the server';
  return code ? `${why} (${code}). Please sign in again.` : `Session ended: ${why}. Please sign in again.`;
}

/**
 * Why a message was not sent, from its ack or the emit's error.
 * @param err the error of the emit (no answer after the retries), or null
 * @param res the server's answer (`{ ok }`, `{ ok: false, error }`, or the rate limit's `{ error, retryAfter }`)
 * @returns `{ rateLimited, retryAfter, text }`
 */
export function notSent(err, res) {
  if (err) return { rateLimited: false, text: 'No answer from the server' };
  if (res && res.error === 'rate limited') {
    const retryAfter = Math.max(0, Number(res.retryAfter) || 0);
    return { rateLimited: true, retryAfter, text: 'You are sending messages too fast' };
  }
  return { rateLimited: false, text: (res && res.error) || 'Refused by the server' };
}
