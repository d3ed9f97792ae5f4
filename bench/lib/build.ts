/**
 * Compiles the server targets to plain JavaScript before they run: each entry is bundled with
 * esbuild (npm packages stay external) into `bench/.build/<pid>/`, so the servers run on plain
 * `node` like a deployed application. Running them through a TypeScript loader instead would
 * add its per-function `name` bookkeeping (keepNames) to every closure the servers create,
 * which costs CPU time and heap per connection that production code does not pay.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
let outDir: string | undefined;
const builds = new Map<string, Promise<string>>();

/**
 * Compiles one target entry (once per process).
 * @param file entry file name in `bench/targets/`
 * @returns path of the compiled module; rejects with the compiler's message on failure
 */
export function compiledTarget(file: string): Promise<string> {
  let result = builds.get(file);
  if (result === undefined) {
    if (outDir === undefined) {
      const dir = `${benchDir}.build/${process.pid}/`;
      outDir = dir;
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const outfile = `${outDir}${file.replace(/\.ts$/, '.mjs')}`;
    result = build({
      entryPoints: [`${benchDir}targets/${file}`],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    }).then(
      () => outfile,
      (err: { errors?: { text: string; location?: { file: string; line: number } | null }[]; message: string }) => {
        const first = err.errors?.[0];
        throw new Error(first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : err.message);
      },
    );
    builds.set(file, result);
  }
  return result;
}
