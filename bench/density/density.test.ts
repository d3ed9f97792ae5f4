/**
 * Smoke test of the density scenario: a few connections per target, on one server and on two servers sharing a
 * private Redis, asserting that every broadcast reached every client (the scenario's own check) and that the
 * figures and the tables come out; plus the latency histogram.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openFileLimit } from '../lib/proc.js';
import { startRedis, type BenchRedis } from '../lib/redis.js';
import { count, merge, quantile, record, type Histogram } from './histogram.js';
import { renderDensity } from './report.js';
import { DENSITY_TARGETS, runDensity, type DensityResult } from './scenario.js';

const small = { connections: 24, warmup: 4, broadcasts: 3, openFileLimit: openFileLimit(), log: () => {} };

function check(r: DensityResult): void {
  assert.equal(r.status, 'ok', `${r.target}: ${r.reason}`);
  assert.equal(r.connections, 24);
  assert.equal(r.websocket!.deliveries, 24 * 3);
  assert.ok(r.websocket!.p50Ms > 0 && r.websocket!.p99Ms >= r.websocket!.p50Ms);
  assert.ok(Number.isFinite(r.websocket!.heapPerConnBytes) && Number.isFinite(r.websocket!.rssPerConnBytes));
  if (r.target === 'ws') assert.equal(r.mixed, undefined);
  else assert.equal(r.mixed!.deliveries, 24 * 3);
}

describe('bench density: one server process', () => {
  const results: DensityResult[] = [];
  for (const target of DENSITY_TARGETS) {
    test(target, async () => {
      const r = await runDensity(target, { ...small, size: 'limit' });
      check(r);
      results.push(r);
    });
  }
  test('the tables and the goals', () => {
    const text = renderDensity(results, 'smoke');
    assert.match(text, /#### density: smoke, all WebSocket/);
    assert.match(text, /\| socketeer +\| +24 \|/);
    assert.match(text, /heap per idle connection +\| +\d+\.\d\d× \| +≤ 0\.35× \|/);
  });
});

describe('bench density: two server processes on one Redis', () => {
  let redis: BenchRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());
  for (const target of DENSITY_TARGETS) {
    test(target, async () => {
      const r = await runDensity(target, { ...small, size: '100k', servers: 2, redisUrl: redis.url });
      check(r);
      assert.equal(r.servers, 2);
    });
  }
});

test('latency histogram: merge and percentiles within 1 %', () => {
  const a: Histogram = {};
  const b: Histogram = {};
  for (let i = 1; i <= 50; i++) record(a, i);
  for (let i = 51; i <= 100; i++) record(b, i);
  merge(a, b);
  assert.equal(count(a), 100);
  assert.ok(Math.abs(quantile(a, 50) - 50) <= 0.5, `p50 ${quantile(a, 50)}`);
  assert.ok(Math.abs(quantile(a, 99) - 99) <= 1, `p99 ${quantile(a, 99)}`);
  assert.ok(Number.isNaN(quantile({}, 50)));
});
