// Axis ticks on round numbers: steps of 1, 2 or 5 × 10^n, from 0 to the first tick at or above the maximum.

/**
 * The ticks of an axis from 0 that covers `max`.
 * @param max the largest value to show (anything not above 0 counts as `minStep`)
 * @param target about how many steps (default 4)
 * @param minStep the smallest step allowed (default 0: any; 1 for counts)
 * @returns `{ step, top, ticks }`: ticks are `0, step, 2·step … top`, top ≥ max
 */
export function niceTicks(max, target = 4, minStep = 0) {
  const wanted = Math.max(1, Math.round(target));
  const value = Number.isFinite(max) && max > 0 ? max : minStep || 1;
  const raw = value / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = 10 * power;
  for (const m of [1, 2, 5]) {
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  }
  if (step < minStep) step = minStep;
  step = clean(step);
  const count = Math.max(1, Math.ceil(clean(value / step)));
  const ticks = [];
  for (let i = 0; i <= count; i++) ticks.push(clean(i * step));
  return { step, top: ticks[ticks.length - 1], ticks };
}

/** A tick as text: `0.5`, `20`, `1.5k`, `2M` (no trailing zeros, no float noise). */
export function formatTick(v) {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${clean(v / 1e6)}M`;
  if (abs >= 1e4) return `${clean(v / 1e3)}k`;
  return String(clean(v));
}

/** Removes binary floating-point noise (0.30000000000000004 → 0.3). */
function clean(v) {
  return Number(v.toPrecision(12));
}
