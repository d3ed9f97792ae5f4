/**
 * Where the page loads the Socketeer browser client from. The server serves its bundle under the Socket.IO
 * path (`/socket.io/socketeer.min.js`); when that is not available (the bundle has not been built), the
 * demo builds one in memory with esbuild from `src/client/` and serves it itself at `/assets/socketeer.js`.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of the bundle served by the Socketeer server. */
export const SERVED_BUNDLE = '/socket.io/socketeer.min.js';
/** The path of the demo's own bundle (fallback). */
export const FALLBACK_BUNDLE = '/assets/socketeer.js';

const clientEntry = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url));

/**
 * Asks a running server whether it serves the client bundle.
 * @param port the server's port on 127.0.0.1
 * @returns true on a 200 with a JavaScript body
 */
export function probeServedBundle(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: SERVED_BUNDLE, method: 'HEAD', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 && /javascript/.test(String(res.headers['content-type'])));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Builds the browser client (global `io`, like the Socket.IO bundle) with the browser runtime adapter and
 * without the `debug` package.
 * @returns the minified JavaScript
 */
export async function buildFallbackBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: {
      contents: `import { io } from ${JSON.stringify(clientEntry)}; globalThis.io = io;`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'socketeer-browser',
        setup(b) {
          // swap the Node.js runtime adapter and the logger for their browser versions
          b.onResolve({ filter: /\/env\/node\.js$/ }, (args) => ({
            path: join(args.resolveDir, args.path.replace(/node\.js$/, 'browser.ts')),
          }));
          b.onResolve({ filter: /^\.{1,2}\/(\.\.\/)*debug\.js$/ }, (args) => ({
            path: join(args.resolveDir, args.path.replace(/debug\.js$/, 'debug-browser.ts')),
          }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}
