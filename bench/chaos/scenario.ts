/**
 * The chaos scenario (`npm run bench -- chaos`): does a deploy, or a flaky network, lose anything?
 *
 * Per stack: 3 server processes on one Redis behind a round-robin TCP proxy (`proxy.ts`), a 4th server (never
 * restarted, no clients) broadcasting `tick` 1, 2, … to every client of the cluster at a steady rate, and N official
 * `socket.io-client` clients in another process (`clients.ts`). Two runs per stack:
 * - `drops`: the proxy cuts random client connections (1% of them every 500 ms);
 * - `rolling`: every server is replaced in turn, as a rolling deploy does: its successor starts and joins the
 *   rotation, the server leaves the rotation and gets SIGTERM (Socketeer: graceful shutdown; socket.io:
 *   `io.close()` then exit), the next one follows once it has exited.
 * Reported per client and summed: delivered % (distinct ticks received ÷ ticks sent), clients that received every
 * tick in order, duplicates, clients stranded (not connected at the end), disconnections, recoveries with
 * `socket.recovered`, and the recovery time (from `disconnect` to the first tick after reconnecting) p50/p99.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { percentile } from '../lib/stats.js';
import type { ClientReport } from './clients.js';
import { ChaosProxy } from './proxy.js';

export const STACKS = ['socketeer', 'socket.io+redis-adapter', 'socket.io+redis-streams-adapter'] as const;
export type Stack = (typeof STACKS)[number];
export const MODES = ['drops', 'rolling'] as const;
export type Mode = (typeof MODES)[number];

export interface ChaosOptions {
  redisUrl: string;
  stacks?: readonly Stack[];
  modes?: readonly Mode[];
  /** clients (default 300) */
  clients?: number;
  /** broadcasts per second (default 20) */
  rate?: number;
  /** seconds of random drops (default 16) */
  dropSeconds?: number;
  /** seconds between two restarts of the rolling deploy (default 2) */
  restartGapSeconds?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  stack: Stack;
  mode: Mode;
  clients: number;
  /** ticks broadcast */
  sent: number;
  deliveredPct: number;
  /** clients that received every tick they received in increasing order */
  inOrderClients: number;
  duplicates: number;
  stranded: number;
  disconnects: number;
  recovered: number;
  recoveryP50Ms: number;
  recoveryP99Ms: number;
  /** disconnect reasons seen by the clients */
  reasons: string[];
  durationSec: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const register = fileURLToPath(new URL('../lib/ts-register.mjs', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A forked child with typed IPC waits. */
class Child {
  readonly proc: ChildProcess;
  private stderr = '';
  constructor(file: string, env: Record<string, string>) {
    this.proc = fork(`${here}${file}`, [], {
      execArgv: ['--import', register],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, DEBUG: '', ...env },
    });
    this.proc.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-2000);
    });
  }
  /** Resolves with the next message of a type. */
  wait<T = any>(type: string, ms = 60000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} from ${this.proc.pid} in ${ms} ms ${this.stderr}`)), ms);
      const onMessage = (msg: any): void => {
        if (msg?.type === 'error') {
          cleanup();
          reject(new Error(msg.message));
        } else if (msg?.type === type) {
          cleanup();
          resolve(msg as T);
        }
      };
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`process exited (${code}) before ${type}: ${this.stderr}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.proc.off('message', onMessage);
        this.proc.off('exit', onExit);
      };
      this.proc.on('message', onMessage);
      this.proc.once('exit', onExit);
    });
  }
  send(msg: unknown): void {
    this.proc.send(msg as never);
  }
  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }
  /** Waits for the exit (SIGKILL after `ms`). */
  exit(ms: number): Promise<number> {
    const t0 = Date.now();
    if (this.exited) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve(Date.now() - t0);
      });
    });
  }
  kill(): Promise<number> {
    if (!this.exited) this.proc.kill('SIGKILL');
    return this.exit(5000);
  }
}

interface ServerNode {
  child: Child;
  port: number;
}

async function startNode(stack: Stack, redisUrl: string, role: 'worker' | 'publisher'): Promise<ServerNode> {
  const child = new Child('node.ts', { CHAOS_STACK: stack, CHAOS_REDIS_URL: redisUrl, CHAOS_ROLE: role });
  const { port } = await child.wait<{ port: number }>('ready');
  return { child, port };
}

