// The dashboard's axis ticks (public/ticks.js, a browser module): steps of 1, 2 or 5 × 10^n only.
import { test } from 'node:test';
import assert from 'node:assert/strict';

type Ticks = { step: number; top: number; ticks: number[] };
const { niceTicks, formatTick } = (await import(new URL('./public/ticks.js', import.meta.url).href)) as {
  niceTicks(max: number, target?: number, minStep?: number): Ticks;
  formatTick(v: number): string;
};

/** Whether a step is 1, 2 or 5 times a power of ten. */
function isRound(step: number): boolean {
  const mantissa = Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(12));
  return mantissa === 1 || mantissa === 2 || mantissa === 5;
}

test('steps of 1, 2 or 5 × 10^n from 0 to the first tick at or above the maximum', () => {
  assert.deepEqual(niceTicks(5), { step: 2, top: 6, ticks: [0, 2, 4, 6] });
  assert.deepEqual(niceTicks(4), { step: 1, top: 4, ticks: [0, 1, 2, 3, 4] });
  assert.deepEqual(niceTicks(37), { step: 10, top: 40, ticks: [0, 10, 20, 30, 40] });
  assert.deepEqual(niceTicks(100), { step: 50, top: 100, ticks: [0, 50, 100] });
  assert.deepEqual(niceTicks(1234), { step: 500, top: 1500, ticks: [0, 500, 1000, 1500] });
  assert.deepEqual(niceTicks(0.7), { step: 0.2, top: 0.8, ticks: [0, 0.2, 0.4, 0.6, 0.8] });
  assert.deepEqual(niceTicks(0.3), { step: 0.1, top: 0.3, ticks: [0, 0.1, 0.2, 0.3] });
});

test('every maximum gets round steps, a top at or above it and at most twice the target of steps', () => {
  for (let max = 0.013; max < 2e7; max *= 1.37) {
    for (const target of [3, 4, 5, 6]) {
      const { step, top, ticks } = niceTicks(max, target);
      assert.ok(isRound(step), `step ${step} for ${max}`);
      assert.ok(top >= max, `top ${top} below ${max}`);
      assert.ok(top - step < max, `a whole step above ${max}: ${ticks}`);
      assert.ok(ticks.length - 1 <= 2 * target + 1, `${ticks.length} ticks for ${max}/${target}`);
      ticks.forEach((t, i) => assert.equal(t, Number((i * step).toPrecision(12))));
    }
  }
});

test('counts keep whole steps; nothing to show still gives an axis', () => {
  assert.deepEqual(niceTicks(1, 4, 1), { step: 1, top: 1, ticks: [0, 1] });
  assert.deepEqual(niceTicks(3, 4, 1), { step: 1, top: 3, ticks: [0, 1, 2, 3] });
  assert.deepEqual(niceTicks(0, 4, 1), { step: 1, top: 1, ticks: [0, 1] });
  assert.deepEqual(niceTicks(0), { step: 0.5, top: 1, ticks: [0, 0.5, 1] });
  assert.deepEqual(niceTicks(Number.NaN), niceTicks(0));
  assert.deepEqual(niceTicks(-3), niceTicks(0));
});

test('ticks are written without float noise or trailing zeros', () => {
  assert.deepEqual(niceTicks(0.7).ticks.map(formatTick), ['0', '0.2', '0.4', '0.6', '0.8']);
  assert.equal(formatTick(1500), '1500');
  assert.equal(formatTick(15000), '15k');
  assert.equal(formatTick(2_500_000), '2.5M');
});
