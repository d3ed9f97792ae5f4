/**
 * Scenario `echo`: N clients keep K events in flight each; the server answers every
 * `42["echo",m]` with `42["echo",m]`. Measures round trips per server CPU-second and the
 * round-trip latency (p50/p99). Checks that every client gets each of its messages back
 * byte for byte and in order.
 */
import { percentile } from '../lib/stats.js';
import { CorrectnessError, measured, perCpuSecond, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { closeAll, connectMany, type Conn } from './wire.js';

export interface EchoParams {
  clients: number;
  inFlight: number;
  /** Measured round trips per client. */
  messages: number;
  /** Unmeasured round trips per client first. */
  warmup: number;
  /** Length of the string payload. */
  payloadBytes: number;
  timeoutMs: number;
}

export const ECHO_FULL: EchoParams = { clients: 100, inFlight: 10, messages: 1000, warmup: 100, payloadBytes: 32, timeoutMs: 60000 };
export const ECHO_SMOKE: EchoParams = { clients: 4, inFlight: 3, messages: 20, warmup: 5, payloadBytes: 8, timeoutMs: 5000 };

/** The frame for message `seq` of client `client` (sent and expected back identically). */
function echoFrame(client: number, seq: number, payload: string): string {
  return '42["echo",{"c":' + client + ',"s":' + seq + ',"p":"' + payload + '"}]';
}

/** Runs `count` round trips on every connection; resolves when all came back; fills latencies (ms). */
function runPhase(conns: Conn[], first: number, count: number, p: EchoParams, payload: string, latencies: Float64Array | null): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = conns.length;
    conns.forEach((conn, c) => {
      const sentAt = new Float64Array(count);
      let sent = 0;
      let received = 0;
      const sendNext = (): void => {
        sentAt[sent] = performance.now();
        conn.send(echoFrame(c, first + sent, payload));
        sent++;
      };
      conn.onFrame = (frame) => {
        if (received >= count) return reject(new CorrectnessError(`echo: client ${c} got an extra frame ${frame.slice(0, 60)}`));
        const expected = echoFrame(c, first + received, payload);
        if (frame !== expected) {
          return reject(new CorrectnessError(`echo: client ${c} expected ${expected.slice(0, 60)}, got ${frame.slice(0, 60)}`));
        }
        if (latencies) latencies[c * count + received] = performance.now() - sentAt[received];
        received++;
        if (sent < count) sendNext();
        if (received === count && --pending === 0) resolve();
      };
      conn.onClose = (code) => reject(new CorrectnessError(`echo: client ${c} closed (${code}) after ${received}/${count}`));
      for (let i = 0; i < Math.min(p.inFlight, count); i++) sendNext();
    });
  });
}

/** Runs the echo scenario. */
export async function echoScenario(ctx: ScenarioContext, p: EchoParams): Promise<ScenarioResult> {
  const payload = 'x'.repeat(p.payloadBytes);
  const conns = await connectMany(ctx.target, p.clients, 50);
  try {
    await withTimeout(runPhase(conns, 0, p.warmup, p, payload, null), p.timeoutMs, 'echo warm-up');
    const latencies = new Float64Array(p.clients * p.messages);
    const m = await measured(ctx, () => withTimeout(runPhase(conns, p.warmup, p.messages, p, payload, latencies), p.timeoutMs, 'echo'));
    const roundTrips = p.clients * p.messages;
    return {
      metrics: {
        roundTrips,
        serverCpuSec: m.cpuSec,
        wallSec: m.wallSec,
        perCpuSec: perCpuSecond(ctx, roundTrips, m.cpuSec, 'echo'),
        perWallSec: roundTrips / m.wallSec,
        writesPerRoundTrip: m.writes / roundTrips,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      },
    };
  } finally {
    for (const c of conns) c.onClose = () => {};
    await closeAll(conns);
  }
}
