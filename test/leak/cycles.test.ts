/**
 * Leak cycles, briefly and with a generous bound (a leaked connection costs far more than this); `npm run leak`
 * runs thousands of cycles against the tight bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leakCycles } from './cycles.js';

/** Bytes per cycle: a connection that is never released (sockets, engine session, buffers) costs more. */
const QUICK_BOUND = 16 * 1024;

for (const [transport, cycles] of [['websocket', 200], ['polling', 100]] as const) {
  test(`leak: connect/emit/ack/disconnect cycles over ${transport} return the heap to its baseline`, async () => {
    const r = await leakCycles(transport, 50, cycles);
    assert.ok(r.bytesPerCycleOverall < QUICK_BOUND, `${r.bytesPerCycleOverall.toFixed(0)} bytes per cycle`);
  });
}
