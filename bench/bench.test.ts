/**
 * Smoke test of the benchmark: a tiny version of every load scenario against our server and the
 * reference targets, asserting that the scenarios' own correctness checks pass; plus the CPU-time reading,
 * the bundle-size measurement and the goals/table rendering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLUSTER_TARGETS, startClusterTarget, startTarget, type RunningTarget, type TargetName } from './lib/children.js';
import { startRedis, type BenchRedis } from './lib/redis.js';
import { crossNodeKey, startBuses, type BenchBuses, type Engine } from './lib/buses.js';
import { measureBundle, REFERENCE_BUNDLE } from './lib/bundle.js';
import { machineInfo, openFileLimit, processCpuSeconds, processWriteCalls } from './lib/proc.js';
import { evaluateGoals, renderTables, type Results } from './lib/report.js';
import { median, percentile } from './lib/stats.js';
import type { ScenarioContext } from './load/context.js';
import { LOAD_SCENARIOS, runScenario } from './load/scenarios.js';

const targets: TargetName[] = ['socketeer', 'socket.io', 'ws', 'ws-batched'];

for (const name of targets) {
  describe(`bench smoke: ${name}`, () => {
    let target: RunningTarget;
    before(async () => {
      const started = await startTarget(name);
      if ('unavailable' in started) throw new Error(`${name} unavailable: ${started.unavailable}`);
      target = started;
    });
    after(() => target?.stop());

    for (const scenario of LOAD_SCENARIOS) {
      test(scenario, async () => {
        const ctx: ScenarioContext = {
          target: target.address,
          serverCpu: () => processCpuSeconds(target.pid),
          serverWrites: () => processWriteCalls(target.pid),
          serverMemory: () => target.memory(),
          requireCpu: false,
        };
        const result = await runScenario(scenario, 'smoke', ctx, { openFileLimit: openFileLimit() });
        const m = result.metrics;
        switch (scenario) {
          case 'echo':
            assert.equal(m.roundTrips, 4 * 20);
            assert.ok(m.p50Ms > 0 && m.p99Ms >= m.p50Ms);
            break;
          case 'fan-out':
            assert.equal(m.deliveries, 6 * 10);
            break;
          case 'handshakes':
            assert.equal(m.websocket, 10);
            if (target.address.kind === 'sio') assert.equal(m.polling, 4);
            else assert.equal(m.polling, undefined);
            break;
          case 'memory':
            assert.equal(m.connections, 20);
            assert.ok(Number.isFinite(m.heapPerConnBytes) && Number.isFinite(m.rssPerConnBytes));
            break;
          case 'polling':
            if (target.address.kind === 'sio') assert.equal(m.messages, 3 * 3 * 4);
            else assert.deepEqual(m, {});
            break;
          case 'slow-reader':
            assert.equal(m.broadcasts, 10);
            assert.equal(m.nonReaders, 2);
            assert.ok(Number.isFinite(m.rssGrowthBytes) && Number.isFinite(m.heapGrowthBytes));
            break;
        }
      });
    }
  });
}

describe('bench smoke: cross-node', () => {
  let redis: BenchRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  for (const name of CLUSTER_TARGETS) {
    test(`${name}: 3 processes on one Redis, clients spread over them`, async () => {
      const started = await startClusterTarget(name, redis.url, 3);
      if ('unavailable' in started) throw new Error(`${name} unavailable: ${started.unavailable}`);
      try {
        assert.equal(new Set(started.address.ports).size, 3);
        assert.equal(new Set(started.pids).size, 3);
        const ctx: ScenarioContext = {
          target: started.address,
          serverCpu: () => started.pids!.reduce((s, pid) => s + processCpuSeconds(pid), 0),
          serverWrites: () => NaN,
          serverMemory: () => started.memory(),
          requireCpu: false,
        };
        const m = (await runScenario('cross-node', 'smoke', ctx, { openFileLimit: openFileLimit() })).metrics;
        assert.equal(m.deliveries, 6 * 10);
        assert.equal(m.nodes, 3);
      } finally {
        await started.stop();
      }
    });
  }

  test('a target without a Redis adapter is refused', async () => {
    const started = await startClusterTarget('ws', redis.url, 3);
    assert.ok('unavailable' in started);
  });
});

/** Runs the smoke-size cross-node scenario on a 3-process cluster target. */
async function smokeCrossNode(started: RunningTarget): Promise<Record<string, number>> {
  const ctx: ScenarioContext = {
    target: started.address,
    serverCpu: () => started.pids!.reduce((s, pid) => s + processCpuSeconds(pid), 0),
    serverWrites: () => NaN,
    serverMemory: () => started.memory(),
    requireCpu: false,
  };
  return (await runScenario('cross-node', 'smoke', ctx, { openFileLimit: openFileLimit() })).metrics;
}

