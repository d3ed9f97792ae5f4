import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabel, Registry } from './registry.js';

test('counters, gauges, histograms and collected families in the text format', async () => {
  const r = new Registry();
  const c = r.counter('app_hits_total', 'Hits\\by path\nsecond line', ['path']);
  c.inc(['/a"b\\c\nd']);
  c.inc(['/a"b\\c\nd'], 2);
  r.gauge('app_busy', 'Busy').inc([], -1);
  const h = r.histogram('app_latency_seconds', 'Latency', ['route'], [0.1, 1]);
  const s = h.series(['x']);
  s.observe(0.05);
  s.observe(0.5);
  s.observe(5);
  r.collected('app_queue', 'Queue', 'gauge', ['q'], () => [{ labels: ['main'], value: Infinity }]);
  assert.equal(
    await r.metrics(),
    [
      '# HELP app_hits_total Hits\\\\by path\\nsecond line',
      '# TYPE app_hits_total counter',
      'app_hits_total{path="/a\\"b\\\\c\\nd"} 3',
      '# HELP app_busy Busy',
      '# TYPE app_busy gauge',
      'app_busy -1',
      '# HELP app_latency_seconds Latency',
      '# TYPE app_latency_seconds histogram',
      'app_latency_seconds_bucket{route="x",le="0.1"} 1',
      'app_latency_seconds_bucket{route="x",le="1"} 2',
      'app_latency_seconds_bucket{route="x",le="+Inf"} 3',
      'app_latency_seconds_sum{route="x"} 5.55',
      'app_latency_seconds_count{route="x"} 3',
      '# HELP app_queue Queue',
      '# TYPE app_queue gauge',
      'app_queue{q="main"} +Inf',
      '',
    ].join('\n'),
  );
  assert.equal(c.get(['/a"b\\c\nd']), 3);
});

test('invalid names, duplicate names and bad buckets are refused', () => {
  const r = new Registry();
  assert.throws(() => r.counter('1bad', 'x'), /invalid metric name/);
  assert.throws(() => r.counter('ok_total', 'x', ['__reserved']), /invalid label name/);
  r.counter('ok_total', 'x');
  assert.throws(() => r.counter('ok_total', 'x'), /already registered/);
  assert.throws(() => r.histogram('h', 'x', ['le'], [1]), /le/);
  assert.throws(() => r.histogram('h2', 'x', [], [1, 1]), /increasing/);
  r.remove('ok_total');
  assert.equal(r.has('ok_total'), false);
  assert.equal(escapeLabel('plain'), 'plain');
});

test('read() gives the current samples of one family, labels by name', () => {
  const r = new Registry();
  r.counter('app_hits_total', 'Hits', ['path']).inc(['/a"b\\c\nd'], 3);
  const h = r.histogram('app_latency_seconds', 'Latency', ['route'], [0.1]);
  h.series(['x']).observe(0.05);
  h.series(['x']).observe(5);
  let n = 0;
  r.collected('app_calls', 'Calls', 'gauge', [], () => [{ labels: [], value: ++n }]);
  assert.deepEqual(r.read('app_hits_total'), [{ name: 'app_hits_total', labels: { path: '/a"b\\c\nd' }, value: 3 }]);
  assert.deepEqual(r.read('app_latency_seconds'), [
    { name: 'app_latency_seconds_bucket', labels: { route: 'x', le: '0.1' }, value: 1 },
    { name: 'app_latency_seconds_bucket', labels: { route: 'x', le: '+Inf' }, value: 2 },
    { name: 'app_latency_seconds_sum', labels: { route: 'x' }, value: 5.05 },
    { name: 'app_latency_seconds_count', labels: { route: 'x' }, value: 2 },
  ]);
  assert.deepEqual(r.read('app_calls'), [{ name: 'app_calls', labels: {}, value: 1 }], 'computed now');
  assert.deepEqual(r.read('app_unknown'), []);
});
