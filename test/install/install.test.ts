/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`; with `--ignore-scripts` when
 * dist/ was built from the current inputs, e.g. by `npm ci`'s prepare, see scripts/build.mjs), the tarball installed
 * with `npm ci --offline` into two scratch projects (from the npm cache that `npm ci` filled):
 * - an ES module app: `import` of every entry gives the very objects `require` gives (one implementation),
 *   a server, the official client and the Socketeer client (connect, emit with ack, room broadcast), and
 *   the browser bundle route;
 * - a CommonJS Express app in socket.io's style (`require('socketeer')(server)`, `{ Server }`,
 *   `require('socketeer')(port)`), the same scenario;
 * - the `socketeer` command (package.json `bin`): `npx socketeer --version`, `serve --echo` and `connect`;
 * - a typical socket.io app's TypeScript (test/types/consumer/) compiled against the installed package with
 *   `skipLibCheck: false`, as `module: nodenext` (ES module) and as `module: commonjs`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './scratch.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test', 'install', 'fixtures');
const consumer = join(root, 'test', 'types', 'consumer');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const buildScript: string = new URL('../../scripts/build.mjs', import.meta.url).href;

/** The environment of nested npm commands: none of the `npm test` run's own npm_* variables but the cache. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: npmEnv(), maxBuffer: 64 * 1024 * 1024, timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

interface Packed {
  filename: string;
  files: Array<{ path: string }>;
}

interface ScenarioResult {
  official: { acks: string[]; ids: boolean; received: string[] };
  socketeer: { acks: string[]; ids: boolean; received: string[] };
  bundle: { status: number; type: string; bytes: number };
}

function checkScenario(result: ScenarioResult): void {
  for (const name of ['official', 'socketeer'] as const) {
    assert.deepEqual(result[name].acks, ['room-' + name, 'room-' + name], `${name} client: acks`);
    assert.equal(result[name].ids, true, `${name} client: the ack carries the socket's id`);
    assert.deepEqual(result[name].received, ['hello from ' + name, 'hello from ' + name], `${name} client: room broadcast`);
  }
  assert.equal(result.bundle.status, 200);
  assert.match(result.bundle.type, /^application\/javascript/);
  assert.ok(result.bundle.bytes > 10_000, `bundle of ${result.bundle.bytes} bytes`);
}