describe('bench smoke: cross-node per engine', () => {
  const engines: Engine[] = ['redis-streams', 'postgres', 'nats'];
  let buses: BenchBuses;
  before(async () => {
    buses = await startBuses(engines, () => {});
  });
  after(() => buses?.stop());

  for (const engine of engines) {
    for (const name of CLUSTER_TARGETS) {
      test(`${engine}: ${name}, 3 processes on one bus`, async () => {
        const missing = buses.missing(engine);
        assert.equal(missing, null, `${engine}: ${missing}`);
        const started = await startClusterTarget(name, buses.env(engine, name === 'socketeer' ? 'socketeer' : 'socket.io'), 3);
        if ('unavailable' in started) throw new Error(`${name} on ${engine} unavailable: ${started.unavailable}`);
        try {
          const m = await smokeCrossNode(started);
          assert.equal(m.deliveries, 6 * 10);
          assert.equal(m.nodes, 3);
        } finally {
          await started.stop();
        }
      });
    }
  }
});

describe('bench measurement helpers', () => {
  test('server CPU time comes from /proc and advances with work', () => {
    const before = processCpuSeconds(process.pid);
    const t0 = performance.now();
    let x = 0;
    // Busy until /proc shows 50 ms more CPU time (bounded, for a heavily loaded machine).
    while (processCpuSeconds(process.pid) - before < 0.05 && performance.now() - t0 < 5000) {
      for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    }
    const cpu = processCpuSeconds(process.pid) - before;
    const wall = (performance.now() - t0) / 1000;
    assert.ok(x > 0);
    assert.ok(cpu >= 0.05, `CPU time advanced by ${cpu} s`);
    // One thread spinning cannot use more CPU than wall time (plus a clock tick and GC threads).
    assert.ok(cpu <= wall * 2 + 0.02, `CPU ${cpu} s in ${wall} s`);
  });

  test('median and percentile', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(percentile(Float64Array.from([5, 1, 4, 2, 3]), 50), 3);
    assert.equal(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 99), 100);
  });

  test('reference bundle is measured gzipped', () => {
    const size = measureBundle(REFERENCE_BUNDLE);
    assert.ok(!('unavailable' in size));
    assert.ok(size.gzipBytes > 1000 && size.gzipBytes < size.bytes);
    assert.ok('unavailable' in measureBundle('dist/does-not-exist.js'));
  });

  test('goals compare socketeer with socket.io and the table shows them', () => {
    const ok = (median: Record<string, number>) => ({ status: 'ok' as const, rounds: [median], median, notes: [] });
    const results: Results = {
      date: '2026-01-01T00:00:00.000Z',
      machine: machineInfo(),
      rounds: 1,
      scale: 1,
      durationSec: 1,
      sizes: {},
      scenarios: {
        echo: { socketeer: ok({ perCpuSec: 300 }), 'socket.io': ok({ perCpuSec: 100 }) },
        memory: { socketeer: ok({ heapPerConnBytes: 5000 }), 'socket.io': ok({ heapPerConnBytes: 10000 }) },
      },
      goals: [],
    };
    results.goals = evaluateGoals(results);
    const echo = results.goals.find((g) => g.scenario === 'echo')!;
    assert.equal(echo.ratio, 3);
    assert.equal(echo.met, true);
    const memory = results.goals.find((g) => g.scenario === 'memory')!;
    assert.equal(memory.ratio, 0.5);
    assert.equal(memory.met, false);
    assert.equal(results.goals.some((g) => g.scenario === 'fan-out'), false);
    const text = renderTables(results, ['socketeer', 'socket.io']);
    assert.match(text, /\| socketeer +\| +300 \|/);
    assert.match(text, /echo round trips per server CPU-s +\| +3\.00× \| +≥ 2\.5× \| +met \|/);
    assert.match(text, /heap per idle connection +\| +0\.50× \| +≤ 0\.35× \| +not met \|/);

  });

  test('cross-node on another engine gets its own table and a 3× goal', () => {
    const ok = (median: Record<string, number>) => ({ status: 'ok' as const, rounds: [median], median, notes: [] });
    const results: Results = {
      date: '2026-01-01T00:00:00.000Z',
      machine: machineInfo(),
      rounds: 1,
      scale: 1,
      durationSec: 1,
      sizes: {},
      scenarios: {
        [crossNodeKey('nats')]: { socketeer: ok({ perCpuSec: 250, perWallSec: 1, serverCpuSec: 1 }), 'socket.io': ok({ perCpuSec: 100, perWallSec: 1, serverCpuSec: 1 }) },
      },
      goals: [],
    };
    results.goals = evaluateGoals(results);
    const goal = results.goals.find((g) => g.scenario === crossNodeKey('nats'))!;
    assert.equal(goal.ratio, 2.5);
    assert.equal(goal.target, 3);
    assert.equal(goal.met, false);
    const text = renderTables(results, ['socketeer', 'socket.io']);
    assert.match(text, /### cross-node on nats \(median of 1 round\)/);
    assert.match(text, /\| socketeer +\| +250 \| +1 \| +1\.00 \| +2\.50× \|/);
  });
});
