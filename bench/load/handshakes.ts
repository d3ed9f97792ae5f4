/**
 * Scenario `handshakes`: complete connections opened and closed one after another by C
 * concurrent workers, per server CPU-second (including the server's work to close them).
 *
 * - websocket-only: `GET /socket.io/?EIO=4&transport=websocket` → `0{…}` → `40` → `40{"sid"}` →
 *   close. For the plain `ws` targets: the WebSocket upgrade, then close.
 * - polling then upgrade (Socket.IO targets only), as the reference client does it: polling
 *   open, `40` POST, GET with the CONNECT reply, a pending GET, then a WebSocket with the sid:
 *   `2probe` → `3probe`, the pending GET answered `6`, `5`, one echo over the upgraded
 *   transport to prove it works, close.
 */
import WebSocket from 'ws';
import { CorrectnessError, measured, perCpuSecond, sleep, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { connect, httpRequest, pollingAgent, pollingConnect, timestamp, type TargetAddress } from './wire.js';
import type { Agent } from 'node:http';

export interface HandshakeParams {
  /** Measured websocket-only handshakes. */
  websocket: number;
  /** Measured polling-then-upgrade handshakes. */
  polling: number;
  concurrency: number;
  /** Unmeasured handshakes of each kind first. */
  warmup: number;
  timeoutMs: number;
}

export const HANDSHAKES_FULL: HandshakeParams = { websocket: 1000, polling: 200, concurrency: 20, warmup: 50, timeoutMs: 90000 };
export const HANDSHAKES_SMOKE: HandshakeParams = { websocket: 10, polling: 4, concurrency: 2, warmup: 2, timeoutMs: 5000 };

/** Time given to the server to finish closing the last connections before CPU is read. */
const SETTLE_MS = 150;

async function websocketHandshake(target: TargetAddress): Promise<void> {
  const conn = await connect(target);
  if (target.kind === 'sio' && (!conn.sid || !conn.socketId)) throw new CorrectnessError('handshake: missing sid');
  await conn.close();
}

/** One polling-then-upgrade connection, closed at the end. */
async function upgradeHandshake(agent: Agent, target: TargetAddress): Promise<void> {
  const { sid } = await pollingConnect(agent, target);
  const pendingGet = httpRequest(agent, target.port, `EIO=4&transport=polling&t=${timestamp()}&sid=${sid}`);
  const ws = new WebSocket(`ws://127.0.0.1:${target.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    let step = 0;
    const fail = reject;
    reject = (err: unknown) => {
      ws.terminate();
      fail(err);
    };
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (step < 3) reject(new CorrectnessError(`upgrade: WebSocket closed (${code}) at step ${step}`));
      else resolve();
    });
    ws.on('open', () => ws.send('2probe'));
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (step === 0) {
        if (frame !== '3probe') return reject(new CorrectnessError(`upgrade: expected 3probe, got ${frame.slice(0, 60)}`));
        step = 1;
        pendingGet.then((get) => {
          if (get.status !== 200 || !get.body.split('\x1e').includes('6')) {
            return reject(new CorrectnessError(`upgrade: pending GET should end with noop, got ${get.status} ${get.body.slice(0, 60)}`));
          }
          step = 2;
          ws.send('5');
          ws.send('42["echo","u"]');
        }, reject);
      } else if (step === 2) {
        if (frame === '2') return void ws.send('3');
        if (frame !== '42["echo","u"]') return reject(new CorrectnessError(`upgrade: expected echo over WebSocket, got ${frame.slice(0, 60)}`));
        step = 3;
        ws.close();
      }
    });
  });
}

/** Runs `count` handshakes with `concurrency` workers. */
async function runMany(count: number, concurrency: number, one: () => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Runs the handshake scenario. */
export async function handshakeScenario(ctx: ScenarioContext, p: HandshakeParams): Promise<ScenarioResult> {
  const target = ctx.target;
  const metrics: Record<string, number> = {};
  const ws = () => websocketHandshake(target);
  await withTimeout(runMany(p.warmup, p.concurrency, ws), p.timeoutMs, 'handshakes warm-up');
  await sleep(SETTLE_MS);
  const w = await measured(ctx, async () => {
    await withTimeout(runMany(p.websocket, p.concurrency, ws), p.timeoutMs, 'websocket handshakes');
    await sleep(SETTLE_MS);
  });
  metrics.websocket = p.websocket;
  metrics.websocketCpuSec = w.cpuSec;
  metrics.websocketPerCpuSec = perCpuSecond(ctx, p.websocket, w.cpuSec, 'websocket handshakes');
  metrics.websocketPerWallSec = p.websocket / (w.wallSec - SETTLE_MS / 1000);

  if (target.kind === 'sio') {
    const agent = pollingAgent();
    try {
      const up = () => upgradeHandshake(agent, target);
      await withTimeout(runMany(p.warmup, p.concurrency, up), p.timeoutMs, 'upgrade handshakes warm-up');
      await sleep(SETTLE_MS);
      const u = await measured(ctx, async () => {
        await withTimeout(runMany(p.polling, p.concurrency, up), p.timeoutMs, 'upgrade handshakes');
        await sleep(SETTLE_MS);
      });
      metrics.polling = p.polling;
      metrics.pollingCpuSec = u.cpuSec;
      metrics.pollingPerCpuSec = perCpuSecond(ctx, p.polling, u.cpuSec, 'upgrade handshakes');
      metrics.pollingPerWallSec = p.polling / (u.wallSec - SETTLE_MS / 1000);
    } finally {
      agent.destroy();
    }
  }
  return { metrics };
}
