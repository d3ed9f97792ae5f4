/** What a scenario gets from whoever runs it (the load-generator process or the smoke test). */
import type { MemorySample } from '../targets/harness.js';
import type { TargetAddress } from './wire.js';

export interface ScenarioContext {
  /** The server under load. */
  target: TargetAddress;
  /** CPU time (user + system) the server process has used so far, in seconds. */
  serverCpu(): number;
  /** Write system calls the server process has made so far (NaN if unknown). */
  serverWrites(): number;
  /** Server memory after a full garbage collection. */
  serverMemory(): Promise<MemorySample>;
  /**
   * Fail when a measured phase used no measurable server CPU (true for real runs; the smoke
   * test's tiny runs may take less than one clock tick and then report NaN rates).
   */
  requireCpu: boolean;
}

/** Outcome of one scenario run against one target. */
export interface ScenarioResult {
  /** Named measurements (e.g. `perCpuSec`, `p99Ms`). */
  metrics: Record<string, number>;
  /** Human-readable remarks (e.g. a lowered connection count). */
  notes?: string[];
}

/** Thrown when a scenario's own correctness check fails: the work was not done as specified. */
export class CorrectnessError extends Error {
  override readonly name = 'CorrectnessError';
}

/** Rejects after `ms` unless the promise settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new CorrectnessError(`${what}: not done within ${ms} ms`)), ms);
    }),
  ]);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Measures the server CPU time and write system calls used by `work`; returns them with the wall time. */
export async function measured<T>(ctx: ScenarioContext, work: () => Promise<T>): Promise<{ value: T; cpuSec: number; wallSec: number; writes: number }> {
  const cpu0 = ctx.serverCpu();
  const writes0 = ctx.serverWrites();
  const t0 = performance.now();
  const value = await work();
  const wallSec = (performance.now() - t0) / 1000;
  const cpuSec = ctx.serverCpu() - cpu0;
  return { value, cpuSec, wallSec, writes: ctx.serverWrites() - writes0 };
}

/**
 * Work per server CPU-second; fails loudly when too little CPU was used to measure.
 * @param work units of work done
 * @param cpuSec server CPU seconds spent on them
 */
export function perCpuSecond(ctx: ScenarioContext, work: number, cpuSec: number, what: string): number {
  if (cpuSec > 0) return work / cpuSec;
  if (!ctx.requireCpu) return NaN;
  throw new CorrectnessError(`${what}: server CPU time did not advance (run too short to measure)`);
}
