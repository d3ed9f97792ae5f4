/**
 * Serves the browser client under the Socket.IO path, as the reference server does with its
 * `serveClient` option: `<path>/socketeer.min.js`, the drop-in names `socket.io.js`,
 * `socket.io.min.js`, `socket.io.esm.min.js`, `socket.io.msgpack.min.js` (the client with a MessagePack
 * parser as default, for servers using one), and their `.map` files. The response encoding (br, gzip,
 * deflate or none) is negotiated from `Accept-Encoding` as the reference does; `If-None-Match` with the
 * ETag (strong or weak) gets a 304.
 *
 * ```ts
 * http.on('request', (req, res) => {
 *   if (serveClientRequest(req, res, { path: '/socket.io' })) return;
 *   // … the Engine.IO handler
 * });
 * ```
 *
 * The bundle is read once per process from `dist/client-bundle/` (written by `npm run build`, i.e.
 * `scripts/build-client.mjs`, which the package's `prepare` runs) and kept in memory with its gzip and brotli
 * forms (deflate is made at its first request). When the folder is missing, the error is logged once on
 * stderr and client file requests get a 500 (the folder is read again at the next request).
 *
 * Owns: the client file routes and their caching. Must never import the build scripts, esbuild or client
 * sources: it serves what was built.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, deflateSync, gzipSync } from 'node:zlib';
import cors from 'cors';
import { createLogger } from '../util/logger.js';
import { negotiateEncoding } from '../engine/accept-encoding.js';

const debug = createLogger('socketeer:serve-client');

/** Options of {@link serveClientRequest}. */
export interface ServeClientOptions {
  /** The Socket.IO path, e.g. `/socket.io` (a trailing slash is ignored). */
  path: string;
  /**
   * CORS for the client files: options of the `cors` package (`CorsOptions` or a delegate), as
   * the server's `cors` option; typed loosely so that the server can pass its option through.
   */
  cors?: unknown;
}

interface Encoded {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  deflate?: Buffer;
}

/** Encodings offered, in the reference's order of preference. */
const ENCODINGS = ['br', 'gzip', 'deflate'] as const;

/** Served name -> bundle file. */
const FILES: Record<string, string> = {
  'socketeer.min.js': 'socketeer.min.js',
  'socketeer.min.js.map': 'socketeer.min.js.map',
  'socketeer.esm.min.js': 'socketeer.esm.min.js',
  'socketeer.esm.min.js.map': 'socketeer.esm.min.js.map',
  'socket.io.js': 'socketeer.min.js',
  'socket.io.js.map': 'socketeer.min.js.map',
  'socket.io.min.js': 'socketeer.min.js',
  'socket.io.min.js.map': 'socketeer.min.js.map',
  'socket.io.esm.min.js': 'socketeer.esm.min.js',
  'socket.io.esm.min.js.map': 'socketeer.esm.min.js.map',
  'socketeer.msgpack.min.js': 'socketeer.msgpack.min.js',
  'socketeer.msgpack.min.js.map': 'socketeer.msgpack.min.js.map',
  'socket.io.msgpack.min.js': 'socketeer.msgpack.min.js',
  'socket.io.msgpack.min.js.map': 'socketeer.msgpack.min.js.map',
};

/** Names that are client file requests, served or not (e.g. `socket.io.slim.js`). */
const CLIENT_FILE_RE = /\.(?:js|map)$/;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const version: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const ETAG = '"' + version + '"';
const WEAK_ETAG = 'W/' + ETAG;

let bundle: Promise<Map<string, Encoded>> | undefined;

/** Where the build writes the browser bundles. */
const BUNDLE_DIR = join(root, 'dist', 'client-bundle');

/** Whether the missing bundle was already reported on stderr (once per process). */
let reported = false;

async function readBundleFiles(): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  try {
    for (const name of new Set(Object.values(FILES))) files[name] = await readFile(join(BUNDLE_DIR, name));
  } catch (err) {
    const message = `socketeer: cannot serve the browser client: ${(err as Error).message} (build it with \`npm run build\`)`;
    if (!reported) {
      reported = true;
      console.error(message);
    }
    throw new Error(message);
  }
  return files;
}

