/**
 * Socketeer benchmark: Socketeer against the official socket.io server and plain `ws` servers
 * (the ceiling), side by side. Each server target runs in its own child process, the load
 * generator in another; targets alternate within each round and medians over the rounds are
 * reported, with the server's CPU time (from /proc) as the measure of cost.
 *
 * Usage: `npm run bench [-- <scenario>…] [--engine E] [--rounds N] [--budget SECONDS] [--targets a,b] [--scale K] [--cpu-prof] [--heap-prof] [--alloc-prof] [--heap-snapshots]`
 * Scenarios: echo, fan-out, handshakes, memory, polling, cross-node, bundle (all by default), and `chaos`
 * (only when named: `npm run bench -- chaos [--clients N]`; see chaos/scenario.ts): random connection drops and a
 * rolling restart of a 3-node Redis cluster, for Socketeer and socket.io with its two Redis adapters.
 * `density` (only when named: `npm run bench -- density [--size limit|100k] [--connections N]`; see
 * density/scenario.ts): idle connections at the per-process open-file limit (or 100,000 over 6 server processes
 * on one Redis), their memory, the time to connect them and a broadcast to all of them, for Socketeer, socket.io
 * and plain `ws`.
 * `cross-node` runs 3 server processes per target (Socketeer and socket.io, each with its Redis adapter)
 * on a private redis-server the run starts on a free port; `--engine redis|redis-streams|postgres|nats|all`
 * (or a comma-separated list; default `redis`) picks the engines it compares, each against socket.io with the
 * matching official adapter (see lib/buses.ts).
 * `presence` (only when named: `npm run bench -- presence [--clients N] [--rate R] [--seconds S]`; see
 * presence/scenario.ts): 3 nodes on one Redis, clients joining and leaving a room at a steady rate; CPU per
 * change and the time until every node agrees, Socketeer presence beside socket.io's fetchSockets per change.
 * `--cpu-prof` / `--heap-prof` profile the selected server targets into `bench/results/profiles/`;
 * `--alloc-prof` samples every allocation of the servers (collected objects included) into
 * `bench/results/profiles/<target>-<scenario>-r<round>/allocations.heapprofile`;
 * `--budget` (default 270 s) bounds the whole run: after the first round, another round starts
 * only if it is expected (from the previous round's duration) to end within the budget.
 * `--heap-snapshots` writes a heap snapshot at each server memory sample (memory scenario) into
 * the same folders; `npx tsx bench/profile-summary.ts --diff a.heapsnapshot b.heapsnapshot` compares them;
 * `--scale K` multiplies the measured work (longer runs, e.g. for profiles).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleSizes } from './lib/bundle.js';
import { CLUSTER_TARGETS, DEFAULT_TARGETS, ScenarioError, startClusterTarget, startLoadgen, startTarget, TARGETS, type TargetName } from './lib/children.js';
import { startRedis } from './lib/redis.js';
import { crossNodeKey, ENGINES, OFFICIAL_PEER, startBuses, type BenchBuses, type Engine } from './lib/buses.js';
import { CROSS_NODE_SERVERS } from './load/cross-node.js';
import { machineInfo } from './lib/proc.js';
import { evaluateGoals, renderTables, type Results, type TargetOutcome } from './lib/report.js';
import { median } from './lib/stats.js';
import { CLUSTER_SCENARIOS, LOAD_SCENARIOS, SCENARIO_SIZES, type Scenario } from './load/scenarios.js';
import { MODES, renderChaos, runChaos, STACKS, type ChaosResult } from './chaos/scenario.js';
import { DENSITY_SIZES, DENSITY_TARGETS, runDensity, type DensityResult, type DensitySize } from './density/scenario.js';
import { renderDensity } from './density/report.js';
import { PRESENCE_STACKS, renderPresence, runPresence, type PresenceResult } from './presence/scenario.js';

const ALL_SCENARIOS = [...LOAD_SCENARIOS, ...CLUSTER_SCENARIOS, 'bundle'] as const;


interface Options {
  scenarios: (Scenario | 'bundle')[];
  rounds: number;
  targets: TargetName[];
  nodeArgs: string[];
  scale: number;
  allocationProfile: boolean;
  heapSnapshots: boolean;
  budgetSec: number;
  chaos: boolean;
  chaosClients: number;
  density: boolean;
  densitySize: DensitySize;
  densityConnections?: number;
  presence: boolean;
  /** the presence scenario's clients (`--clients`), changes per second and seconds */
  presenceClients?: number;
  presenceRate: number;
  presenceSeconds: number;
  /** --targets was given */
  targetsGiven: boolean;
  /** engines of the cross-node scenario */
  engines: Engine[];
}