/** One run: a stack under one kind of chaos. */
export async function runChaos(stack: Stack, mode: Mode, opts: ChaosOptions): Promise<ChaosResult> {
  const clientsCount = opts.clients ?? 300;
  const rate = opts.rate ?? 20;
  const log = opts.log ?? (() => {});
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  await redis.flushall();
  const proxy = new ChaosProxy();
  await proxy.listen();
  const nodes: ServerNode[] = [];
  const children: Child[] = [];
  const t0 = Date.now();
  try {
    const publisher = await startNode(stack, opts.redisUrl, 'publisher');
    children.push(publisher.child);
    for (const n of await Promise.all([0, 1, 2].map(() => startNode(stack, opts.redisUrl, 'worker')))) {
      nodes.push(n);
      children.push(n.child);
      proxy.add(n.port);
    }
    await sleep(500); // the adapters see each other
    const clients = new Child('clients.ts', {});
    children.push(clients);
    await clients.wait('ready');
    // connect in batches (the handshakes of 300 clients at once would time out on a busy machine)
    for (let done = 0; done < clientsCount; done += 50) {
      clients.send({ type: 'connect', url: proxy.url, count: Math.min(50, clientsCount - done) });
      await clients.wait('connected');
    }
    log(`  ${stack} ${mode}: ${clientsCount} clients connected; broadcasting ${rate}/s`);
    publisher.child.send({ type: 'publish', intervalMs: 1000 / rate });
    await sleep(2000);
    if (mode === 'drops') {
      const end = Date.now() + (opts.dropSeconds ?? 16) * 1000;
      let dropped = 0;
      while (Date.now() < end) {
        dropped += proxy.dropRandom(Math.max(1, Math.round(clientsCount / 100)));
        await sleep(500);
      }
      log(`  ${stack} ${mode}: ${dropped} connections cut`);
    } else {
      for (let i = 0; i < nodes.length; i++) {
        const old = nodes[i]!;
        const successor = await startNode(stack, opts.redisUrl, 'worker');
        children.push(successor.child);
        nodes[i] = successor;
        proxy.add(successor.port);
        proxy.remove(old.port);
        old.child.proc.kill('SIGTERM');
        const exitMs = await old.child.exit(15000);
        log(`  ${stack} ${mode}: server ${i + 1} replaced (exited ${exitMs} ms after SIGTERM)`);
        await sleep((opts.restartGapSeconds ?? 2) * 1000);
      }
    }
    // time to recover, then stop broadcasting and let the last ticks arrive
    await sleep(4000);
    publisher.child.send({ type: 'stop' });
    const { last } = await publisher.child.wait<{ last: number }>('published');
    // the report is taken once the clients have caught up: every tick received or nothing new for 3 s (at most 30 s)
    let reports: ClientReport[] = [];
    let previous = -1;
    let unchangedSince = Date.now();
    const settleEnd = Date.now() + 30000;
    for (;;) {
      await sleep(1000);
      clients.send({ type: 'report' });
      reports = (await clients.wait<{ clients: ClientReport[] }>('report')).clients;
      const received = reports.reduce((sum, r) => sum + r.ticks.length, 0);
      if (received !== previous) unchangedSince = Date.now();
      previous = received;
      const complete = reports.every((r) => r.connected && r.ticks.length > 0 && r.ticks[r.ticks.length - 1] === last);
      if (complete || Date.now() - unchangedSince >= 3000 || Date.now() > settleEnd) break;
    }
    return summarize(stack, mode, reports, last, (Date.now() - t0) / 1000);
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    await proxy.close();
    redis.disconnect();
  }
}

function summarize(stack: Stack, mode: Mode, reports: ClientReport[], sent: number, durationSec: number): ChaosResult {
  let distinctTotal = 0;
  let duplicates = 0;
  let inOrder = 0;
  let stranded = 0;
  let disconnects = 0;
  let recovered = 0;
  const recovery: number[] = [];
  const reasons = new Set<string>();
  for (const r of reports) {
    const seen = new Set<number>();
    let ordered = true;
    let max = 0;
    for (const n of r.ticks) {
      if (seen.has(n)) {
        duplicates++;
        continue;
      }
      seen.add(n);
      if (n < max) ordered = false;
      max = Math.max(max, n);
    }
    distinctTotal += [...seen].filter((n) => n >= 1 && n <= sent).length;
    if (ordered) inOrder++;
    if (!r.connected) stranded++;
    disconnects += r.disconnects;
    recovered += r.recovered;
    recovery.push(...r.recoveryMs);
    for (const reason of r.reasons) reasons.add(reason);
  }
  return {
    stack,
    mode,
    clients: reports.length,
    sent,
    deliveredPct: (100 * distinctTotal) / (sent * reports.length),
    inOrderClients: inOrder,
    duplicates,
    stranded,
    disconnects,
    recovered,
    recoveryP50Ms: percentile(recovery, 50),
    recoveryP99Ms: percentile(recovery, 99),
    reasons: [...reasons],
    durationSec,
  };
}

/** Renders the results as a Markdown table. */
export function renderChaos(results: ChaosResult[]): string {
  const rows = [
    '| stack | chaos | clients | ticks sent | delivered | in order | duplicates | stranded | disconnects | recovered | recovery p50 | recovery p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');
    rows.push(
      `| ${r.stack} | ${r.mode} | ${r.clients} | ${r.sent} | ${r.deliveredPct.toFixed(r.deliveredPct === 100 ? 0 : 2)} % | ` +
        `${r.inOrderClients}/${r.clients} | ${r.duplicates} | ${r.stranded} | ${r.disconnects} | ${r.recovered} | ` +
        `${ms(r.recoveryP50Ms)} | ${ms(r.recoveryP99Ms)} |`,
    );
  }
  return rows.join('\n');
}
