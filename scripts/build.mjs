#!/usr/bin/env node
// Builds the package into dist/ (run by `npm run build`, and by npm's `prepare` on `npm install` from git,
// `npm ci`, `npm pack` and `npm publish`):
//
//   dist/                     CommonJS: the one implementation every Node.js entry runs (`require` and `import`)
//     package.json            {"type":"commonjs"}
//     server/main.js, client/main.js      `require('socketeer')`, `require('socketeer/client')`: callable like socket.io's
//     server/ engine/ protocol/ client/   the sources compiled one file each, with their `.d.ts`
//     cli/main.js                         the `socketeer` command (package.json `bin`)
//     **/index.mjs, index.d.mts           ES module wrappers of the entries: `import` in Node.js re-exports the
//                                         CommonJS objects themselves, so both forms share one state
//   dist/esm/                 ES modules of the client (`socketeer/client`, `socketeer/client/auth`) for bundlers,
//                             tree-shakable, with their `.d.ts`
//   dist/client-bundle/       the browser bundles served by the server (scripts/build-client.mjs)
//
// Usage: node scripts/build.mjs
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

/** The entries of package.json's `exports`: subpath -> module under src/ (without extension). */
export const ENTRIES = {
  '.': 'server/index',
  './client': 'client/index',
  './client/auth': 'client/auth/index',
  './redis': 'server/adapters/redis/index',
  './redis-streams': 'server/adapters/redis-streams/index',
  './nats': 'server/adapters/nats/index',
  './postgres': 'server/adapters/postgres/index',
  './auth': 'server/auth/index',
  './metrics': 'metrics/index',
};
/** The commands of package.json's `bin`: name -> module under src/ (without extension), built as CommonJS. */
export const BINS = {
  socketeer: 'cli/main',
};
/** The source folders of the client's ES module build (what `src/client` imports). */
const ESM_DIRS = ['client', 'protocol', 'util'];

/** Alternates of client modules swapped in by bundlers (package.json `browser`), shipped beside them. */
const BROWSER_ALTERNATES = { 'client/env/node': 'client/env/browser', 'client/debug': 'client/debug-browser' };

/**
 * The source files the entries need (relative imports followed, browser alternates included): what the
 * package ships, and nothing else (no tests, no browser-bundle-only entry).
 */
function sources() {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    // (comments dropped: their examples import modules of the reader's)
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) visit(join(dirname(file), m[1] + '.ts'));
  };
  for (const entry of [...Object.values(ENTRIES), ...Object.values(BINS)]) visit(join(src, entry + '.ts'));
  for (const [from, to] of Object.entries(BROWSER_ALTERNATES)) if (seen.has(join(src, from + '.ts'))) visit(join(src, to + '.ts'));
  return [...seen].sort();
}

/** Where a successful build records the hash of its inputs (see {@link isBuilt}). */
const STAMP = join(root, 'node_modules', '.cache', 'socketeer-build', 'dist.json');

/** A hash of everything the build reads: src/, the build scripts, package.json and the tsconfig files. */
export function inputsHash() {
  const hash = createHash('sha256');
  const add = (file) => hash.update(relative(root, file) + '\0').update(readFileSync(file)).update('\0');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else add(p);
    }
  };
  walk(src);
  for (const name of ['scripts/build.mjs', 'scripts/build-client.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) add(join(root, name));
  return hash.digest('hex');
}

/** True when dist/ was built from the current inputs (so `npm pack --ignore-scripts` packs the same files). */
export function isBuilt() {
  try {
    return existsSync(join(dist, 'server', 'main.js')) && JSON.parse(readFileSync(STAMP, 'utf8')).hash === inputsHash();
  } catch {
    return false;
  }
}

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/**
 * Compiles each source file on its own (the sources are `isolatedModules`), keeping the layout of src/.
 * In CommonJS, `import.meta.url` (used to find the package's files) becomes the module's file URL.
 */
async function compile(esbuild, files, outDir, format) {
  await Promise.all(
    files.map(async (file) => {
      const code = readFileSync(file, 'utf8');
      const usesMeta = format === 'cjs' && code.includes('import.meta');
      const result = await esbuild.transform(code, {
        loader: 'ts',
        format,
        platform: 'node',
        target: 'node20',
        sourcefile: relative(root, file),
        tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: false } },
        ...(usesMeta
          ? {
              define: { 'import.meta.url': '__socketeer_module_url' },
              banner: "const __socketeer_module_url = require('node:url').pathToFileURL(__filename).href;",
            }
          : {}),
      });
      write(join(outDir, relative(src, file)).replace(/\.ts$/, '.js'), result.code);
    }),
  );
}

/**
 * Emits the declarations of every source file (tsc, which also type-checks the sources) into a cache
 * outside dist/, incrementally: a build with unchanged sources takes a few seconds. Resolves with the folder.
 */