/** One scenario as it is measured and reported: the cross-node scenario once per engine. */
interface Run {
  key: string;
  scenario: Scenario;
  engine?: Engine;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { scenarios: [], rounds: 3, targets: [...DEFAULT_TARGETS], nodeArgs: [], scale: 1, allocationProfile: false, heapSnapshots: false, budgetSec: 270, chaos: false, chaosClients: 300, density: false, densitySize: 'limit', presence: false, presenceRate: 100, presenceSeconds: 10, targetsGiven: false, engines: ['redis'] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--rounds') opts.rounds = Math.max(1, Number(argv[++i]) || 1);
    else if (arg === '--budget') opts.budgetSec = Math.max(1, Number(argv[++i]) || 270);
    else if (arg === '--alloc-prof') opts.allocationProfile = true;
    else if (arg === '--heap-snapshots') opts.heapSnapshots = true;
    else if (arg === '--scale') opts.scale = Math.max(1, Number(argv[++i]) || 1);
    else if (arg === '--targets') {
      opts.targets = argv[++i].split(',') as TargetName[];
      opts.targetsGiven = true;
    } else if (arg === 'chaos') opts.chaos = true;
    else if (arg === 'density') opts.density = true;
    else if (arg === 'presence') opts.presence = true;
    else if (arg === '--rate') opts.presenceRate = Math.max(1, Number(argv[++i]) || 100);
    else if (arg === '--seconds') opts.presenceSeconds = Math.max(1, Number(argv[++i]) || 10);
    else if (arg === '--size') {
      const size = argv[++i];
      if (!(size in DENSITY_SIZES)) throw new Error(`unknown size ${size}; sizes: ${Object.keys(DENSITY_SIZES).join(', ')}`);
      opts.densitySize = size as DensitySize;
    } else if (arg === '--connections') opts.densityConnections = Math.max(10, Number(argv[++i]) || 0);
    else if (arg === '--engine') opts.engines = argv[++i] === 'all' ? [...ENGINES] : (argv[i].split(',') as Engine[]);
    else if (arg === '--clients') opts.presenceClients = opts.chaosClients = Math.max(1, Number(argv[++i]) || 300);
    else if (arg === '--cpu-prof' || arg === '--heap-prof') opts.nodeArgs.push(arg);
    else if ((ALL_SCENARIOS as readonly string[]).includes(arg)) opts.scenarios.push(arg as Scenario | 'bundle');
    else throw new Error(`unknown argument ${arg}; scenarios: ${ALL_SCENARIOS.join(', ')}`);
  }
  for (const e of opts.engines) if (!(ENGINES as readonly string[]).includes(e)) throw new Error(`unknown engine ${e}; engines: ${ENGINES.join(', ')}, all`);
  for (const t of opts.targets) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${t}; targets: ${TARGETS.join(', ')}`);
  if (opts.scenarios.length === 0 && !opts.chaos && !opts.density && !opts.presence) opts.scenarios = [...ALL_SCENARIOS];
  return opts;
}

function log(message: string): void {
  process.stderr.write(message + '\n');
}

/**
 * Profiling flags for a server target: one folder per target, scenario and round under
 * bench/results/profiles/ (the main thread's profile is the largest file; the module loader's
 * worker thread writes its own).
 */
function profileArgs(nodeArgs: string[], target: string, scenario: string, round: number): string[] {
  if (nodeArgs.length === 0) return [];
  const dir = profileDir(target, scenario, round);
  return nodeArgs.flatMap((a) => [a, `${a}-dir=${dir}`]);
}

/** Environment asking a target for an allocation profile and heap snapshots (see targets/harness.ts). */
function profileEnv(opts: Options, target: string, scenario: string, round: number): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.allocationProfile) env.BENCH_ALLOC_PROFILE = `${profileDir(target, scenario, round)}allocations.heapprofile`;
  if (opts.heapSnapshots) env.BENCH_HEAP_SNAPSHOTS = profileDir(target, scenario, round);
  return env;
}

function profileDir(target: string, scenario: string, round: number): string {
  const dir = fileURLToPath(new URL(`results/profiles/${target}-${scenario}-r${round + 1}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const machine = machineInfo();
  const results: Results = {
    date: new Date().toISOString(),
    machine,
    rounds: opts.rounds,
    scale: opts.scale,
    durationSec: 0,
    sizes: SCENARIO_SIZES,
    scenarios: {},
    goals: [],
  };
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, ulimit -n ${machine.openFileLimit}`);

  let referenceFailed = false;
  const unavailable = new Map<TargetName, string>();
  const loadScenarios = opts.scenarios.filter((s): s is Scenario => s !== 'bundle');
  const isCluster = (s: Scenario) => (CLUSTER_SCENARIOS as readonly string[]).includes(s);
  const runs: Run[] = loadScenarios.flatMap((scenario): Run[] =>
    isCluster(scenario) ? opts.engines.map((engine) => ({ key: crossNodeKey(engine), scenario, engine })) : [{ key: scenario, scenario }],
  );
  if (runs.length > 0) {
    const loadgen = startLoadgen();
    // the cross-node targets share private buses (redis-server, nats-server, a PostgreSQL database) for the whole run
    const buses: BenchBuses | null = loadScenarios.some(isCluster) ? await startBuses(opts.engines, log) : null;
    try {
      for (const run of runs) {
        const outcomes: Record<string, TargetOutcome> = {};
        for (const t of opts.targets) outcomes[t] = { status: 'ok', rounds: [], median: {}, notes: [] };
        if (run.engine && run.engine !== 'redis' && outcomes['socket.io']) outcomes['socket.io'].notes.push(`adapter: ${OFFICIAL_PEER[run.engine]}`);
        results.scenarios[run.key] = outcomes;
      }
      // Rounds are the outer loop: every scenario and target is sampled once per round, targets
      // interleaved (rotating who goes first), so slow drifts of the machine hit all alike.
      let roundMs = 0;
      for (let round = 0; round < opts.rounds; round++) {
        if (round > 0 && Date.now() - started + roundMs > opts.budgetSec * 1000) {
          const note = `${round} of ${opts.rounds} rounds: another would overrun the time budget (--budget ${opts.budgetSec})`;
          log(note);
          for (const run of runs) for (const outcome of Object.values(results.scenarios[run.key])) outcome.notes.push(note);
          break;
        }
        const roundStart = Date.now();
        for (const { key, scenario, engine } of runs) {
          const outcomes = results.scenarios[key];
          const profileName = engine && engine !== 'redis' ? `${scenario}-${engine}` : scenario;
          const order = opts.targets.map((_, i) => opts.targets[(i + round) % opts.targets.length]);
          for (const name of order) {
            const outcome = outcomes[name];
            if (outcome.status !== 'ok') continue;
            const known = unavailable.get(name);
            if (known) {
              Object.assign(outcome, { status: 'unavailable', reason: known });
              continue;
            }
            const cluster = isCluster(scenario);
            if (cluster && !CLUSTER_TARGETS.includes(name)) {
              Object.assign(outcome, { status: 'n/a', reason: `a plain ws server has no ${engine === 'redis' ? 'Redis' : 'cluster'} adapter` });
              continue;
            }
            const busMissing = cluster ? buses!.missing(engine!) : null;
            if (busMissing) {
              Object.assign(outcome, { status: name === 'socketeer' ? 'unavailable' : 'failed', reason: busMissing });
              if (name !== 'socketeer') referenceFailed = true;
              continue;
            }
            const target = cluster
              ? await startClusterTarget(name, buses!.env(engine!, name === 'socketeer' ? 'socketeer' : 'socket.io'), CROSS_NODE_SERVERS, profileArgs(opts.nodeArgs, name, profileName, round))
              : await startTarget(
                  name,
                  profileArgs(opts.nodeArgs, name, scenario, round),
                  profileEnv(opts, name, scenario, round),
                );
            if ('unavailable' in target) {
              if (cluster && engine !== 'redis') {
                // this engine's adapter is missing, not the target
                log(`${key} r${round + 1} ${name}: UNAVAILABLE: ${target.unavailable}`);
                Object.assign(outcome, { status: name === 'socketeer' ? 'unavailable' : 'failed', reason: target.unavailable });
                if (name !== 'socketeer') referenceFailed = true;
                continue;
              }
              log(`${key} r${round + 1} ${name}: UNAVAILABLE: ${target.unavailable}`);
              unavailable.set(name, target.unavailable);
              Object.assign(outcome, { status: 'unavailable', reason: target.unavailable });
              if (name !== 'socketeer') referenceFailed = true;
              continue;
            }
            const t0 = Date.now();
            try {
              const result = await loadgen.run(scenario, 'full', target, machine.openFileLimit, opts.scale);
              if (Object.keys(result.metrics).length === 0) Object.assign(outcome, { status: 'n/a', reason: result.notes?.[0] });
              outcome.rounds.push(result.metrics);
              outcome.notes.push(...(result.notes ?? []));
              log(`${key} r${round + 1} ${name}: ${summary(result.metrics)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
            } catch (err) {
              const e = err as ScenarioError;
              const status = name === 'socketeer' ? 'unavailable' : 'failed';
              await new Promise((resolve) => setTimeout(resolve, 100)); // let a crashing server finish writing
              const diagnostics = target.diagnostics();
              log(`${key} r${round + 1} ${name}: ${e.correctness ? 'CORRECTNESS CHECK FAILED' : 'FAILED'}: ${e.message}${diagnostics ? `\n  ${diagnostics}` : ''}`);
              Object.assign(outcome, { status, reason: e.message + (diagnostics ? ` (${diagnostics.replace(/\s+/g, ' ')})` : '') });
              if (name !== 'socketeer') referenceFailed = true;
            } finally {
              await target.stop();
            }
          }
        }
        roundMs = Date.now() - roundStart;
      }
      for (const run of runs) {
        for (const outcome of Object.values(results.scenarios[run.key])) {
          if (outcome.status !== 'ok') continue;
          for (const key of Object.keys(outcome.rounds[0] ?? {})) outcome.median[key] = median(outcome.rounds.map((r) => r[key]));
        }
      }
    } finally {
      await loadgen.close();
      await buses?.stop();
    }
  }
  if (opts.scenarios.includes('bundle')) results.bundle = bundleSizes();
  if (opts.chaos) results.chaos = await chaos(opts);
  if (opts.density) results.density = await density(opts, machine.openFileLimit);
  if (opts.presence) results.presence = await presence(opts);

  results.goals = evaluateGoals(results);
  results.durationSec = (Date.now() - started) / 1000;
  const dir = fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.json`, JSON.stringify(results, null, 2) + '\n');

  console.log(`\nSocketeer benchmark — ${results.date.slice(0, 10)}; ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}\n`);
  if (runs.length > 0 || results.bundle) console.log(renderTables(results, opts.targets));
  if (results.density) console.log(renderDensity(results.density, densityTitle(opts, results.density)));
  if (results.presence) console.log(renderPresence(results.presence));
  if (results.chaos) console.log(`#### chaos (${opts.chaosClients} clients, 20 broadcasts/s)\n\n${renderChaos(results.chaos)}\n`);
  console.log(`finished in ${results.durationSec.toFixed(0)} s; results in bench/results/latest.json`);
  if (referenceFailed) {
    console.error('a reference target failed: the comparison is incomplete');
    process.exitCode = 1;
  }
}

