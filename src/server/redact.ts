/**
 * Credential masking for logs; kept in the shared toolbox (`src/util/redact.ts`), re-exported for the server
 * modules. Owns nothing; must never import another server module.
 *
 * @example
 * ```ts
 * debug('ignoring packet write %j', redactPacket(packet));
 * ```
 */
export * from '../util/redact.js';
