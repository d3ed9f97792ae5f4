/**
 * Scenario `cross-node`: the fan-out across servers. The target is 3 server processes sharing one
 * Redis through their Redis adapter (Socketeer's `createAdapter`, socket.io's `@socket.io/redis-adapter`);
 * N clients spread evenly over the 3 nodes join one room, one client on the first node publishes B small
 * events (at most W in flight) and each node sends them to its share of the room (the other nodes get
 * them through Redis). Measures deliveries per **total** server CPU-second (the sum over the 3
 * processes; Redis itself is not counted). Checks that every client receives every broadcast once, in
 * order, byte for byte.
 */
import { measured, perCpuSecond, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { joinAll, runPhase, type FanoutParams } from './fanout.js';
import { closeAll, connectMany, type Conn } from './wire.js';

export const CROSS_NODE_FULL: FanoutParams = { clients: 900, broadcasts: 500, warmup: 20, window: 10, payloadBytes: 16, timeoutMs: 90000 };
export const CROSS_NODE_SMOKE: FanoutParams = { clients: 6, broadcasts: 10, warmup: 2, window: 3, payloadBytes: 8, timeoutMs: 10000 };

/** Server processes per target. */
export const CROSS_NODE_SERVERS = 3;

/** Runs the cross-node scenario (the target must list its nodes' `ports`). */
export async function crossNodeScenario(ctx: ScenarioContext, p: FanoutParams): Promise<ScenarioResult> {
  const ports = ctx.target.ports;
  if (!ports || ports.length < 2) throw new Error('cross-node: the target must be several servers (ports)');
  const payload = 'y'.repeat(p.payloadBytes);
  const perNode: Conn[][] = [];
  try {
    for (const port of ports) {
      const share = Math.floor(p.clients / ports.length) + (perNode.length < p.clients % ports.length ? 1 : 0);
      perNode.push(await connectMany({ ...ctx.target, port }, share, 50));
    }
  } catch (err) {
    await closeAll(perNode.flat());
    throw err;
  }
  // interleaved, so the publisher (the first) is on the first node and the others alternate nodes
  const conns: Conn[] = [];
  for (let i = 0; conns.length < p.clients; i++) for (const list of perNode) if (list[i]) conns.push(list[i]!);
  try {
    await withTimeout(joinAll(conns, 'cross-node'), p.timeoutMs, 'cross-node join');
    await withTimeout(runPhase(conns, 0, p.warmup, p, payload, 'cross-node'), p.timeoutMs, 'cross-node warm-up');
    const m = await measured(ctx, () => withTimeout(runPhase(conns, p.warmup, p.broadcasts, p, payload, 'cross-node'), p.timeoutMs, 'cross-node'));
    const deliveries = p.clients * p.broadcasts;
    return {
      metrics: {
        deliveries,
        nodes: ports.length,
        serverCpuSec: m.cpuSec,
        wallSec: m.wallSec,
        perCpuSec: perCpuSecond(ctx, deliveries, m.cpuSec, 'cross-node'),
        perWallSec: deliveries / m.wallSec,
      },
    };
  } finally {
    for (const c of conns) c.onClose = () => {};
    await closeAll(conns);
  }
}
