// NATS for the cluster suites: a private nats-server process (JetStream on, its own store directory) to start on
// a free port, kill (SIGKILL) and restart on the same port with the same store; and Socketeer nodes on it, each in
// its own process (`nats-node.ts`), driven over IPC.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { freePort } from '../redis.js';
import type { NatsNodeConfig } from './nats-node.js';

export type { NatsNodeConfig };

/** Resolves once something accepts TCP connections on the port (rejects after `timeout` ms). */
function waitForPort(port: number, timeout = 15000): Promise<void> {
  const deadline = Date.now() + timeout;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = tcpConnect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(); });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nats-server did not listen on ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** One nats-server process owned by a test suite. */
export class NatsServer {
  /** TCP port (kept across restarts). */
  readonly port: number;
  private proc: ChildProcess | null = null;
  private readonly dir: string;

  private constructor(port: number, private readonly jetstream: boolean) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'socketeer-nats-'));
  }

  /**
   * Starts a nats-server on a free port.
   * @param jetstream - with JetStream (`-js`, store in a private directory); default true
   */
  static async start(jetstream = true): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), jetstream);
    await server.restart();
    return server;
  }

  /** `nats://127.0.0.1:<port>` */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.proc !== null;
  }

  /** (Re)starts the process on the same port and store; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.proc) return;
    const args = ['-a', '127.0.0.1', '-p', String(this.port), ...(this.jetstream ? ['-js', '-sd', this.dir] : [])];
    const proc = spawn('nats-server', args, { stdio: 'ignore' });
    this.proc = proc;
    proc.once('exit', () => { if (this.proc === proc) this.proc = null; });
    await waitForPort(this.port);
  }

  /** Kills the process with SIGKILL and waits for it to exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Kills the process and removes its store. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const NODE_SCRIPT = resolve(import.meta.dirname, 'nats-node.ts');

/** A Socketeer server process on NATS. */
export class NatsNode {
  /** HTTP port of the server. */
  port = 0;
  /** Server-side events received (`serverSideEmit`). */
  readonly serverSide: Array<{ from: string; arg: unknown }> = [];
  /** Crash reports (uncaught errors) of the process. */
  readonly crashes: string[] = [];
  exited = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(readonly config: NatsNodeConfig, private readonly proc: ChildProcess) {
    proc.on('message', (msg: any) => {
      if (msg.type === 'reply') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error));
        else p?.resolve(msg.result);
      } else if (msg.type === 'server-side') {
        this.serverSide.push({ from: msg.from, arg: msg.arg });
      } else if (msg.type === 'crash') {
        this.crashes.push(msg.message);
      }
    });
    proc.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`node ${config.name} exited`));
      this.pending.clear();
    });
  }

  /** Forks a node and waits until it listens. */
  static start(config: NatsNodeConfig): Promise<NatsNode> {
    const proc = fork(NODE_SCRIPT, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env },
    });
    const node = new NatsNode(config, proc);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`node ${config.name} did not start`)), 45000);
      proc.on('message', (msg: any) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          node.port = msg.port;
          res(node);
        } else if (msg.type === 'crash') {
          clearTimeout(timer);
          rej(new Error(`node ${config.name} crashed: ${msg.message}`));
        }
      });
    });
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Runs a command in the node (see `nats-node.ts`). */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`node ${this.config.name} exited`));
    const id = this.nextId++;
    return new Promise((res, rej) => {
      this.pending.set(id, { resolve: res, reject: rej });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Kills the process (SIGKILL). */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => {
      this.proc.once('exit', () => r());
      this.proc.kill('SIGKILL');
    });
  }
}

/**
 * The NATS engine's fixture for the engine suite (`suite.ts`): a private nats-server with JetStream; broadcasts
 * published while NATS is down are held by the publishing server and stored once it is back. The mixed runs pair
 * our nodes with socket.io running socket.io-adapter's cluster adapter on the same subjects (`nats.node.ts`).
 */
export const natsFixture = {
  name: 'nats',
  nodeModule: resolve(import.meta.dirname, 'nats.node.ts'),
  official: true,
  officialRecovery: true,
  outageBuffered: true,
  async startBus() {
    const server = await NatsServer.start();
    return {
      info: { port: server.port },
      kill: () => server.kill(),
      restart: () => server.restart(),
      stop: () => server.stop(),
    };
  },
};
