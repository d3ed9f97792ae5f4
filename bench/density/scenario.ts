/**
 * The density scenario (`npm run bench -- density [--size limit|100k] [--connections N]`): how many idle
 * connections a server holds and what a broadcast to all of them costs, for Socketeer, socket.io and plain `ws`.
 *
 * Per target: the server processes (one at the per-process open-file limit; six on one private Redis for
 * `--size 100k`, each on its own port, so the ephemeral-port range is not the limit: Socketeer with its Redis
 * adapter, socket.io with `@socket.io/redis-adapter`, plain `ws` as six independent servers), and several load
 * processes (`clients.ts`) spreading their WebSocket clients over every server. Measured:
 * - the time to connect them all (handshake and CONNECT), and the servers' CPU time for it;
 * - heap and RSS per connection, summed over the servers, each after full garbage collections (the server
 *   process answers over IPC after `global.gc()`), against a baseline taken after a warm-up;
 * - `tick` broadcasts to every connection (`io.emit`; started on the first server, the adapter carries it to
 *   the others; each plain `ws` server sends to its own clients): the servers' CPU time per broadcast and the
 *   p50/p99 latency from the start of the broadcast to its receipt, over every delivery;
 * - the same again after 10 % of the clients were replaced by long-polling clients.
 * Every client must receive every broadcast once and in order, or the target fails.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTarget, type RunningTarget, type TargetName } from '../lib/children.js';
import { processCpuSeconds } from '../lib/proc.js';
import { closeAll, connectMany } from '../load/wire.js';
import type { MemorySample } from '../targets/harness.js';
import { count, merge, quantile, type Histogram } from './histogram.js';

/** `limit`: one server process at the per-process open-file limit; `100k`: six server processes on one Redis. */
export const DENSITY_SIZES = {
  limit: { connections: 19000, servers: 1, loads: 4 },
  '100k': { connections: 100000, servers: 6, loads: 8 },
} as const;
export type DensitySize = keyof typeof DENSITY_SIZES;

/** Targets compared by the density scenario. */
export const DENSITY_TARGETS: readonly TargetName[] = ['socketeer', 'socket.io', 'ws'];

export interface DensityOptions {
  size: DensitySize;
  /** total connections (default: the size's) */
  connections?: number;
  /** the Redis the servers of a multi-server size share */
  redisUrl?: string;
  /** server processes (default: the size's; the smoke test uses fewer) */
  servers?: number;
  /** connections opened and closed on each server before the baseline (default 200) */
  warmup?: number;
  /** measured broadcasts per phase (default 10) */
  broadcasts?: number;
  /** share of long-polling clients in the second phase (default 0.1) */
  pollingShare?: number;
  openFileLimit: number;
  log: (line: string) => void;
}

/** One phase's broadcast figures. */
export interface BroadcastFigures {
  heapPerConnBytes: number;
  rssPerConnBytes: number;
  /** server CPU time (summed over the servers) per broadcast to every connection */
  cpuMsPerBroadcast: number;
  p50Ms: number;
  p99Ms: number;
  deliveries: number;
}

export interface DensityResult {
  target: TargetName;
  status: 'ok' | 'failed' | 'n/a';
  reason?: string;
  servers: number;
  connections: number;
  connectSec?: number;
  connectCpuSec?: number;
  websocket?: BroadcastFigures;
  /** with `pollingShare` of the clients on long-polling (Socket.IO targets) */
  mixed?: BroadcastFigures;
  notes: string[];
}

/** File descriptors a process keeps for itself (stdio, IPC, modules, listening socket, Redis). */
const RESERVED_FDS = 600;
const STEP_TIMEOUT_MS = 300000;
const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** A load process, called over IPC. */
class Load {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** rejects when the process reports a failure outside a call (a failed check) */
  readonly failed: Promise<never>;

