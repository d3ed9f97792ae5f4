/** The load scenarios by name, with their full-size and smoke-test sizes. */
import type { ScenarioContext, ScenarioResult } from './context.js';
import { ECHO_FULL, ECHO_SMOKE, echoScenario } from './echo.js';
import { FANOUT_FULL, FANOUT_SMOKE, fanoutScenario } from './fanout.js';
import { HANDSHAKES_FULL, HANDSHAKES_SMOKE, handshakeScenario } from './handshakes.js';
import { MEMORY_FULL, MEMORY_SMOKE, memoryScenario } from './memory.js';
import { POLLING_FULL, POLLING_SMOKE, pollingScenario } from './polling.js';

/** Names of the scenarios that put load on a server. */
export const LOAD_SCENARIOS = ['echo', 'fan-out', 'handshakes', 'memory', 'polling'] as const;
export type LoadScenario = (typeof LOAD_SCENARIOS)[number];

/** Scenario size: `full` for `npm run bench`, `smoke` for the test suite. */
export type Size = 'full' | 'smoke';

/** Options the runner passes through to scenarios. */
export interface RunOptions {
  /** Open-file limit of the processes (memory scenario). */
  openFileLimit: number;
}

/**
 * Runs one scenario against the target in `ctx`.
 * @param name scenario
 * @param size full or smoke
 */
export function runScenario(name: LoadScenario, size: Size, ctx: ScenarioContext, opts: RunOptions): Promise<ScenarioResult> {
  const full = size === 'full';
  switch (name) {
    case 'echo':
      return echoScenario(ctx, full ? ECHO_FULL : ECHO_SMOKE);
    case 'fan-out':
      return fanoutScenario(ctx, full ? FANOUT_FULL : FANOUT_SMOKE);
    case 'handshakes':
      return handshakeScenario(ctx, full ? HANDSHAKES_FULL : HANDSHAKES_SMOKE);
    case 'memory':
      return memoryScenario(ctx, { ...(full ? MEMORY_FULL : MEMORY_SMOKE), openFileLimit: opts.openFileLimit });
    case 'polling':
      return pollingScenario(ctx, full ? POLLING_FULL : POLLING_SMOKE);
  }
}

/** The sizes used, for the results file. */
export const SCENARIO_SIZES = {
  echo: ECHO_FULL,
  'fan-out': FANOUT_FULL,
  handshakes: HANDSHAKES_FULL,
  memory: MEMORY_FULL,
  polling: POLLING_FULL,
} as const;
