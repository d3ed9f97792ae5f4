/**
 * Browser bundle size: our minified client bundle against the official `socket.io-client`
 * minified bundle, both gzipped (level 9).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('../../', import.meta.url);

/** Path of our bundle, relative to the repository. */
export const OUR_BUNDLE = 'dist/client-bundle/socketeer.min.js';
/** Path of the reference bundle, relative to the repository. */
export const REFERENCE_BUNDLE = 'node_modules/socket.io-client/dist/socket.io.min.js';
const BUILD_SCRIPT = 'scripts/build-client.mjs';

/** Size of one bundle, or why it is missing. */
export type BundleSize = { bytes: number; gzipBytes: number; path: string } | { unavailable: string; path: string };

/** Raw and gzipped size of one bundle file (path relative to the repository). */
export function measureBundle(path: string): BundleSize {
  const file = new URL(path, root);
  if (!existsSync(file)) return { unavailable: `${path} not found`, path };
  const data = readFileSync(file);
  return { bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length, path };
}

/**
 * Measures both bundles; builds ours first with `scripts/build-client.mjs` when it is missing
 * and the build script exists.
 */
export function bundleSizes(): { socketeer: BundleSize; 'socket.io': BundleSize } {
  let ours = measureBundle(OUR_BUNDLE);
  if ('unavailable' in ours && existsSync(new URL(BUILD_SCRIPT, root))) {
    try {
      execFileSync(process.execPath, [BUILD_SCRIPT], { cwd: new URL('.', root), stdio: 'pipe', timeout: 60000 });
      ours = measureBundle(OUR_BUNDLE);
    } catch (err) {
      const output = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-2).join(' | ') ?? String(err);
      ours = { unavailable: `${BUILD_SCRIPT} failed: ${output}`, path: OUR_BUNDLE };
    }
  }
  return { socketeer: ours, 'socket.io': measureBundle(REFERENCE_BUNDLE) };
}