function declarations(files) {
  const out = join(root, 'node_modules', '.cache', 'socketeer-build', 'types');
  const buildInfo = join(out, '..', 'types.tsbuildinfo');
  // tsc trusts its build info: when a declaration it lists has gone (a cache shared or partly deleted), start over
  if (files.some((file) => !existsSync(join(out, relative(src, file).replace(/\.ts$/, '.d.ts'))))) rmSync(buildInfo, { force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  const args = [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out, '--incremental', '--tsBuildInfoFile', buildInfo];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error('tsc failed: the sources do not compile'))));
  });
}

/** Copies the declarations of the current sources (not of deleted ones) from `from` to `to`. */
function copyDeclarations(from, to, files) {
  for (const file of files) {
    const rel = relative(src, file).replace(/\.ts$/, '.d.ts');
    write(join(to, rel), readFileSync(join(from, rel)));
  }
}

/** Writes a CommonJS entry whose `module.exports` is the function `socketeer` defined by `body`. */
function callable(file, entry, body) {
  const lines = [
    "'use strict';",
    `const entry = require('./${entry.split('/').pop()}.js');`,
    '',
    ...body,
    "for (const name of Object.keys(entry)) if (name !== 'default' && !(name in socketeer)) socketeer[name] = entry[name];",
    '',
    'module.exports = socketeer;',
  ];
  write(join(dist, file + '.js'), lines.join('\n') + '\n');
}

/**
 * Writes the ES module form `index.mjs` of a CommonJS entry: the CommonJS module's own objects re-exported
 * (the names listed from the built module). With `types`, also its `index.d.mts` (the server entries; the
 * client's ES module types are those of dist/esm/).
 */
function wrapper(entry, types) {
  const base = './' + entry.split('/').pop() + '.js';
  const names = Object.keys(require(join(dist, entry + '.js'))).filter((n) => n !== '__esModule');
  const named = names.filter((n) => n !== 'default');
  const lines = [
    '// The ES module form of this entry re-exports the CommonJS module\'s own objects: one implementation, one state.',
    `import cjs from '${base}';`,
    '',
    `export const { ${named.join(', ')} } = cjs;`,
  ];
  if (names.includes('default')) lines.push('export default cjs.default;');
  write(join(dist, entry + '.mjs'), lines.join('\n') + '\n');
  if (types) write(join(dist, entry + '.d.mts'), `export * from '${base}';\n`);
}

async function main() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
    require.resolve('typescript/bin/tsc');
  } catch {
    // `npm ci --omit=dev` in a checkout: nothing to build with, and nothing there needs dist/
    if (process.env.npm_lifecycle_event === 'prepare' && /^(ci|install)$/.test(process.env.npm_command ?? '')) {
      console.warn('socketeer: devDependencies not installed, dist/ not built');
      return;
    }
    throw new Error('building needs the devDependencies (esbuild, typescript): run npm install');
  }
  const started = Date.now();
  rmSync(STAMP, { force: true });
  rmSync(dist, { recursive: true, force: true });
  const hash = inputsHash();
  const all = sources();
  const esm = all.filter((f) => ESM_DIRS.some((d) => f.startsWith(join(src, d) + '/')));
  const types = declarations(all);
  types.catch(() => {}); // reported where awaited
  const { buildClientBundles } = await import('./build-client.mjs');
  await Promise.all([
    compile(esbuild, all, dist, 'cjs'),
    compile(esbuild, esm, join(dist, 'esm'), 'esm'),
    buildClientBundles({ write: true }),
  ]);
  write(join(dist, 'package.json'), '{ "type": "commonjs" }\n');
  write(join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');
  const typesDir = await types;
  copyDeclarations(typesDir, dist, all);
  copyDeclarations(typesDir, join(dist, 'esm'), esm);

  // require('socketeer') and require('socketeer/client') are functions, as socket.io's and socket.io-client's
  callable('server/main', 'server/index', [
    "// require('socketeer')(httpServer, opts), or require('socketeer')(port), as socket.io's CommonJS entry,",
    "// carrying every export of the server entry: require('socketeer').Server…",
    'function socketeer(srv, opts) {',
    '  return new entry.Server(srv, opts);',
    '}',
  ]);
  callable('client/main', 'client/index', [
    "// require('socketeer/client')(url, opts), as socket.io-client's CommonJS entry, carrying every export of",
    "// the client entry: require('socketeer/client').io, .Manager…",
    'const socketeer = entry.io;',
  ]);
  for (const entry of Object.values(ENTRIES)) wrapper(entry, !entry.startsWith('client/'));
  for (const bin of Object.values(BINS)) chmodSync(join(dist, bin + '.js'), 0o755);
  write(STAMP, JSON.stringify({ hash }) + '\n');
  console.error(`socketeer: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
