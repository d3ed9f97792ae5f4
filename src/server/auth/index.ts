/**
 * Authentication done right: credentials with a lifetime refreshed in place, re-verification on demand, and
 * per-socket event rate limits.
 *
 * ```ts
 * import { authenticate, rateLimit } from 'socketeer/auth';
 * const auth = authenticate(io, { verify: async ({ token }) => ({ data: { userId: '42' }, expiresAt: exp }) });
 * io.use(rateLimit({ points: 20, duration: 1000 }));
 * ```
 *
 * Owns the `socketeer/auth` entry (re-exports only; the engine's origin and connection-limit helpers are
 * re-exported from their public modules). Must never import the client.
 */
export {
  authenticate,
  Authenticator,
  credentialsOf,
  reverify,
  type AuthenticateOptions,
  type AuthStats,
  type Credentials,
  type ReverifyResult,
  type SamePrincipal,
  type Verify,
  type VerifyResult,
} from './authenticate.js';
export { rateLimit, REASON_RATE_LIMITED, type RateLimiter, type RateLimitOptions, type RateLimitStats, type RateLimitedAck } from './rate-limit.js';
export { disconnectWithReason, type DisconnectWithReasonOptions } from './close.js';
export { jwtExpiry, toExpiry } from './expiry.js';
export {
  ANNOUNCE_KEY,
  ERROR_EVENT,
  EXTENSION_VERSION,
  PRINCIPAL_CHANGED,
  REASON_EXPIRED,
  REASON_REFUSED,
  REFRESH_EVENT,
  REFRESH_IN_PROGRESS,
  REFRESH_RATE_LIMITED,
  REVERIFY_EVENT,
  type CredentialsDisconnectReason,
  type CredentialsErrorPayload,
  type RefreshAck,
  type RefreshPayload,
  type RefreshRequest,
} from '../../protocol/credentials.js';
// the engine's safety helpers, for custom setups (the server applies them by itself through its options:
// `allowedOrigins`, `trustProxy`, `maxConnectionsPerAddress`; log redaction is always on)
export {
  checkOrigin,
  originAllowRequest,
  originMiddleware,
  type AllowedOrigins,
  type CorsOrigin,
  type OriginCheckOptions,
  type OriginMatcher,
  type OriginRefusal,
} from '../../engine/origin.js';
export {
  ConnectionLimiter,
  type AllowRequest,
  type ConnectionLimitOptions,
  type ConnectionLimitStats,
  type LimitedEngine,
  type LimitedSession,
} from '../../engine/limits.js';
export {
  REDACTED,
  installLogRedaction,
  type DebugModuleLike,
  type PacketLike,
  isCredentialName,
  redact,
  redactHeaders,
  redactPacket,
  redactText,
  redactUrl,
} from '../redact.js';
