/**
 * Module hooks that run the server targets' TypeScript without a keepNames transform: `.ts`
 * files are compiled by esbuild as plain ES2022 (type syntax removed, nothing added), and a
 * relative `./x.js` import resolves to `./x.ts` when only the TypeScript source exists.
 * Files keep their real location, so `import.meta.url` based paths work as in production.
 * (A general-purpose TypeScript loader names every function with a helper call at creation,
 * which costs CPU time and heap per connection that compiled production code does not pay.)
 */
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

/** Resolves `.js` specifiers to their `.ts` source when the `.js` file does not exist. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
      return nextResolve(specifier.slice(0, -3) + '.ts', context);
    }
    throw err;
  }
}

/** Compiles `.ts` modules to JavaScript (ES modules, ES2022 class fields). */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const result = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: url,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
  });
  return { format: 'module', source: result.code, shortCircuit: true };
}