  constructor() {
    this.child = fork(`${benchDir}density/clients.ts`, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.failed = new Promise((_, reject) => {
      this.child.on('message', (m: { type: string; id?: number; value?: unknown; message?: string }) => {
        const call = m.id === undefined ? undefined : this.calls.get(m.id);
        if (m.id !== undefined) this.calls.delete(m.id);
        if (m.type === 'done') call?.resolve(m.value);
        else if (call) call.reject(new Error(m.message));
        else reject(new Error(m.message));
      });
      this.child.on('exit', (code, signal) => reject(new Error(`load process exited (${signal ?? code})`)));
    });
    this.failed.catch(() => {});
  }

  call<T>(req: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...req, id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await Promise.race([this.call({ type: 'close' }), new Promise((r) => setTimeout(r, 20000))]).catch(() => {});
    this.child.kill('SIGKILL');
    await exited;
  }
}

function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

async function memory(servers: RunningTarget[]): Promise<{ heap: number; rss: number }> {
  const samples: MemorySample[] = await Promise.all(servers.map((s) => s.memory()));
  return { heap: samples.reduce((a, s) => a + s.heapUsed, 0), rss: samples.reduce((a, s) => a + s.rss, 0) };
}

/** Runs the density scenario against one target. */
export async function runDensity(name: TargetName, opts: DensityOptions): Promise<DensityResult> {
  const size = { ...DENSITY_SIZES[opts.size], ...(opts.servers ? { servers: opts.servers } : {}) };
  const notes: string[] = [];
  let connections = opts.connections ?? size.connections;
  const perServerMax = opts.openFileLimit - RESERVED_FDS;
  if (Math.ceil(connections / size.servers) > perServerMax) {
    connections = perServerMax * size.servers;
    notes.push(`ulimit -n is ${opts.openFileLimit}: ${connections} connections`);
  }
  const loadCount = Math.min(size.loads, Math.max(1, Math.ceil(connections / 2500)));
  const cluster = size.servers > 1 && name !== 'ws';
  const result: DensityResult = { target: name, status: 'ok', servers: size.servers, connections, notes };
  const env: Record<string, string> = cluster && opts.redisUrl ? { BENCH_REDIS_URL: opts.redisUrl } : {};
  const started = await Promise.all(Array.from({ length: size.servers }, () => startTarget(name, [], env)));
  const servers = started.filter((t): t is RunningTarget => !('unavailable' in t));
  const loads: Load[] = [];
  try {
    const missing = started.find((t) => 'unavailable' in t);
    if (missing && 'unavailable' in missing) throw new Error(`unavailable: ${missing.unavailable}`);
    const ports = servers.map((s) => s.address.port);
    const cpu = (): number => servers.reduce((sum, s) => sum + processCpuSeconds(s.pid), 0);
    for (const s of servers) await closeAll(await connectMany(s.address, opts.warmup ?? 200, 50));
    for (let i = 0; i < loadCount; i++) loads.push(new Load());
    const failed = Promise.race(loads.map((l) => l.failed));
    failed.catch(() => {});
    const step = <T>(what: string, work: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout;
      return Promise.race([
        work.finally(() => clearTimeout(timer)),
        failed,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS))),
      ]);
    };
    const before = await memory(servers);
    const split = shares(connections, loadCount);
    const cpu0 = cpu();
    const t0 = performance.now();
    await step('connect', Promise.all(loads.map((l, i) => l.call({ type: 'connect', name, kind: servers[0].address.kind, ports, count: split[i], concurrency: 25 }))));
    result.connectSec = (performance.now() - t0) / 1000;
    result.connectCpuSec = cpu() - cpu0;
    opts.log(`density ${name}: ${connections} connections in ${result.connectSec.toFixed(1)} s`);

    let seq = 0;
    const phase = async (what: string, clients: number): Promise<BroadcastFigures> => {
      await new Promise((r) => setTimeout(r, 1000));
      const after = await memory(servers);
      const broadcast = async (): Promise<void> => {
        seq++;
        if (cluster) servers[0].broadcast(seq);
        else for (const s of servers) s.broadcast(seq);
        await step(`${what} broadcast ${seq}`, Promise.all(loads.map((l) => l.call({ type: 'await', seq }))));
      };
      for (let i = 0; i < 2; i++) await broadcast();
      await Promise.all(loads.map((l) => l.call({ type: 'latency' })));
      const broadcasts = opts.broadcasts ?? 10;
      const c0 = cpu();
      for (let i = 0; i < broadcasts; i++) await broadcast();
      const cpuSec = cpu() - c0;
      const h: Histogram = {};
      for (const part of await Promise.all(loads.map((l) => l.call<Histogram>({ type: 'latency' })))) merge(h, part);
      if (count(h) !== broadcasts * clients) throw new Error(`${what}: ${count(h)} deliveries, expected ${broadcasts * clients}`);
      return {
        heapPerConnBytes: (after.heap - before.heap) / clients,
        rssPerConnBytes: (after.rss - before.rss) / clients,
        cpuMsPerBroadcast: (cpuSec * 1000) / broadcasts,
        p50Ms: quantile(h, 50),
        p99Ms: quantile(h, 99),
        deliveries: count(h),
      };
    };
    result.websocket = await phase('websocket', connections);
    if (servers[0].address.kind === 'sio') {
      const share = opts.pollingShare ?? 0.1;
      await step('polling clients', Promise.all(loads.map((l, i) => l.call({ type: 'poll', count: Math.round(split[i] * share), address: `127.0.0.${2 + i}` }))));
      result.mixed = await phase('mixed', connections);
    } else notes.push('no long-polling transport: the mixed phase is n/a');
    if (size.servers > 1 && !cluster) notes.push(`${size.servers} independent servers (no adapter): each sends the broadcast to its own clients`);
  } catch (err) {
    result.status = 'failed';
    result.reason = (err as Error).message;
    const diagnostics = servers.map((s) => s.diagnostics()).filter(Boolean).join('; ');
    if (diagnostics) result.reason += ` (${diagnostics.replace(/\s+/g, ' ').slice(0, 300)})`;
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await Promise.all(servers.map((s) => s.stop()));
  }
  return result;
}
