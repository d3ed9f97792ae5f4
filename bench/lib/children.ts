/**
 * Starting and stopping the benchmark's child processes: the server targets (TypeScript compiled
 * as plain JavaScript by ts-hooks.mjs) and the load generator. Each is a `node` process with an
 * IPC channel, so its pid is the process whose CPU time is measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from '../load/context.js';
import type { Scenario, Size } from '../load/scenarios.js';
import type { TargetAddress, TargetKind } from '../load/wire.js';
import type { MemorySample } from '../targets/harness.js';

/** Server targets, in the order they are listed. */
export const TARGETS = ['socketeer', 'socket.io', 'ws', 'ws-batched', 'socketeer-metrics'] as const;
export type TargetName = (typeof TARGETS)[number];
/** Targets run when `--targets` is not given (`socketeer-metrics`, the cost of the metrics, is asked for by name). */
export const DEFAULT_TARGETS: readonly TargetName[] = ['socketeer', 'socket.io', 'ws', 'ws-batched'];

const TARGET_FILES: Record<TargetName, { file: string; kind: TargetKind }> = {
  socketeer: { file: 'socketeer.ts', kind: 'sio' },
  'socket.io': { file: 'socketio.ts', kind: 'sio' },
  ws: { file: 'ws.ts', kind: 'ws' },
  'ws-batched': { file: 'ws-batched.ts', kind: 'ws' },
  'socketeer-metrics': { file: 'socketeer-metrics.ts', kind: 'sio' },
};

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** A started server target. */
export interface RunningTarget {
  address: TargetAddress;
  pid: number;
  /** every server process of a multi-node target (cross-node scenario); CPU time is summed over them */
  pids?: number[];
  /** Server memory after full garbage collections. */
  memory(): Promise<MemorySample>;
  /** Asks the server to send `tick` `{ s: seq, t }` to every client (see targets/harness.ts). */
  broadcast(seq: number): void;
  /** Stops the server and waits for the process to exit. */
  stop(): Promise<void>;
  /** Last lines the server wrote to stderr, and how it exited if it did (for error reports). */
  diagnostics(): string;
}

