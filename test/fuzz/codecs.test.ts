/**
 * The codec fuzz targets, briefly (150 inputs each, and 1,500 mutated ones); `npm run fuzz` runs them long.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { codecTargets, mutateInput, prng } from './codecs.js';

const runs = Number(process.env.FUZZ_RUNS) || 150;

for (const target of codecTargets) {
  test(`fuzz: ${target.name}`, () => {
    fc.assert(fc.property(target.arbitrary, (input) => target.check(input)), { numRuns: runs });
  });
}

for (const target of codecTargets.filter((t) => t.mutable)) {
  test(`fuzz: ${target.name}, mutated`, () => {
    const seed = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
    const corpus = fc.sample(target.arbitrary, { numRuns: 200, seed });
    const rand = prng(seed);
    for (let i = 0; i < runs * 10; i++) {
      const input = mutateInput(corpus[i % corpus.length], rand);
      try {
        target.check(input);
      } catch (err) {
        throw new Error(`seed ${seed}, input ${JSON.stringify(input)}: ${(err as Error).message}`, { cause: err });
      }
    }
  });
}
