/**
 * Silent stand-in for `debug.ts` in the browser bundle: keeps the `debug` package out of it.
 *
 * Owns the browser's no-op logger. Imports nothing.
 */
interface Logger {
  (...args: unknown[]): void;
  enabled: boolean;
}

/**
 * @returns a logger that never logs
 * @example
 * ```ts
 * const debug = createDebug('socketeer:client:manager');
 * debug('opening %s', uri);   // nothing is printed in the browser bundle
 * ```
 */
export default function createDebug(_namespace: string): Logger {
  const log = (() => {}) as Logger;
  log.enabled = false;
  return log;
}