/** A target that could not start (e.g. the implementation does not exist yet). */
export interface UnavailableTarget {
  unavailable: string;
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts a server target in a child process.
 * @param name target
 * @param nodeArgs extra Node.js flags (e.g. `--cpu-prof`)
 * @param env extra environment variables (e.g. `BENCH_ALLOC_PROFILE`)
 * @returns the running target, or why it is unavailable
 */
export function startTarget(name: TargetName, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<RunningTarget | UnavailableTarget> {
  const { file, kind } = TARGET_FILES[name];
  const child = fork(`${benchDir}targets/${file}`, [], {
    execArgv: ['--import', `${benchDir}lib/ts-register.mjs`, '--expose-gc', ...nodeArgs],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, DEBUG: '', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 4000) stderr = stderr.slice(-4000);
  });
  const memoryWaiters = new Map<number, (m: { usage?: MemorySample; error?: string }) => void>();
  let nextId = 0;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ unavailable: `did not start within 20 s ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    }, 20000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ unavailable: `exited (${signal ?? code}) before listening: ${stderr.trim().split('\n').slice(-5).join(' | ')}` });
      for (const waiter of memoryWaiters.values()) waiter({ error: `server exited (${signal ?? code})` });
    });
    child.on('message', (message: { type: string; port?: number; reason?: string; id?: number; usage?: MemorySample; error?: string }) => {
      if (message.type === 'unavailable') {
        clearTimeout(timer);
        resolve({ unavailable: message.reason ?? 'unavailable' });
      } else if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          address: { name, kind, port: message.port! },
          pid: child.pid!,
          memory: () =>
            new Promise((res, rej) => {
              const id = nextId++;
              memoryWaiters.set(id, (m) => (m.usage ? res(m.usage) : rej(new Error(m.error))));
              child.send({ type: 'memory', id });
            }),
          broadcast: (seq) => {
            if (child.connected) child.send({ type: 'broadcast', seq });
          },
          diagnostics: () => {
            const exit = child.exitCode !== null || child.signalCode !== null ? `server exited (${child.signalCode ?? child.exitCode}); ` : '';
            const lines = stderr.trim().split('\n').filter(Boolean).slice(-20).join('\n  ');
            return exit + (lines ? `server stderr:\n  ${lines}` : '');
          },
          stop: async () => {
            if (child.connected) child.send({ type: 'stop' });
            await waitExit(child, 5000);
          },
        });
      } else if (message.type === 'memory') {
        memoryWaiters.get(message.id!)?.(message);
        memoryWaiters.delete(message.id!);
      }
    });
  });
}

/** Targets that have cluster adapters (the cross-node scenario). */
export const CLUSTER_TARGETS: readonly TargetName[] = ['socketeer', 'socket.io'];

/**
 * Starts `count` server processes of a target sharing one bus through their cluster adapter.
 * @param name `socketeer` or `socket.io`
 * @param bus the URL of the Redis they share (Redis pub/sub adapter), or the environment naming the engine and its
 *   bus (`BenchBuses.env()` of `buses.ts`)
 * @param count number of server processes
 * @param nodeArgs extra Node.js flags
 * @returns one target whose address lists every node's port and whose `pids` are all the processes
 */
export async function startClusterTarget(name: TargetName, bus: string | Record<string, string>, count: number, nodeArgs: string[] = []): Promise<RunningTarget | UnavailableTarget> {
  if (!CLUSTER_TARGETS.includes(name)) return { unavailable: `${name} has no cluster adapter` };
  const env = typeof bus === 'string' ? { BENCH_REDIS_URL: bus } : bus;
  const started = await Promise.all(Array.from({ length: count }, () => startTarget(name, nodeArgs, env)));
  const running = started.filter((t): t is RunningTarget => !('unavailable' in t));
  const failed = started.find((t): t is UnavailableTarget => 'unavailable' in t);
  if (failed) {
    await Promise.all(running.map((t) => t.stop()));
    return failed;
  }
  const ports = running.map((t) => t.address.port);
  return {
    address: { ...running[0]!.address, ports },
    pid: running[0]!.pid,
    pids: running.map((t) => t.pid),
    memory: () => running[0]!.memory(),
    broadcast: (seq) => running[0]!.broadcast(seq),
    stop: async () => {
      await Promise.all(running.map((t) => t.stop()));
    },
    diagnostics: () => running.map((t, i) => { const d = t.diagnostics(); return d ? `node ${i + 1}: ${d}` : ''; }).filter(Boolean).join('\n  '),
  };
}

/** Error from a scenario run; `correctness` when the scenario's own checks failed. */
export class ScenarioError extends Error {
  constructor(message: string, readonly correctness: boolean) {
    super(message);
  }
}

/** The load-generator child process. */
export interface Loadgen {
  /** Runs a scenario against a running target. */
  run(scenario: Scenario, size: Size, target: RunningTarget, openFileLimit: number, scale?: number): Promise<ScenarioResult>;
  close(): Promise<void>;
}

/** Starts the load-generator child process. */
export function startLoadgen(): Loadgen {
  const child = fork(`${benchDir}loadgen.ts`, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const runs = new Map<number, { target: RunningTarget; resolve: (r: ScenarioResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (message: { type: string; id: number; result?: ScenarioResult; message?: string; correctness?: boolean }) => {
    if (message.type === 'memory') {
      // The load generator asks for the server's memory: relay to the target being measured.
      const current = [...runs.values()][0];
      if (!current) return;
      current.target.memory().then(
        (usage) => child.send({ type: 'memory', id: message.id, usage }),
        (err: Error) => child.send({ type: 'memory', id: message.id, error: err.message }),
      );
      return;
    }
    const run = runs.get(message.id);
    if (!run) return;
    runs.delete(message.id);
    if (message.type === 'result') run.resolve(message.result!);
    else run.reject(new ScenarioError(message.message ?? 'failed', message.correctness ?? false));
  });
  child.on('exit', (code, signal) => {
    for (const run of runs.values()) run.reject(new ScenarioError(`load generator exited (${signal ?? code})`, false));
    runs.clear();
  });
  return {
    run: (scenario, size, target, openFileLimit, scale = 1) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        runs.set(id, { target, resolve, reject });
        child.send({ type: 'run', id, scenario, size, target: target.address, serverPid: target.pid, serverPids: target.pids, openFileLimit, scale });
      }),
    close: async () => {
      child.disconnect();
      await waitExit(child, 3000);
    },
  };
}
