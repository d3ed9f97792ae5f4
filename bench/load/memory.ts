/**
 * Scenario `memory`: N idle connections (websocket-only handshake and CONNECT done; for the plain
 * `ws` targets the WebSocket open). Reports the server's heap and RSS growth per connection,
 * each measured after full garbage collections. Checks that every connection completed its
 * handshake and is still open when the server is measured.
 */
import { CorrectnessError, sleep, type ScenarioContext, type ScenarioResult } from './context.js';
import { closeAll, connectMany, type Conn } from './wire.js';

export interface MemoryParams {
  /** Idle connections wanted (lowered to fit the open-file limit). */
  clients: number;
  /** Connections opened and closed before the baseline, so lazily built state is not counted. */
  warmup: number;
  concurrency: number;
  /** Open-file limit of the server and load-generator processes. */
  openFileLimit: number;
}

export const MEMORY_FULL: Omit<MemoryParams, 'openFileLimit'> = { clients: 5000, warmup: 200, concurrency: 100 };
export const MEMORY_SMOKE: Omit<MemoryParams, 'openFileLimit'> = { clients: 20, warmup: 4, concurrency: 5 };

/** File descriptors kept free for the process itself (stdio, IPC, module files, listening socket). */
const RESERVED_FDS = 200;

/** Runs the memory scenario. */
export async function memoryScenario(ctx: ScenarioContext, p: MemoryParams): Promise<ScenarioResult> {
  const notes: string[] = [];
  let clients = p.clients;
  if (clients + RESERVED_FDS > p.openFileLimit) {
    clients = Math.max(10, p.openFileLimit - RESERVED_FDS);
    notes.push(`ulimit -n is ${p.openFileLimit}: ${clients} idle connections instead of ${p.clients}`);
  }
  await closeAll(await connectMany(ctx.target, p.warmup, p.concurrency));
  await sleep(100);
  const before = await ctx.serverMemory();
  let closedEarly = 0;
  let unexpected = '';
  const conns: Conn[] = await connectMany(ctx.target, clients, p.concurrency);
  try {
    for (const c of conns) {
      c.onFrame = (frame) => {
        unexpected ||= frame.slice(0, 60);
      };
      c.onClose = () => closedEarly++;
    }
    await sleep(200);
    const after = await ctx.serverMemory();
    if (closedEarly > 0) throw new CorrectnessError(`memory: ${closedEarly} of ${clients} connections closed while idle`);
    if (unexpected) throw new CorrectnessError(`memory: an idle connection received ${unexpected}`);
    if (conns.some((c) => c.closed)) throw new CorrectnessError('memory: a connection closed before the measurement');
    return {
      metrics: {
        connections: clients,
        heapPerConnBytes: (after.heapUsed - before.heapUsed) / clients,
        rssPerConnBytes: (after.rss - before.rss) / clients,
        externalPerConnBytes: (after.external - before.external) / clients,
        heapBaselineBytes: before.heapUsed,
      },
      notes,
    };
  } finally {
    for (const c of conns) c.onClose = () => {};
    await closeAll(conns);
  }
}