/** The presence scenario: each stack in turn, alone on the machine. */
async function presence(opts: Options): Promise<PresenceResult[]> {
  const redis = await startRedis();
  const results: PresenceResult[] = [];
  try {
    for (const stack of PRESENCE_STACKS) {
      try {
        const r = await runPresence(stack, { redisUrl: redis.url, clients: opts.presenceClients, rate: opts.presenceRate, seconds: opts.presenceSeconds, log });
        log(`presence ${stack}: ${r.cpuMsPerChange.toFixed(2)} CPU ms/change, agree p50 ${r.agreeP50Ms.toFixed(1)} ms p99 ${r.agreeP99Ms.toFixed(1)} ms, missing ${r.missing}/${r.joins}`);
        results.push(r);
      } catch (err) {
        log(`presence ${stack}: FAILED: ${(err as Error).message}`);
        if (stack !== 'socketeer') process.exitCode = 1;
      }
    }
  } finally {
    await redis.stop();
  }
  return results;
}

/** The chaos scenario: every stack under random drops, then under a rolling restart (one run each). */
async function chaos(opts: Options): Promise<ChaosResult[]> {
  const redis = await startRedis();
  log(`chaos: redis-server at ${redis.url}`);
  const results: ChaosResult[] = [];
  try {
    for (const mode of MODES) {
      for (const stack of STACKS) {
        try {
          const r = await runChaos(stack, mode, { redisUrl: redis.url, clients: opts.chaosClients, log });
          log(`chaos ${stack} ${mode}: delivered ${r.deliveredPct.toFixed(2)} %, duplicates ${r.duplicates}, stranded ${r.stranded}, ` +
            `recovery p50 ${Math.round(r.recoveryP50Ms)} ms p99 ${Math.round(r.recoveryP99Ms)} ms (${r.durationSec.toFixed(0)} s)`);
          results.push(r);
        } catch (err) {
          log(`chaos ${stack} ${mode}: FAILED: ${(err as Error).message}`);
          if (stack !== 'socketeer') process.exitCode = 1;
        }
      }
    }
  } finally {
    await redis.stop();
  }
  return results;
}

