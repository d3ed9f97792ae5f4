/** Credential masking for logs; lives with the engine, which logs request URLs and raw frames. */
export * from '../engine/redact.js';
