/**
 * Scenario `polling`: N clients on HTTP long-polling only (Socket.IO targets). Each keeps one GET
 * pending and sends its events the way the reference client does: one POST at a time, carrying
 * every buffered packet joined by `\x1e`. Each client sends batches of K `42["echo",m]` and waits
 * for the K echoes (over as many GETs as the server needs) before the next batch. Measures
 * echoed messages per server CPU-second; checks every echo arrives once, in order, byte for byte.
 */
import type { Agent } from 'node:http';
import { CorrectnessError, measured, perCpuSecond, withTimeout, type ScenarioContext, type ScenarioResult } from './context.js';
import { httpRequest, pollingAgent, pollingConnect, timestamp, type TargetAddress } from './wire.js';

export interface PollingParams {
  clients: number;
  /** Measured batches per client. */
  batches: number;
  batchSize: number;
  /** Unmeasured batches per client first. */
  warmup: number;
  payloadBytes: number;
  timeoutMs: number;
}

export const POLLING_FULL: PollingParams = { clients: 50, batches: 40, batchSize: 10, warmup: 4, payloadBytes: 32, timeoutMs: 90000 };
export const POLLING_SMOKE: PollingParams = { clients: 3, batches: 3, batchSize: 4, warmup: 1, payloadBytes: 8, timeoutMs: 5000 };

function echoFrame(client: number, seq: number, payload: string): string {
  return '42["echo",{"c":' + client + ',"s":' + seq + ',"p":"' + payload + '"}]';
}

/** One polling client: a GET loop delivering packets, and serialized POSTs. */
class PollingClient {
  private received = 0;
  private expectedTotal = 0;
  private waiter: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;
  private closing = false;
  private posting: Promise<void> = Promise.resolve();
  private getLoop: Promise<void> = Promise.resolve();

  constructor(
    private readonly agent: Agent,
    private readonly target: TargetAddress,
    private readonly sid: string,
    private readonly index: number,
    private readonly payload: string,
  ) {}

  private query(): string {
    return `EIO=4&transport=polling&t=${timestamp()}&sid=${this.sid}`;
  }

  /** Starts the GET loop (one request pending at any time). */
  start(initial: string[]): void {
    this.onPackets(initial);
    this.getLoop = (async () => {
      while (!this.closing && !this.failure) {
        const reply = await httpRequest(this.agent, this.target.port, this.query());
        if (this.closing) return;
        if (reply.status !== 200) throw new CorrectnessError(`polling: client ${this.index} GET failed: ${reply.status} ${reply.body.slice(0, 60)}`);
        this.onPackets(reply.body.split('\x1e'));
      }
    })().catch((err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.waiter?.reject(err);
    this.waiter = null;
  }

  private onPackets(packets: string[]): void {
    for (const packet of packets) {
      if (packet === '6' || packet === '') continue;
      if (packet === '2') {
        this.post('3');
        continue;
      }
      if (packet === '1') return this.fail(new CorrectnessError(`polling: client ${this.index} closed by the server`));
      const expected = echoFrame(this.index, this.received, this.payload);
      if (packet !== expected) return this.fail(new CorrectnessError(`polling: client ${this.index} expected ${expected.slice(0, 60)}, got ${packet.slice(0, 60)}`));
      this.received++;
      if (this.received > this.expectedTotal) return this.fail(new CorrectnessError(`polling: client ${this.index} got an extra echo`));
      if (this.received === this.expectedTotal && this.waiter) {
        this.waiter.resolve();
        this.waiter = null;
      }
    }
  }

  /** Queues a POST after the previous one (never two at once, like the reference client). */
  private post(body: string): Promise<void> {
    this.posting = this.posting.then(async () => {
      const reply = await httpRequest(this.agent, this.target.port, this.query(), body);
      if (reply.status !== 200 || reply.body !== 'ok') throw new CorrectnessError(`polling: client ${this.index} POST failed: ${reply.status} ${reply.body.slice(0, 60)}`);
    });
    this.posting.catch((err: Error) => this.fail(err));
    return this.posting;
  }

  /** Sends `count` batches of `size` echo events, each after the previous batch came back. */
  async run(batches: number, size: number): Promise<void> {
    for (let b = 0; b < batches; b++) {
      if (this.failure) throw this.failure;
      const first = this.expectedTotal;
      const frames: string[] = [];
      for (let i = 0; i < size; i++) frames.push(echoFrame(this.index, first + i, this.payload));
      this.expectedTotal += size;
      const done = new Promise<void>((resolve, reject) => {
        if (this.received === this.expectedTotal) resolve();
        else this.waiter = { resolve, reject };
      });
      await this.post(frames.join('\x1e'));
      await done;
    }
  }

  /** Closes the session (POST `1`) and waits for the GET loop to end. */
  async close(): Promise<void> {
    this.closing = true;
    await this.posting.catch(() => {});
    await httpRequest(this.agent, this.target.port, this.query(), '1').catch(() => {});
    await this.getLoop;
  }
}

/** Runs the polling scenario (Socket.IO targets only). */
export async function pollingScenario(ctx: ScenarioContext, p: PollingParams): Promise<ScenarioResult> {
  if (ctx.target.kind !== 'sio') return { metrics: {}, notes: ['not applicable: no long-polling transport'] };
  const agent = pollingAgent();
  const payload = 'z'.repeat(p.payloadBytes);
  const clients: PollingClient[] = [];
  try {
    for (let i = 0; i < p.clients; i++) {
      const { sid, extra } = await pollingConnect(agent, ctx.target);
      const client = new PollingClient(agent, ctx.target, sid, i, payload);
      clients.push(client);
      client.start(extra);
    }
    await withTimeout(Promise.all(clients.map((c) => c.run(p.warmup, p.batchSize))), p.timeoutMs, 'polling warm-up');
    const m = await measured(ctx, () => withTimeout(Promise.all(clients.map((c) => c.run(p.batches, p.batchSize))), p.timeoutMs, 'polling'));
    const messages = p.clients * p.batches * p.batchSize;
    return {
      metrics: {
        messages,
        serverCpuSec: m.cpuSec,
        wallSec: m.wallSec,
        perCpuSec: perCpuSecond(ctx, messages, m.cpuSec, 'polling'),
        perWallSec: messages / m.wallSec,
        writesPerMessage: m.writes / messages,
      },
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    agent.destroy();
  }
}