/** The density scenario for each of its targets, one after the other (each alone on the machine). */
async function density(opts: Options, openFileLimit: number): Promise<DensityResult[]> {
  const targets = opts.targetsGiven ? opts.targets.filter((t) => DENSITY_TARGETS.includes(t)) : [...DENSITY_TARGETS];
  const redis = DENSITY_SIZES[opts.densitySize].servers > 1 ? await startRedis() : null;
  const results: DensityResult[] = [];
  try {
    for (const target of targets) {
      const r = await runDensity(target, { size: opts.densitySize, connections: opts.densityConnections, redisUrl: redis?.url, openFileLimit, log });
      log(`density ${target}: ${r.status}${r.reason ? `: ${r.reason}` : ''}${r.websocket ? ` heap/conn ${Math.round(r.websocket.heapPerConnBytes)} B, rss/conn ${Math.round(r.websocket.rssPerConnBytes)} B, CPU/broadcast ${r.websocket.cpuMsPerBroadcast.toFixed(1)} ms, p99 ${r.websocket.p99Ms.toFixed(1)} ms` : ''}`);
      if (r.status !== 'ok' && target !== 'socketeer') process.exitCode = 1;
      results.push(r);
    }
  } finally {
    await redis?.stop();
  }
  return results;
}

function densityTitle(opts: Options, results: DensityResult[]): string {
  const r = results[0];
  const servers = DENSITY_SIZES[opts.densitySize].servers;
  return `${(r?.connections ?? 0).toLocaleString('en-US')} connections on ${servers === 1 ? 'one server process' : `${servers} server processes on one Redis`}`;
}

function summary(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .filter(([k]) => /PerCpuSec|perCpuSec|PerConnBytes|p99Ms/.test(k))
    .map(([k, v]) => `${k}=${Number.isFinite(v) ? (Math.abs(v) >= 100 ? Math.round(v) : v.toFixed(2)) : v}`)
    .join(' ');
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});
