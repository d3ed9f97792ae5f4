/** The load scenarios by name, with their full-size and smoke-test sizes. */
import type { ScenarioContext, ScenarioResult } from './context.js';
import { ECHO_FULL, ECHO_SMOKE, echoScenario } from './echo.js';
import { FANOUT_FULL, FANOUT_SMOKE, fanoutScenario } from './fanout.js';
import { HANDSHAKES_FULL, HANDSHAKES_SMOKE, handshakeScenario } from './handshakes.js';
import { MEMORY_FULL, MEMORY_SMOKE, memoryScenario } from './memory.js';
import { POLLING_FULL, POLLING_SMOKE, pollingScenario } from './polling.js';
import { CROSS_NODE_FULL, CROSS_NODE_SMOKE, crossNodeScenario } from './cross-node.js';
import { SLOW_READER_FULL, SLOW_READER_SMOKE, slowReaderScenario } from './slow-reader.js';

/** Names of the scenarios that put load on a server. */
export const LOAD_SCENARIOS = ['echo', 'fan-out', 'handshakes', 'memory', 'polling', 'slow-reader'] as const;
export type LoadScenario = (typeof LOAD_SCENARIOS)[number];

/** Scenarios whose target is several server processes sharing a Redis (see `load/cross-node.ts`). */
export const CLUSTER_SCENARIOS = ['cross-node'] as const;
export type ClusterScenario = (typeof CLUSTER_SCENARIOS)[number];

/** Every scenario the load generator runs. */
export type Scenario = LoadScenario | ClusterScenario;

/** Scenario size: `full` for `npm run bench`, `smoke` for the test suite. */
export type Size = 'full' | 'smoke';

/** Options the runner passes through to scenarios. */
export interface RunOptions {
  /** Open-file limit of the processes (memory scenario). */
  openFileLimit: number;
  /** Multiplies the measured work of full-size runs (longer runs for profiling); default 1. */
  scale?: number;
}

/**
 * Runs one scenario against the target in `ctx`.
 * @param name scenario
 * @param size full or smoke
 */
export function runScenario(name: Scenario, size: Size, ctx: ScenarioContext, opts: RunOptions): Promise<ScenarioResult> {
  const full = size === 'full';
  const k = full ? Math.max(1, opts.scale ?? 1) : 1;
  switch (name) {
    case 'echo': {
      const p = full ? ECHO_FULL : ECHO_SMOKE;
      return echoScenario(ctx, { ...p, messages: p.messages * k, timeoutMs: p.timeoutMs * k });
    }
    case 'fan-out': {
      const p = full ? FANOUT_FULL : FANOUT_SMOKE;
      return fanoutScenario(ctx, { ...p, broadcasts: p.broadcasts * k, timeoutMs: p.timeoutMs * k });
    }
    case 'handshakes': {
      const p = full ? HANDSHAKES_FULL : HANDSHAKES_SMOKE;
      return handshakeScenario(ctx, { ...p, websocket: p.websocket * k, polling: p.polling * k, timeoutMs: p.timeoutMs * k });
    }
    case 'memory':
      return memoryScenario(ctx, { ...(full ? MEMORY_FULL : MEMORY_SMOKE), openFileLimit: opts.openFileLimit });
    case 'polling': {
      const p = full ? POLLING_FULL : POLLING_SMOKE;
      return pollingScenario(ctx, { ...p, batches: p.batches * k, timeoutMs: p.timeoutMs * k });
    }
    case 'slow-reader':
      return slowReaderScenario(ctx, full ? SLOW_READER_FULL : SLOW_READER_SMOKE);
    case 'cross-node': {
      const p = full ? CROSS_NODE_FULL : CROSS_NODE_SMOKE;
      return crossNodeScenario(ctx, { ...p, broadcasts: p.broadcasts * k, timeoutMs: p.timeoutMs * k });
    }
  }
}

/** The sizes used, for the results file. */
export const SCENARIO_SIZES = {
  echo: ECHO_FULL,
  'fan-out': FANOUT_FULL,
  handshakes: HANDSHAKES_FULL,
  memory: MEMORY_FULL,
  polling: POLLING_FULL,
  'cross-node': CROSS_NODE_FULL,
  'slow-reader': SLOW_READER_FULL,
} as const;
