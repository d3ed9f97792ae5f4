/**
 * One load process of the density scenario (several run side by side, each under its own open-file limit):
 * holds idle connections to the server processes, answers their heartbeats, checks that every client receives
 * every `tick` broadcast once and in order, and records each delivery's latency (receipt time minus the `t`
 * the server stamped when it started the broadcast; both are wall-clock times of the same machine).
 *
 * From the runner (IPC): `{ type: 'connect', id, name, kind, ports, count, concurrency }` opens `count`
 * WebSocket clients spread over `ports`; `{ type: 'poll', id, count, address }` replaces `count` of them by
 * long-polling clients (their connections from the loopback `address`); `{ type: 'await', id, seq }` answers once
 * every client has received tick `seq`;
 * `{ type: 'latency', id }` returns the latency histogram since the last call; `{ type: 'close', id }`.
 * To the runner: `{ type: 'done', id, value }`, `{ type: 'error', message }` (a failed check or connection).
 */
import type { Agent, ClientRequest } from 'node:http';
import { record, type Histogram } from './histogram.js';
import { connect, httpRequest, pollingAgent, pollingConnect, timestamp, type Conn, type TargetAddress, type TargetKind } from '../load/wire.js';

interface Request {
  type: 'connect' | 'poll' | 'await' | 'latency' | 'close';
  id: number;
  name?: string;
  kind?: TargetKind;
  ports?: number[];
  count?: number;
  concurrency?: number;
  seq?: number;
  /** the loopback address of this process's polling clients */
  address?: string;
}

/** What every client does with a frame or packet it receives. */
interface Receiver {
  /** The last tick received. */
  last: number;
  index: number;
}

let targets: TargetAddress[] = [];
let concurrency = 50;
const sockets: Conn[] = [];
const pollers: Poller[] = [];
/** Clients that have received each tick, by tick number. */
const receivedBy = new Map<number, number>();
/** The last tick every client has received (new clients start from here). */
let completed = 0;
let latency: Histogram = {};
const waiters = new Map<number, () => void>();
let closing = false;

const now = (): number => performance.timeOrigin + performance.now();

function send(message: unknown): void {
  process.send!(message);
}

function fail(message: string): void {
  if (!closing) send({ type: 'error', message });
}

function clients(): number {
  return sockets.length + pollers.length;
}

function onTick(client: Receiver, packet: string): void {
  if (!packet.startsWith('42["tick"')) return fail(`client ${client.index}: unexpected packet ${packet.slice(0, 60)}`);
  const { s, t } = (JSON.parse(packet.slice(2)) as [string, { s: number; t: number }])[1];
  record(latency, now() - t);
  if (s !== client.last + 1) return fail(`client ${client.index}: tick ${s} after ${client.last}`);
  client.last = s;
  const n = (receivedBy.get(s) ?? 0) + 1;
  receivedBy.set(s, n);
  if (n === clients()) {
    receivedBy.delete(s);
    completed = s;
    waiters.get(s)?.();
    waiters.delete(s);
  }
}

/** A long-polling client: one GET pending, pongs posted as the reference client does. */
class Poller implements Receiver {
  last = completed;
  private stopped = false;
  /** When the last ping arrived and what became of its pong (reported if the server closes this client). */
  private lastPing = 0;
  private pong = 'none sent';
  private pongRequest: ClientRequest | undefined;

  constructor(private readonly agent: Agent, private readonly port: number, private readonly sid: string, readonly index: number) {}

  private query(): string {
    return `EIO=4&transport=polling&t=${timestamp()}&sid=${this.sid}`;
  }

  start(initial: string[]): void {
    this.onPackets(initial);
    void (async () => {
      while (!this.stopped) {
        const reply = await httpRequest(this.agent, this.port, this.query());
        if (this.stopped) return;
        if (reply.status !== 200) return fail(`polling client ${this.index}: GET answered ${reply.status} ${reply.body.slice(0, 60)}`);
        this.onPackets(reply.body.split('\x1e'));
      }
    })().catch((err: Error) => this.stopped || fail(`polling client ${this.index}: ${err.message}`));
  }

