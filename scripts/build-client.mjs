#!/usr/bin/env node
// Builds the browser bundles of the client with esbuild:
//   dist/client-bundle/socketeer.min.js      minified IIFE exposing the global `io`
//   dist/client-bundle/socketeer.esm.min.js  minified ES module (`import { io } from …`)
//   dist/client-bundle/socketeer.msgpack.min.js  the IIFE with the MessagePack parser as default
// each with its source map. Node-only modules are swapped for their browser versions:
// src/client/env/node.ts -> env/browser.ts (fetch, global WebSocket, no cookie jar) and
// src/client/debug.ts -> debug-browser.ts (no `debug` package).
// The server serves these files and never builds them (shipped code does not import this script): the test
// runner (scripts/test.mjs) and the tests that load the served bundle call ensureClientBundles() first, which
// rebuilds when any input of the last build (esbuild's list, recorded with their hashes) has changed.
// Usage: node scripts/build-client.mjs           (writes the files)
//        import { buildClientBundles } from './scripts/build-client.mjs' (in memory)
//        import { ensureClientBundles } from './scripts/build-client.mjs' (writes them if stale)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bundleDir = join(root, 'dist', 'client-bundle');
/** The inputs of the last written build with their hashes (outside dist/: not shipped). */
const STAMP = join(root, 'node_modules', '.cache', 'socketeer-build', 'client-bundle.json');

/** Internal member names that the minifier may shorten. */
const MANGLED = new RegExp(
  '^(?:' +
    [
      '_callbacks', '_anyListeners', '_anyOutgoingListeners', '_queue', '_queueSeq', '_lastOffset', '_opts',
      'acks', 'ids', 'subs', 'skipReconnect', 'backoff', '_reconnection', '_reconnectionAttempts', '_reconnectionDelay',
      '_reconnectionDelayMax', '_randomizationFactor', '_timeout', 'customEncoder', 'customDecoder', 'prevBufferLen',
      'pingTimeoutTimer', 'pingTimeoutTime', 'beforeunloadListener', 'offlineListener', 'timers', 'pollRequest',
      'postRequest', 'fire', 'onCloseInternal', 'onHandshake', 'resetPingTimeout', 'onDrain', 'writablePackets',
      'sendPacket', 'emitInternal', 'emitReserved', '_autoConnect', '_packet', '_destroy', '_close', 'createTransport', 'setTransport', 'hasPingExpired', 'requestOptions', 'onRequestError',
      'onPayload', 'maybeReconnectOnOpen', 'ondata', 'onpacket', 'onevent', 'onack',
      'onconnect', 'onreconnect', 'ondisconnect', 'emitEvent', 'emitBuffered', 'clearAcks', 'subEvents', 'addToQueue',
      'drainQueue', 'registerAckCallback', 'sendConnectPacket', 'notifyOutgoingListeners', 'cleanup',
      'maxAttachments', 'buffers', 'finish', 'createUri', 'doOpen', 'doClose', 'onRequestError', 'upgradeMemory',
      'priorWebsocketSuccess', 'onPacket', 'onData', 'onError', 'onOpen', 'onClose',
      'anyIncoming', 'anyOutgoing', 'codec', 'onCustomDecoded', 'settle', 'failSent', 'tryCount', 'fromQueue',
    ].join('|') +
    ')$',
);

/** esbuild plugin: resolve the Node.js adapters of the client to their browser versions. */
const browserEnv = {
  name: 'socketeer-browser-env',
  setup(build) {
    build.onResolve({ filter: /(^|\/)env\/node\.js$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/node\.js$/, 'browser.ts')),
    }));
    build.onResolve({ filter: /(^|\/)debug\.js$/ }, (args) =>
      args.resolveDir.includes(join('src', 'client')) ? { path: join(args.resolveDir, args.path.replace(/debug\.js$/, 'debug-browser.ts')) } : undefined,
    );
  },
};

/**
 * Builds both bundles.
 * @param {{ write?: boolean }} [opts] write to dist/client-bundle (default false: in memory)
 * @returns {Promise<Record<string, Uint8Array>>} file name -> contents
 */
export async function buildClientBundles(opts = {}) {
  const esbuild = await import('esbuild');
  const common = {
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    target: ['es2020'],
    platform: 'browser',
    plugins: [browserEnv],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    metafile: true,
    // browsers have no Buffer: the Node.js branches of the codecs become dead code
    define: { 'process.env.NODE_ENV': '"production"', 'globalThis.Buffer': 'undefined', Buffer: 'undefined' },
    // plain assignments in constructors instead of defineProperty helpers for class fields
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    // shorten the names of internal members (never part of the public API nor of wire JSON)
    mangleProps: MANGLED,
  };
  const builds = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(root, 'src/client/browser-global.ts')],
      format: 'iife',
      outfile: join(bundleDir, 'socketeer.min.js'),
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(root, 'src/client/index.ts')],
      format: 'esm',
      outfile: join(bundleDir, 'socketeer.esm.min.js'),
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(root, 'src/client/browser-global-msgpack.ts')],
      format: 'iife',
      outfile: join(bundleDir, 'socketeer.msgpack.min.js'),
    }),
  ]);
  const files = {};
  const inputs = new Set([join(root, 'scripts', 'build-client.mjs')]);
  for (const result of builds) {
    for (const file of result.outputFiles) files[basename(file.path)] = file.contents;
    for (const input of Object.keys(result.metafile.inputs)) inputs.add(join(root, input));
  }
  if (opts.write) {
    mkdirSync(bundleDir, { recursive: true });
    // each file replaced at once: a server reading the folder meanwhile never sees half a file
    for (const [name, contents] of Object.entries(files)) writeAtomic(join(bundleDir, name), contents);
    const hashes = {};
    for (const input of [...inputs].sort()) hashes[relative(root, input)] = hashOf(input);
    mkdirSync(dirname(STAMP), { recursive: true });
    writeAtomic(STAMP, JSON.stringify({ files: Object.keys(files).sort(), inputs: hashes }) + '\n');
  }
  return files;
}

function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

function hashOf(file) {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null; // gone
  }
}

/**
 * True when dist/client-bundle/ holds a build of the current sources: every input of the last written build
 * (the files esbuild read, and this script) has the same contents, and every bundle file is there.
 */
export function isClientBundleFresh() {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    if (!stamp.files.every((name) => existsSync(join(bundleDir, name)))) return false;
    return Object.entries(stamp.inputs).every(([input, hash]) => hashOf(join(root, input)) === hash);
  } catch {
    return false;
  }
}

/**
 * Builds dist/client-bundle/ from the current sources unless it is already fresh.
 * @returns {Promise<boolean>} whether a build was written
 */
export async function ensureClientBundles() {
  if (isClientBundleFresh()) return false;
  await buildClientBundles({ write: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { gzipSync } = await import('node:zlib');
  const files = await buildClientBundles({ write: true });
  for (const [name, contents] of Object.entries(files)) {
    const gz = gzipSync(contents, { level: 9 }).length;
    console.log(`${name.padEnd(28)} ${String(contents.length).padStart(7)} B  ${String(gz).padStart(6)} B gzip`);
  }
}
