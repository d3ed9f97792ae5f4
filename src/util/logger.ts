/**
 * Socketeer's loggers: `debug` loggers (enabled with `DEBUG=socketeer:*`) that mask credentials in what they
 * write. Only Socketeer's own loggers are affected: the process-wide `debug` module is left as it is, so an
 * application's loggers print exactly what it gives them.
 *
 * A logger is a function with an `enabled` flag; while logging is off, a call costs one property read, and
 * callers test `enabled` first so that no argument is even built:
 *
 * @example
 * ```ts
 * const log = createLogger('socketeer:engine');
 * if (log.enabled) log('handshake %j from %s', query, url); // `token` values print as [REDACTED]
 * ```
 *
 * `%o`/`%O`/`%j` arguments are masked structurally before formatting, strings (URLs, raw frames, `%s`
 * values) textually; see `redact.ts`. Part of the shared toolbox (`src/util/`).
 */
import createDebug from 'debug';
import { redact, redactText } from './redact.js';

/** A Socketeer logger. */
export interface Logger {
  (format: unknown, ...args: unknown[]): void;
  /** whether this logger's namespace is enabled (`DEBUG=…`) */
  readonly enabled: boolean;
  /** the logger's namespace, e.g. `socketeer:engine` */
  readonly namespace: string;
}

/**
 * Creates a logger that masks credentials.
 * @param namespace the `debug` namespace, e.g. `socketeer:server`
 * @returns the logger
 * @example
 * ```ts
 * const log = createLogger('socketeer:redis');
 * if (log.enabled) log('subscribed to %s', channel);
 * ```
 */
export function createLogger(namespace: string): Logger {
  const debug = createDebug(namespace);
  const log = function (format: unknown, ...args: unknown[]): void {
    if (!debug.enabled) return;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      args[i] = typeof a === 'string' ? redactText(a) : redact(a);
    }
    debug(typeof format === 'string' ? redactText(format) : redact(format), ...args);
  } as Logger;
  Object.defineProperty(log, 'enabled', { get: () => debug.enabled, enumerable: true });
  Object.defineProperty(log, 'namespace', { value: namespace, enumerable: true });
  return log;
}
