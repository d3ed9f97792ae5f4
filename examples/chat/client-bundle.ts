/**
 * Where the page loads the Socketeer browser client from. The server serves its bundle under the Socket.IO
 * path (`/socket.io/socketeer.min.js`); when it does not (no bundle built, or `serveClient: false`), the demo
 * builds the same bundle in memory and serves it itself at `/assets/socketeer.js`.
 *
 * The credentials refresh helper (`src/client/auth`, global `SocketeerAuth` with `enableCredentialsRefresh`)
 * is not part of that bundle: the demo bundles it on its own and serves it at `/assets/socketeer-auth.js`.
 */
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The path of the bundle served by the Socketeer server. */
export const SERVED_BUNDLE = '/socket.io/socketeer.min.js';
/** The path of the demo's own bundle (fallback). */
export const FALLBACK_BUNDLE = '/assets/socketeer.js';
/** The path of the credentials refresh helper (global `SocketeerAuth`). */
export const AUTH_HELPER = '/assets/socketeer-auth.js';

const authEntry = fileURLToPath(new URL('../../src/client/auth/index.ts', import.meta.url));

const buildScript = new URL('../../scripts/build-client.mjs', import.meta.url).href;

/**
 * Asks a running server whether it serves the client bundle.
 * @param port the server's port
 * @param host the interface it listens on (default 127.0.0.1)
 * @returns true on a 200 with a JavaScript body
 */
export function probeServedBundle(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    // the server may build the bundle at its first request: allow for it (this also warms it up)
    const req = request({ host, port, path: SERVED_BUNDLE, method: 'HEAD', timeout: 30_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 && /javascript/.test(String(res.headers['content-type'])));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Builds the browser client (global `io`, like the Socket.IO script) in memory with the project's
 * `scripts/build-client.mjs`, the same build as `dist/client-bundle/socketeer.min.js`.
 * @returns the minified JavaScript
 */
export async function buildFallbackBundle(): Promise<string> {
  const script: string = buildScript;
  const { buildClientBundles } = (await import(script)) as {
    buildClientBundles(opts?: { write?: boolean }): Promise<Record<string, Uint8Array>>;
  };
  const files = await buildClientBundles();
  const js = files['socketeer.min.js'];
  if (!js) throw new Error('scripts/build-client.mjs produced no socketeer.min.js');
  // the source map is not served
  return Buffer.from(js).toString('utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
}

/**
 * Bundles the credentials refresh helper alone (`src/client/auth`, which needs nothing of the client at run
 * time) as an IIFE defining the global `SocketeerAuth`, to use beside the client bundle:
 * `SocketeerAuth.enableCredentialsRefresh(io({ autoConnect: false, auth }))`.
 * @returns the minified JavaScript
 */
export async function buildAuthHelperBundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [authEntry],
    bundle: true,
    format: 'iife',
    globalName: 'SocketeerAuth',
    platform: 'browser',
    target: ['es2018'],
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (!js) throw new Error('esbuild produced no bundle of src/client/auth');
  return js;
}