// generous bounds: packing type-checks the sources, and the type test checks every declaration it sees
// the apps, the bundles and the type checks run at once (the file has 120 s in npm test)
describe('install: the packed package in scratch projects', { timeout: 900_000, concurrency: true }, () => {
  let tmp: string;
  let packed: Packed;
  let esm: string;
  let cjs: string;
  let typeChecks: Promise<unknown>;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'socketeer-install-'));
    // dist/ built from the current sources already (by `npm ci`'s prepare): packed as is, else built by pack
    const build = (await import(buildScript)) as { isBuilt(): boolean };
    const pack = ['pack', '--json', '--pack-destination', tmp, ...(build.isBuilt() ? ['--ignore-scripts'] : [])];
    packed = (JSON.parse(await run('npm', pack, root)) as Packed[])[0]!;
    const tarball = join(tmp, packed.filename);
    esm = join(tmp, 'esm');
    cjs = join(tmp, 'cjs');
    const projects: Array<[string, string[], 'module' | 'commonjs']> = [
      [esm, ['socket.io-client'], 'module'],
      [cjs, ['socket.io-client', 'express'], 'commonjs'],
    ];
    await Promise.all(
      projects.map(async ([dir, deps, type]) => {
        mkdirSync(join(dir, 'src'), { recursive: true });
        const files = scratchProject(root, dir, tarball, deps, type);
        for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
        copyFileSync(join(fixtures, 'scenario.cjs'), join(dir, 'scenario.cjs'));
        for (const name of ['server.ts', 'client.ts']) copyFileSync(join(consumer, name), join(dir, 'src', name));
        await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
      }),
    );
    copyFileSync(join(fixtures, 'esm-app.mjs'), join(esm, 'app.mjs'));
    copyFileSync(join(fixtures, 'cjs-app.js'), join(cjs, 'app.js'));
    // skipLibCheck off: every declaration file is checked, ours and the @types they import (TypeScript's own
    // lib files aside, as skipDefaultLibCheck says)
    const common = { target: 'ES2022', strict: true, skipLibCheck: false, skipDefaultLibCheck: true, noEmit: true, types: ['node'] };
    writeJson(join(esm, 'tsconfig.json'), { compilerOptions: { ...common, module: 'nodenext' }, include: ['src'] });
    writeJson(join(cjs, 'tsconfig.json'), { compilerOptions: { ...common, module: 'commonjs', esModuleInterop: true, lib: ['ES2022'] }, include: ['src'] });
    // started here: the type checks run while the other tests do
    typeChecks = Promise.all([run(process.execPath, [tsc, '-p', '.'], esm), run(process.execPath, [tsc, '-p', '.'], cjs)]);
    typeChecks.catch(() => {}); // reported by the type test
  }, { timeout: 300_000 });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('packs what runs and its documents, nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/server/main.js', 'dist/server/index.mjs', 'dist/server/index.d.ts', 'dist/client/main.js', 'dist/esm/client/index.js', 'dist/client-bundle/socketeer.min.js', 'dist/cli/main.js']) {
      assert.ok(paths.includes(p), `${p} packed`);
    }
    const unexpected = paths.filter(
      (p) =>
        !(/^(LICENSE|CHANGELOG\.md|README\.md|package\.json)$/.test(p) || p.startsWith('dist/')) ||
        /\.test\.|browser-global|tsbuildinfo/.test(p) ||
        (p.endsWith('.map') && !p.startsWith('dist/client-bundle/')),
    );
    assert.deepEqual(unexpected, []);
  });

  it('ES module app: import and require give the same objects; both clients against the server; the browser bundle', async () => {
    const out = JSON.parse(await run(process.execPath, ['app.mjs'], esm)) as ScenarioResult & { shared: Record<string, number>; serverIsClass: boolean };
    assert.deepEqual(Object.keys(out.shared).sort(), ['socketeer', 'socketeer/auth', 'socketeer/client', 'socketeer/client/auth', 'socketeer/metrics', 'socketeer/nats', 'socketeer/redis', 'socketeer/redis-streams']);
    for (const [entry, count] of Object.entries(out.shared)) assert.ok(count > 0, `${entry} exports something`);
    assert.equal(out.serverIsClass, true);
    checkScenario(out);
  });

  it("CommonJS Express app in socket.io's style: require('socketeer')(server), { Server }, require('socketeer')(port)", async () => {
    const out = JSON.parse(await run(process.execPath, ['app.js'], cjs)) as ScenarioResult & {
      callable: string;
      names: string[];
      health: { ok: boolean };
      pong: string;
    };
    assert.equal(out.callable, 'function');
    assert.deepEqual(out.names, ['Server', 'Namespace', 'Socket']);
    assert.deepEqual(out.health, { ok: true });
    assert.equal(out.pong, 'pong');
    checkScenario(out);
  });

  it("bundlers: the client's ES module build for import, CommonJS for require, browser versions of Node.js-only modules", async () => {
    const esbuild = await import('esbuild');
    const bundle = async (contents: string) => {
      const result = await esbuild.build({
        stdin: { contents, resolveDir: esm, loader: 'js' },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
      });
      return Object.keys(result.metafile.inputs).map((p) => p.replace(/^.*node_modules\//, ''));
    };
    const viaImport = await bundle("import { io } from 'socketeer/client'; import { enableCredentialsRefresh } from 'socketeer/client/auth'; enableCredentialsRefresh(io());");
    assert.ok(viaImport.includes('socketeer/dist/esm/client/env/browser.js'), viaImport.join());
    assert.ok(viaImport.includes('socketeer/dist/esm/client/debug-browser.js'), viaImport.join());
    assert.deepEqual(viaImport.filter((p) => !p.startsWith('socketeer/dist/esm/') && p !== '<stdin>'), [], 'only the ES module build');
    const viaRequire = await bundle("const io = require('socketeer/client'); io();");
    assert.ok(viaRequire.includes('socketeer/dist/client/env/browser.js'), viaRequire.join());
    assert.deepEqual(viaRequire.filter((p) => /env\/node\.js|client\/debug\.js|\/ws\/|\/debug\//.test(p)), [], 'no Node.js-only module');
  });

  it("the bin: npx socketeer --version; socketeer serve --echo and socketeer connect with an ack", async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal((await run('npx', ['--offline', 'socketeer', '--version'], esm)).trim(), version);
    const serve = spawn(join(esm, 'node_modules', '.bin', 'socketeer'), ['serve', '--echo', '--port', '0', '--host', '127.0.0.1'], { cwd: esm, env: npmEnv() });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /url=(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        serve.once('exit', (code) => reject(new Error(`socketeer serve exited (${code}): ${out}`)));
      });
      const lines = (await run('npx', ['--offline', 'socketeer', 'connect', url, '--emit', 'ping', '["pong"]', '--ack', '--json', '--timeout', '60000'], esm))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; args?: unknown[] });
      assert.deepEqual(lines.find((l) => l.type === 'ack')?.args, ['pong']);
    } finally {
      serve.kill();
    }
  });

  it('types: a typical socket.io app compiles against the package with skipLibCheck off (nodenext and commonjs)', { timeout: 300_000 }, async () => {
    await typeChecks;
  });

  it(
    'from git: npm install git+file://<checkout> builds dist/ in its clone (prepare) and installs a working package',
    {
      timeout: 600_000,
      skip: !process.env.SOCKETEER_TEST_GIT_INSTALL && 'slow (installs every devDependency in a clone): SOCKETEER_TEST_GIT_INSTALL=1 runs it',
    },
    async () => {
      const dir = join(tmp, 'git');
      mkdirSync(dir);
      writeJson(join(dir, 'package.json'), { name: 'scratch-git', version: '1.0.0', private: true });
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', 'git+file://' + root.replace(/\/$/, '')], dir, 570_000);
      const out = await run(
        process.execPath,
        ['-e', "const io = require('socketeer'); import('socketeer').then((m) => console.log(typeof io, m.Server === io.Server, typeof require('socketeer/client')))"],
        dir,
      );
      assert.equal(out.trim(), 'function true function');
    },
  );
});
