/**
 * Scratch projects for the install test: a package.json and a package-lock.json made from the repository's
 * own lock, so that `npm ci --offline` installs them from the npm cache that `npm ci` filled (a lock with
 * `resolved` and `integrity` needs tarballs only, no registry metadata).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

/** The folder holding `name` as seen from the package at `from` (a lock path), the way Node.js looks it up. */
function locate(lock: Lock, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = (base ? base + '/' : '') + 'node_modules/' + name;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i === -1 ? '' : base.slice(0, i);
  }
}

/**
 * Copies into `out` the lock entries of `names` and of everything they depend on, at the same paths.
 * @param lock the repository's package-lock.json
 * @param names top-level packages, installed in the repository
 * @param out the scratch lock's packages
 * @param registry the registry's URL (ending in `/`)
 */
function closure(lock: Lock, names: string[], out: Record<string, LockEntry>, registry: string): void {
  const queue: Array<[string, string, boolean]> = names.map((n) => ['', n, false]);
  while (queue.length) {
    const [from, name, optional] = queue.shift()!;
    const path = locate(lock, from, name);
    if (!path) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the scratch project'}) is not in package-lock.json`);
    }
    if (out[path]) continue;
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = lock.packages[path]!;
    // the registry's tarball URL where the lock omits it (omit-lockfile-registry-resolved): npm then finds the
    // tarball in its cache by integrity, with no request for the package's metadata
    if (!entry.resolved && !entry.link && entry.version) {
      const base = name.slice(name.lastIndexOf('/') + 1);
      entry.resolved = `${registry}${name}/-/${base}-${entry.version}.tgz`;
    }
    out[path] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([path, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([path, dep, true]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      queue.push([path, dep, entry.peerDependenciesMeta?.[dep]?.optional === true]);
    }
  }
}

/** What {@link scratchProject} writes. */
export interface ScratchFiles {
  'package.json': string;
  'package-lock.json': string;
}

/**
 * package.json and package-lock.json of a project depending on the packed tarball and on packages the
 * repository has installed (at the versions of its lock).
 * @param root the repository
 * @param dir the scratch project's folder
 * @param tarball the packed package
 * @param deps other dependencies (names installed in the repository)
 * @param type the project's module type
 */
export function scratchProject(root: string, dir: string, tarball: string, deps: string[], type: 'module' | 'commonjs'): ScratchFiles {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lock;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license: string;
    dependencies: Record<string, string>;
    engines: Record<string, string>;
    bin?: Record<string, string>;
  };
  const spec = 'file:' + relative(dir, tarball);
  const dependencies: Record<string, string> = { [manifest.name]: spec };
  for (const name of deps) dependencies[name] = lock.packages['node_modules/' + name]!.version!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'scratch', version: '1.0.0', dependencies },
    ['node_modules/' + manifest.name]: {
      version: manifest.version,
      resolved: spec,
      integrity: 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64'),
      license: manifest.license,
      dependencies: manifest.dependencies,
      engines: manifest.engines,
      // the commands npm ci links into node_modules/.bin (the lock's form: paths without './')
      ...(manifest.bin ? { bin: Object.fromEntries(Object.entries(manifest.bin).map(([k, v]) => [k, v.replace(/^\.\//, '')])) } : {}),
    },
  };
  let registry = process.env.npm_config_registry || 'https://registry.npmjs.org/';
  if (!registry.endsWith('/')) registry += '/';
  closure(lock, [...Object.keys(manifest.dependencies), ...deps], packages, registry);
  return {
    'package.json': JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type, dependencies }, null, 2),
    'package-lock.json': JSON.stringify({ name: 'scratch', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  };
}
