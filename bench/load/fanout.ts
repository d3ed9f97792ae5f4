/**
 * Scenario `fan-out`: N clients join one room (`420["join","room"]` → `430[]`); one of them
 * publishes B small events (`42["broadcast",m]`, at most W in flight: it sends the next when
 * its own copy of an earlier one comes back) and the server sends `42["tick",m]` to the whole
 * room. Measures deliveries per server CPU-second. Checks that every client receives every
 * broadcast once, in order, byte for byte.
 */
import { CorrectnessError, measured, perCpuSecond, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { closeAll, connectMany, type Conn } from './wire.js';

export interface FanoutParams {
  clients: number;
  /** Measured broadcasts. */
  broadcasts: number;
  /** Unmeasured broadcasts first. */
  warmup: number;
  /** Broadcasts the publisher keeps in flight. */
  window: number;
  payloadBytes: number;
  timeoutMs: number;
}

export const FANOUT_FULL: FanoutParams = { clients: 1000, broadcasts: 200, warmup: 20, window: 10, payloadBytes: 16, timeoutMs: 90000 };
export const FANOUT_SMOKE: FanoutParams = { clients: 6, broadcasts: 10, warmup: 2, window: 3, payloadBytes: 8, timeoutMs: 5000 };

function request(seq: number, payload: string): string {
  return '42["broadcast",{"s":' + seq + ',"p":"' + payload + '"}]';
}

function delivery(seq: number, payload: string): string {
  return '42["tick",{"s":' + seq + ',"p":"' + payload + '"}]';
}

/**
 * Joins every connection to the room and waits for all acknowledgements.
 * @param what scenario name for error messages
 */
export function joinAll(conns: Conn[], what = 'fan-out'): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = conns.length;
    for (const conn of conns) {
      conn.onFrame = (frame) => {
        if (frame !== '430[]') return reject(new CorrectnessError(`${what}: expected join ack 430[], got ${frame.slice(0, 60)}`));
        conn.onFrame = () => reject(new CorrectnessError(`${what}: unexpected frame before broadcasts: ${frame.slice(0, 60)}`));
        if (--pending === 0) resolve();
      };
      conn.send('420["join","room"]');
    }
  });
}

/**
 * Publishes `count` broadcasts from the first connection; resolves when every client got all of them.
 * @param what scenario name for error messages
 */
export function runPhase(conns: Conn[], first: number, count: number, p: FanoutParams, payload: string, what = 'fan-out'): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = conns.length;
    let published = 0;
    const publisher = conns[0];
    const publish = (): void => {
      publisher.send(request(first + published, payload));
      published++;
    };
    conns.forEach((conn, c) => {
      let received = 0;
      conn.onFrame = (frame) => {
        if (received >= count) return reject(new CorrectnessError(`${what}: client ${c} got an extra frame ${frame.slice(0, 60)}`));
        const expected = delivery(first + received, payload);
        if (frame !== expected) return reject(new CorrectnessError(`${what}: client ${c} expected ${expected}, got ${frame.slice(0, 60)}`));
        received++;
        if (conn === publisher && published < count) publish();
        if (received === count && --pending === 0) resolve();
      };
      conn.onClose = (code) => reject(new CorrectnessError(`${what}: client ${c} closed (${code}) after ${received}/${count}`));
    });
    for (let i = 0; i < Math.min(p.window, count); i++) publish();
  });
}

/** Runs the fan-out scenario. */
export async function fanoutScenario(ctx: ScenarioContext, p: FanoutParams): Promise<ScenarioResult> {
  const payload = 'y'.repeat(p.payloadBytes);
  const conns = await connectMany(ctx.target, p.clients, 100);
  try {
    await withTimeout(joinAll(conns), p.timeoutMs, 'fan-out join');
    await withTimeout(runPhase(conns, 0, p.warmup, p, payload), p.timeoutMs, 'fan-out warm-up');
    const m = await measured(ctx, () => withTimeout(runPhase(conns, p.warmup, p.broadcasts, p, payload), p.timeoutMs, 'fan-out'));
    const deliveries = p.clients * p.broadcasts;
    return {
      metrics: {
        deliveries,
        serverCpuSec: m.cpuSec,
        wallSec: m.wallSec,
        perCpuSec: perCpuSecond(ctx, deliveries, m.cpuSec, 'fan-out'),
        perWallSec: deliveries / m.wallSec,
        writesPerDelivery: m.writes / deliveries,
      },
    };
  } finally {
    for (const c of conns) c.onClose = () => {};
    await closeAll(conns);
  }
}
