/** Credential masking for logs; kept in the shared toolbox (src/util/redact.ts). */
export * from '../util/redact.js';
