/**
 * The long leak run (`npm run leak`): connect/emit/ack/disconnect cycles over WebSocket and over polling against a
 * server in this process; prints the heap growth per cycle after GC over the second half of the cycles (the first half absorbs one-time
 * growth) and fails above the bound.
 *
 * Environment: `LEAK_CYCLES` measured cycles per transport (default 2,000), `LEAK_WARMUP` (default 300),
 * `LEAK_BOUND` bytes per cycle (default 200).
 */
import { leakCycles } from '../test/leak/cycles.js';

const cycles = Number(process.env.LEAK_CYCLES) || 2000;
const warmup = Number(process.env.LEAK_WARMUP) || 300;
const bound = Number(process.env.LEAK_BOUND) || 200;
let failed = false;
for (const transport of ['websocket', 'polling'] as const) {
  const start = performance.now();
  const r = await leakCycles(transport, warmup, cycles);
  const ok = r.bytesPerCycle < bound;
  failed ||= !ok;
  console.log(
    `leak ${transport}: ${r.cycles} cycles after ${warmup} of warm-up, heap ${(r.baseline / 1e6).toFixed(2)} MB -> ${(r.middle / 1e6).toFixed(2)} MB -> ${(r.after / 1e6).toFixed(2)} MB, ` +
      `${r.bytesPerCycle.toFixed(1)} bytes/cycle over the second half (bound ${bound}; ${r.bytesPerCycleOverall.toFixed(1)} over all) in ${((performance.now() - start) / 1000).toFixed(0)} s ${ok ? 'ok' : 'FAIL'}`,
  );
}
process.exit(failed ? 1 : 0);
