// Spawns fixture server processes (test/cluster/fixtures/node.ts) and socket.io-client clients for the cluster suites.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { io as ioc, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { NodeConfig } from './fixtures/node.js';

export type { NodeConfig };

const FIXTURE = resolve(import.meta.dirname, 'fixtures/node.ts');

/** A server process of the test cluster. */
export class ClusterNode {
  /** HTTP port of the server. */
  port = 0;
  /** Server-side events received (`serverSideEmit`). */
  readonly serverSide: Array<{ from: string; arg: unknown }> = [];
  /** Crash reports (uncaught errors) of the process. */
  readonly crashes: string[] = [];
  exited = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(readonly config: NodeConfig, private readonly proc: ChildProcess) {
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

  /**
   * Forks a fixture process and waits until it listens.
   * @param config - server kind, name, Redis location, options
   */
  static start(config: NodeConfig): Promise<ClusterNode> {
    const proc = fork(FIXTURE, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env },
    });
    const node = new ClusterNode(config, proc);
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

  /**
   * Runs a command in the node (see the fixture).
   * @returns its result
   */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`node ${this.config.name} exited`));
    const id = this.nextId++;
    return new Promise((res, rej) => {
      this.pending.set(id, { resolve: res, reject: rej });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: its connections stay open. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.proc.kill(sig);
  }

  /** Kills the process (SIGKILL). */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => {
      this.proc.once('exit', () => r());
      this.proc.kill('SIGKILL');
    });
  }

  /** Stops the process (closing IPC makes it exit). */
  stop(): Promise<void> {
    return this.kill();
  }
}

/** A connected client that records the events it receives. */
export interface TestClient {
  socket: ClientSocket;
  /** Received events, in order: `[event, ...args]`. */
  events: unknown[][];
  /** Disconnection reasons seen so far. */
  disconnects: string[];
}

/**
 * Connects a socket.io-client and waits for `connect`.
 * @param url - server URL
 * @param opts - client options (query, transports, …)
 */
export function connectClient(url: string, opts: Partial<ManagerOptions & SocketOptions> = {}): Promise<TestClient> {
  const socket = ioc(url, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200, forceNew: true, ...opts });
  const events: unknown[][] = [];
  const disconnects: string[] = [];
  socket.onAny((...args: unknown[]) => events.push(args));
  socket.on('disconnect', (reason) => disconnects.push(reason));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`client to ${url} did not connect`)), 15000);
    socket.once('connect', () => {
      clearTimeout(timer);
      res({ socket, events, disconnects });
    });
  });
}

/**
 * Polls until `pred` returns a value other than undefined/false.
 * @returns that value
 */
export function waitFor<T>(pred: () => T | undefined | false, timeout = 10000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeout;
  return new Promise((res, rej) => {
    const tick = (): void => {
      let v: T | undefined | false;
      try {
        v = pred();
      } catch (err) {
        return rej(err as Error);
      }
      if (v !== undefined && v !== false) return res(v);
      if (Date.now() > deadline) return rej(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What {@link waitForServerCount} asks of a server. */
interface CountsServers {
  of(nsp: string): { adapter: { serverCount(): Promise<number> } };
}

/**
 * Waits until every server counts `n` servers in the cluster (main namespace).
 * @param servers the servers
 * @param n the expected count
 * @param timeout ms before it fails
 */
export async function waitForServerCount(servers: CountsServers[], n: number, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const counts = await Promise.all(servers.map((io) => io.of('/').adapter.serverCount()));
    if (counts.every((c) => c >= n)) return;
    if (Date.now() > deadline) throw new Error(`servers did not see each other (counts ${counts.join(', ')}, expected ${n})`);
    await sleep(20);
  }
}