/** Loads (once) the bundle files with their compressed forms. */
function loadBundle(): Promise<Map<string, Encoded>> {
  bundle ??= readBundleFiles().then((files) => {
    const out = new Map<string, Encoded>();
    for (const [name, contents] of Object.entries(files)) {
      const identity = Buffer.from(contents.buffer, contents.byteOffset, contents.byteLength);
      out.set(name, {
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
      });
    }
    return out;
  });
  bundle.catch(() => {
    bundle = undefined; // try again at the next request
  });
  return bundle;
}

/**
 * The body of a file in an encoding (deflate is made once, at its first request).
 * @param encoded the file's forms
 * @param encoding the negotiated encoding
 */
function bodyOf(encoded: Encoded, encoding: (typeof ENCODINGS)[number] | 'identity'): Buffer {
  if (encoding === 'deflate') return (encoded.deflate ??= deflateSync(encoded.identity, { level: 9 }));
  return encoded[encoding];
}

function send(req: IncomingMessage, res: ServerResponse, name: string, file: string): void {
  const isMap = name.endsWith('.map');
  const etag = req.headers['if-none-match'];
  if (etag === ETAG || etag === WEAK_ETAG) {
    res.writeHead(304, { ETag: ETAG });
    res.end();
    return;
  }
  loadBundle().then(
    (files) => {
      const encoded = files.get(file)!;
      const encoding = (negotiateEncoding(req.headers['accept-encoding'], ENCODINGS) ?? 'identity') as
        | (typeof ENCODINGS)[number]
        | 'identity';
      const body = bodyOf(encoded, encoding);
      const headers: Record<string, string | number> = {
        'Cache-Control': 'public, max-age=0',
        'Content-Type': `application/${isMap ? 'json' : 'javascript'}; charset=utf-8`,
        ETag: ETAG,
        Vary: 'Accept-Encoding',
        'Content-Length': body.length,
      };
      if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: Error) => {
      debug('client bundle unavailable: %s', err.message);
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('client bundle unavailable');
    },
  );
}

/**
 * Serves a client file if `req` asks for one under `opts.path`.
 * @param req the request
 * @param res the response
 * @param opts the Socket.IO path and optional CORS options
 * @returns true when the request was handled (served, whatever the method, as the reference does; 304;
 *   or 400 for a GET of an unknown client file such as `socket.io.slim.js`); false for any other request
 * @example
 * ```ts
 * http.on('request', (req, res) => {
 *   if (serveClientRequest(req, res, { path: '/socket.io' })) return;   // /socket.io/socket.io.min.js…
 *   engineHandler(req, res);
 * });
 * ```
 */
export function serveClientRequest(req: IncomingMessage, res: ServerResponse, opts: ServeClientOptions): boolean {
  const url = req.url;
  if (!url) return false;
  const base = opts.path.replace(/\/$/, '') + '/';
  if (!url.startsWith(base)) return false;
  const q = url.indexOf('?');
  const name = url.slice(base.length, q === -1 ? undefined : q);
  const file = Object.prototype.hasOwnProperty.call(FILES, name) ? FILES[name] : undefined;
  if (file === undefined) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !CLIENT_FILE_RE.test(name) || name.includes('/')) return false;
    // what the reference answers for a file that is not one of its client files
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end('{"code":0,"message":"Transport unknown"}');
    return true;
  }
  if (opts.cors) {
    cors(opts.cors as cors.CorsOptions)(req as never, res as never, () => send(req, res, name, file));
  } else {
    send(req, res, name, file);
  }
  return true;
}

/**
 * Drops the in-memory bundle (the next request loads it again).
 * @example
 * ```ts
 * execSync('node scripts/build-client.mjs');   // after a rebuild of dist/client-bundle/
 * resetClientBundle();
 * ```
 */
export function resetClientBundle(): void {
  bundle = undefined;
}
