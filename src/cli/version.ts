/**
 * The version `socketeer --version` prints: the `version` of the package's own package.json (two folders up from
 * this module, both in `src/cli/` and in the built `dist/cli/`).
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Imports nothing of `src/`.
 */
import { readFileSync } from 'node:fs';

/**
 * The package's version, e.g. `0.1.0` (`unknown` when package.json cannot be read).
 * @example
 * ```ts
 * console.log(`socketeer ${packageVersion()}`);
 * ```
 */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
