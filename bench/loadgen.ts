/**
 * Load-generator child process: runs scenarios on request from the benchmark runner over IPC,
 * so that the client's work happens outside the runner and is never counted as the server's.
 *
 * From the runner: `{ type: 'run', id, scenario, size, target, serverPid, openFileLimit, scale }`,
 * `{ type: 'memory', id, usage | error }` (answer to our request). To the runner:
 * `{ type: 'result', id, result }`, `{ type: 'error', id, message, correctness }`,
 * `{ type: 'memory', id }` (asks for the server's memory after GC).
 */
import { processCpuSeconds, processWriteCalls } from './lib/proc.js';
import { CorrectnessError, type ScenarioContext } from './load/context.js';
import { runScenario, type Scenario, type Size } from './load/scenarios.js';
import type { TargetAddress } from './load/wire.js';
import type { MemorySample } from './targets/harness.js';

interface RunRequest {
  type: 'run';
  id: number;
  scenario: Scenario;
  size: Size;
  target: TargetAddress;
  serverPid: number;
  /** all server processes of a multi-node target (CPU time and writes are summed) */
  serverPids?: number[];
  openFileLimit: number;
  scale: number;
}

interface MemoryReply {
  type: 'memory';
  id: number;
  usage?: MemorySample;
  error?: string;
}

const memoryWaiters = new Map<number, (reply: MemoryReply) => void>();
let nextMemoryId = 0;

function send(message: unknown): void {
  process.send!(message);
}

function askMemory(): Promise<MemorySample> {
  const id = nextMemoryId++;
  return new Promise((resolve, reject) => {
    memoryWaiters.set(id, (reply) => (reply.usage ? resolve(reply.usage) : reject(new Error(reply.error ?? 'no memory sample'))));
    send({ type: 'memory', id });
  });
}

async function run(req: RunRequest): Promise<void> {
  const pids = req.serverPids ?? [req.serverPid];
  const ctx: ScenarioContext = {
    target: req.target,
    serverCpu: () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    serverWrites: () => pids.reduce((sum, pid) => sum + processWriteCalls(pid), 0),
    serverMemory: askMemory,
    requireCpu: req.size === 'full',
  };
  try {
    const result = await runScenario(req.scenario, req.size, ctx, { openFileLimit: req.openFileLimit, scale: req.scale });
    send({ type: 'result', id: req.id, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ type: 'error', id: req.id, message: e.message, correctness: e instanceof CorrectnessError });
  }
}

process.on('message', (message: RunRequest | MemoryReply) => {
  if (message.type === 'run') void run(message);
  else if (message.type === 'memory') {
    memoryWaiters.get(message.id)?.(message);
    memoryWaiters.delete(message.id);
  }
});
process.on('disconnect', () => process.exit(0));
