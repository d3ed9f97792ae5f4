/**
 * The long fuzz run (`npm run fuzz`): the codec targets of `test/fuzz/codecs.ts` in a worker thread, watched for
 * hangs, while the live-server fuzz of `test/fuzz/server.ts` runs in this thread. Prints the number of inputs,
 * the time taken and the slowest single codec input; exits non-zero on the first failure.
 *
 * Environment: `FUZZ_INPUTS` codec inputs in all (default 1,000,000), `FUZZ_SERVER_INPUTS` inputs to the live
 * server (default 5,000), `FUZZ_SEED` (default: from the clock; printed, to replay a failure).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';

/** A codec input slower than this counts as a hang. */
const INPUT_BOUND_MS = 2000;
/** The worker reports after each chunk; this long without a report is a hang. */
const WATCHDOG_MS = 120_000;
const CHUNK = 5000;
/** Inputs to each target that needs valid inputs (fast-check generated, slower). */
const FIXED_PER_TARGET = 20_000;

interface Progress {
  target: string;
  seed: number;
  done: number;
  maxMs: number;
  finished?: boolean;
  error?: string;
}

async function worker(): Promise<void> {
  const { codecTargets, mutateInput, prng } = await import('../test/fuzz/codecs.js');
  const { total, seed } = workerData as { total: number; seed: number };
  // targets that need valid inputs run through fast-check; the others get most of the inputs, mutated
  // from a corpus that fast-check generates
  const fixed = codecTargets.filter((t) => !t.mutable);
  const mutable = codecTargets.filter((t) => t.mutable);
  const perFixed = Math.min(FIXED_PER_TARGET, Math.floor(total / codecTargets.length));
  const perMutable = Math.ceil((total - perFixed * fixed.length) / mutable.length);
  let maxMs = 0;
  let chunkSeed = seed;
  const timed = (check: () => void): void => {
    const t = performance.now();
    check();
    const ms = performance.now() - t;
    if (ms > maxMs) maxMs = ms;
    if (ms > INPUT_BOUND_MS) throw new Error(`input took ${ms.toFixed(0)} ms`);
  };
  for (const target of codecTargets) {
    const per = target.mutable ? perMutable : perFixed;
    for (let done = 0; done < per; ) {
      const runs = Math.min(CHUNK, per - done);
      chunkSeed = (chunkSeed * 1103515245 + 12345) % 2 ** 31;
      parentPort!.postMessage({ target: target.name, seed: chunkSeed, done, maxMs } satisfies Progress);
      try {
        if (target.mutable) {
          const corpus = fc.sample(target.arbitrary, { numRuns: 500, seed: chunkSeed });
          const rand = prng(chunkSeed);
          for (let i = 0; i < runs; i++) {
            const base = corpus[i % corpus.length];
            const input = i < corpus.length ? base : mutateInput(base, rand);
            try {
              timed(() => target.check(input));
            } catch (err) {
              throw new Error(`${(err as Error).stack}\ninput: ${JSON.stringify(input, hex)}`);
            }
          }
        } else {
          fc.assert(fc.property(target.arbitrary, (input) => timed(() => target.check(input))), { numRuns: runs, seed: chunkSeed });
        }
      } catch (err) {
        parentPort!.postMessage({ target: target.name, seed: chunkSeed, done, maxMs, error: (err as Error).message } satisfies Progress);
        return;
      }
      done += runs;
    }
    parentPort!.postMessage({ target: target.name, seed: chunkSeed, done: per, maxMs, finished: true } satisfies Progress);
  }
}

function hex(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return 'hex:' + Buffer.from((value as { data: number[] }).data).toString('hex');
  }
  return value;
}

async function main(): Promise<void> {
  const codecInputs = Number(process.env.FUZZ_INPUTS) || 1_000_000;
  const serverInputs = Number(process.env.FUZZ_SERVER_INPUTS) || 5_000;
  const seed = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
  console.log(`fuzz: ${codecInputs} codec inputs, ${serverInputs} server inputs, seed ${seed}`);
  const start = performance.now();

  const counts = new Map<string, number>();
  let maxMs = 0;
  const codecs = new Promise<void>((resolve, reject) => {
    // the worker loads this file through tsx's loader (a worker does not inherit the loader of its parent)
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const w = new Worker(boot, { eval: true, workerData: { total: codecInputs, seed } });
    let last: Progress | undefined;
    let watchdog = setTimeout(onHang, WATCHDOG_MS);
    function onHang(): void {
      void w.terminate();
      reject(new Error(`hang: no progress for ${WATCHDOG_MS / 1000} s in "${last?.target}" (chunk seed ${last?.seed}, after ${last?.done} inputs)`));
    }
    w.on('message', (p: Progress) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(onHang, WATCHDOG_MS);
      last = p;
      maxMs = Math.max(maxMs, p.maxMs);
      if (p.error) {
        clearTimeout(watchdog);
        void w.terminate();
        reject(new Error(`codec fuzz failed in "${p.target}" (chunk seed ${p.seed}):\n${p.error}`));
      } else if (p.finished) {
        counts.set(p.target, p.done);
        console.log(`  ${p.target}: ${p.done} inputs`);
      }
    });
    w.on('error', (err) => {
      clearTimeout(watchdog);
      reject(err);
    });
    w.on('exit', () => {
      clearTimeout(watchdog);
      resolve();
    });
  });

  const { fuzzServer, startFuzzServer } = await import('../test/fuzz/server.js');
  const server = (async () => {
    const fuzz = await startFuzzServer();
    try {
      const t = performance.now();
      const sent = await fuzzServer(fuzz, serverInputs, seed, 16, 500);
      if (fuzz.failures.length > 0) throw fuzz.failures[0];
      console.log(`  live server (WebSocket and polling, EIO 3 and 4): ${sent} inputs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      return sent;
    } finally {
      await fuzz.close();
    }
  })();

  const [, sent] = await Promise.all([codecs, server]);
  const codecTotal = [...counts.values()].reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `fuzz: ${(codecTotal + sent).toLocaleString('en-US')} inputs (${codecTotal.toLocaleString('en-US')} codec, ${sent.toLocaleString('en-US')} server) ` +
      `in ${seconds.toFixed(1)} s; slowest codec input ${maxMs.toFixed(1)} ms; no crash, no hang, Object.prototype unchanged`,
  );
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  void worker();
}
