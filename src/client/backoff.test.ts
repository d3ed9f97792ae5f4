import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

/** The formula of PROTOCOL.md §4, written independently. */
function expected(n: number, r: number, delay: number, factor: number, max: number): number {
  const base = delay * 2 ** n;
  const dev = Math.floor(r * factor * base);
  const v = Math.floor(r * 10) % 2 === 0 ? base - dev : base + dev;
  return Math.min(v, max);
}

describe('Backoff', () => {
  it('doubles from min without jitter and caps at max', () => {
    const b = new Backoff({ min: 100, max: 1000, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => b.duration()), [100, 200, 400, 800, 1000]);
    assert.equal(b.attempts, 5);
  });

  it('applies jitter below the base when floor(r*10) is even, above when odd', () => {
    for (const r of [0, 0.05, 0.15, 0.2, 0.33, 0.49, 0.5, 0.77, 0.99]) {
      const b = new Backoff({ min: 1000, max: 1e9, jitter: 0.5, random: () => r });
      for (let n = 0; n < 6; n++) assert.equal(b.duration(), expected(n, r, 1000, 0.5, 1e9), `r=${r} n=${n}`);
    }
  });

  it('caps the jittered delay at max', () => {
    const b = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0.99 });
    assert.deepEqual([0, 1, 2, 3].map(() => b.duration()), [1495, 2990, 5000, 5000]);
  });

  it('stays within [base*(1-f), base*(1+f)] for random draws', () => {
    const b = new Backoff({ min: 200, max: 1e9, jitter: 0.3 });
    for (let n = 0; n < 8; n++) {
      const d = b.duration();
      const base = 200 * 2 ** n;
      assert.ok(d >= Math.floor(base * 0.7) && d <= Math.ceil(base * 1.3), `attempt ${n}: ${d}`);
    }
  });

  it('reset() starts again from min; setters take effect', () => {
    const b = new Backoff({ min: 100, max: 10000 });
    b.duration();
    b.duration();
    b.reset();
    assert.equal(b.attempts, 0);
    b.setMin(50);
    b.setMax(120);
    assert.deepEqual([b.duration(), b.duration(), b.duration()], [50, 100, 120]);
    b.reset();
    b.setJitter(1);
    const d = b.duration();
    assert.ok(d >= 0 && d <= 100);
  });

  it('ignores an out-of-range jitter', () => {
    const b = new Backoff({ min: 100, jitter: 2 });
    assert.equal(b.duration(), 100);
  });
});
