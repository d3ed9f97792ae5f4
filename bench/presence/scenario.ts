/**
 * The presence scenario (`npm run bench -- presence [--clients N] [--rate R] [--seconds S]`): per stack, 3 server
 * processes (`node.ts`) on one Redis, `N` clients spread over them joining and leaving one room at a steady rate
 * (`R` changes per second for `S` seconds), and one watcher client per node following the room. Measured:
 * - CPU per change: the CPU time of the 3 server processes over the churn (from /proc) divided by the changes;
 * - agreement: for each join, the time from the client's emit until the watchers of all 3 nodes have it (in a
 *   `presence_diff` for Socketeer; in the member list broadcast after `fetchSockets()` for socket.io), p50 and p99;
 *   joins never seen by all 3 watchers are counted as missing.
 * The clients and watchers run in this process (socket.io-client); every time is on its clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io as ioc, type Socket } from 'socket.io-client';
import { processCpuSeconds } from '../lib/proc.js';
import { percentile } from '../lib/stats.js';
import type { PresenceStack } from './node.js';

export { PRESENCE_STACKS, type PresenceStack } from './node.js';

/** What one stack measured. */
export interface PresenceResult {
  stack: PresenceStack;
  clients: number;
  rate: number;
  seconds: number;
  /** joins and leaves sent */
  changes: number;
  joins: number;
  /** CPU ms of the 3 servers per change */
  cpuMsPerChange: number;
  agreeP50Ms: number;
  agreeP99Ms: number;
  /** joins not seen by every watcher within 10 s of the end */
  missing: number;
}

/** Options of a run. */
export interface PresenceRunOptions {
  redisUrl: string;
  clients?: number;
  rate?: number;
  seconds?: number;
  log?: (line: string) => void;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const register = fileURLToPath(new URL('../lib/ts-register.mjs', import.meta.url));
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startNode(stack: PresenceStack, redisUrl: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(`${here}node.ts`, [], {
    execArgv: ['--import', register],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, DEBUG: '', PRESENCE_STACK: stack, PRESENCE_REDIS_URL: redisUrl },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a presence node did not start')), 60_000);
    proc.on('message', (msg: any) => {
      clearTimeout(timer);
      if (msg?.type === 'ready') resolve({ proc, port: msg.port });
      else reject(new Error(msg?.message ?? 'a presence node failed'));
    });
  });
}

function connect(port: number, query: Record<string, string> = {}): Promise<Socket> {
  const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false, query });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/**
 * Runs the scenario for one stack.
 * @param stack `socketeer` or `socket.io`
 * @param opts the Redis and the load
 * @returns the figures
 */
export async function runPresence(stack: PresenceStack, opts: PresenceRunOptions): Promise<PresenceResult> {
  const clients = opts.clients ?? 150;
  const rate = opts.rate ?? 100;
  const seconds = opts.seconds ?? 10;
  const nodes = await Promise.all([0, 1, 2].map(() => startNode(stack, opts.redisUrl)));
  const sockets: Socket[] = [];
  try {
    await sleep(1500);   // the nodes hear each other
    /** `${key}@${t}` → how many watchers saw the join */
    const seen = new Map<string, number>();
    const agree: number[] = [];
    const sent = new Map<string, number>();
    const saw = (key: string, t: number): void => {
      const id = `${key}@${t}`;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      if (n === 3) agree.push(now() - t);
    };
    for (const node of nodes) {
      const w = await connect(node.port, { watch: '1' });
      sockets.push(w);
      if (stack === 'socketeer') {
        w.on('presence_diff', ({ joins }: { joins: Record<string, { metas: Array<{ t: number }> }> }) => {
          for (const [key, { metas }] of Object.entries(joins)) for (const m of metas) saw(key, m.t);
        });
      } else {
        w.on('members', ({ kind, key, t }: { kind: string; key: string; t: number }) => {
          if (kind === 'join') saw(key, t);
        });
      }
    }
    const churners: Socket[] = [];
    for (let i = 0; i < clients; i++) churners.push(await connect(nodes[i % 3]!.port));
    sockets.push(...churners);
    const inRoom = new Set<number>();
    const cpu0 = nodes.reduce((a, n) => a + processCpuSeconds(n.proc.pid!), 0);
    const started = now();
    let changes = 0;
    let joins = 0;
    const total = rate * seconds;
    while (changes < total) {
      const due = started + (changes * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const i = Math.floor(Math.random() * clients);
      const t = now();
      if (inRoom.has(i)) {
        inRoom.delete(i);
        churners[i]!.emit('leave', t);
      } else {
        inRoom.add(i);
        churners[i]!.emit('join', `u${i}`, t);
        sent.set(`u${i}@${t}`, t);
        joins++;
      }
      changes++;
    }
    // the last changes settle
    const deadline = now() + 10_000;
    while (now() < deadline && agree.length < joins) await sleep(50);
    const cpu1 = nodes.reduce((a, n) => a + processCpuSeconds(n.proc.pid!), 0);
    const samples = Float64Array.from(agree);
    return {
      stack, clients, rate, seconds, changes, joins,
      cpuMsPerChange: ((cpu1 - cpu0) * 1000) / changes,
      agreeP50Ms: percentile(samples, 50),
      agreeP99Ms: percentile(samples, 99),
      missing: [...sent.keys()].filter((id) => (seen.get(id) ?? 0) < 3).length,
    };
  } finally {
    for (const s of sockets) s.close();
    for (const n of nodes) n.proc.kill('SIGKILL');
  }
}

/**
 * The side-by-side table.
 * @param results one per stack
 * @returns markdown
 */
export function renderPresence(results: PresenceResult[]): string {
  const r0 = results[0];
  const head = r0 ? `#### presence (3 nodes on Redis, ${r0.clients} clients, ${r0.rate} joins+leaves/s for ${r0.seconds} s)\n\n` : '';
  const rows = results.map((r) => `| ${r.stack === 'socketeer' ? 'Socketeer presence (Redis Streams)' : 'socket.io fetchSockets per change (redis-adapter)'} ` +
    `| ${r.changes} | ${r.cpuMsPerChange.toFixed(2)} | ${r.agreeP50Ms.toFixed(1)} | ${r.agreeP99Ms.toFixed(1)} | ${r.missing} / ${r.joins} |`);
  return `${head}| stack | changes | CPU ms / change (3 servers) | all nodes agree p50 ms | p99 ms | joins missing |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}