  private onPackets(packets: string[]): void {
    for (const packet of packets) {
      if (packet === '6' || packet === '') continue;
      if (packet === '2') {
        const sent = (this.lastPing = now());
        this.pong = 'pending';
        this.pongRequest = undefined;
        httpRequest(this.agent, this.port, this.query(), '3', false, (req) => (this.pongRequest = req)).then(
          (reply) => {
            this.pong = `answered ${reply.status} after ${Math.round(now() - sent)} ms`;
            if (reply.status !== 200) fail(`polling client ${this.index}: pong answered ${reply.status} ${reply.body.slice(0, 60)}`);
          },
          (err: Error) => this.stopped || fail(`polling client ${this.index}: pong: ${err.message}`),
        );
      } else if (packet === '1') {
        const ping = this.lastPing ? `last ping ${Math.round((now() - this.lastPing) / 1000)} s ago, its pong ${this.pong}${this.pong === 'pending' ? pendingState(this.pongRequest) : ''}` : 'no ping received';
        fail(`polling client ${this.index}: closed by the server (${ping})`);
      }
      else onTick(this, packet);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Where a request still waiting for its answer stands (the state of its connection). */
function pendingState(req: ClientRequest | undefined): string {
  if (req === undefined) return ' (not handed to the agent)';
  const socket = req.socket;
  if (!socket) return ' (waiting for a connection from the agent)';
  return ` (${req.reusedSocket ? 'reused' : 'new'} connection${socket.connecting ? ', still connecting' : ''}, ${socket.bytesWritten} bytes written, ${socket.bytesRead} read, ${socket.destroyed ? 'destroyed' : 'open'})`;
}

/** Runs `count` jobs, `concurrency` at a time. */
async function pool(count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function openSockets(count: number): Promise<void> {
  const base = sockets.length;
  await pool(count, async (i) => {
    const conn = await connect(targets[(base + i) % targets.length], 120000);
    const receiver: Receiver = { last: completed, index: base + i };
    conn.onFrame = (frame) => onTick(receiver, frame);
    conn.onClose = (code) => fail(`client ${receiver.index}: closed (${code})`);
    sockets.push(conn);
  });
}

async function replaceByPollers(count: number, address: string): Promise<void> {
  const leaving = sockets.splice(sockets.length - count, count);
  for (const c of leaving) c.onClose = () => {};
  await Promise.all(leaving.map((c) => c.close()));
  // from an address of their own: the WebSocket clients already hold most of 127.0.0.1's ephemeral ports to
  // each server, and at 100,000 connections the polling clients' new connections (a pong after an idle
  // connection was closed by the server's keep-alive timeout) could wait half a minute for a port
  const agent = pollingAgent({ localAddress: address });
  await pool(count, async (i) => {
    const target = targets[i % targets.length];
    const { sid, extra } = await pollingConnect(agent, target);
    const poller = new Poller(agent, target.port, sid, sockets.length + pollers.length);
    pollers.push(poller);
    poller.start(extra);
  });
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'connect':
      targets = req.ports!.map((port) => ({ name: req.name!, kind: req.kind!, port }));
      concurrency = req.concurrency ?? 50;
      await openSockets(req.count!);
      return clients();
    case 'poll':
      await replaceByPollers(req.count!, req.address ?? '127.0.0.1');
      return clients();
    case 'await':
      if (completed >= req.seq!) return completed;
      await new Promise<void>((resolve) => waiters.set(req.seq!, resolve));
      return completed;
    case 'latency': {
      const h = latency;
      latency = {};
      return h;
    }
    case 'close':
      closing = true;
      for (const p of pollers) p.stop();
      for (const c of sockets) c.onClose = () => {};
      await Promise.all(sockets.map((c) => c.close()));
      return 0;
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (value) => send({ type: 'done', id: req.id, value }),
    (err: Error) => send({ type: 'error', id: req.id, message: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
