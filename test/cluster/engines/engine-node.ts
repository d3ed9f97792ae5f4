// Forks engine-suite nodes (node.ts) and drives them over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { EngineNodeConfig } from './node.js';

export type { EngineNodeConfig };

const SCRIPT = resolve(import.meta.dirname, 'node.ts');

/** A server process of an engine-suite cluster. */
export class EngineNode {
  port = 0;
  /** Server-side events received. */
  readonly serverSide: Array<{ from: string; arg: unknown }> = [];
  /** Crash reports of the process. */
  readonly crashes: string[] = [];
  exited = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(readonly config: EngineNodeConfig, private readonly proc: ChildProcess) {
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
  static start(config: EngineNodeConfig): Promise<EngineNode> {
    const proc = fork(SCRIPT, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env },
    });
    const node = new EngineNode(config, proc);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`node ${config.name} did not start`)), 60_000);
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

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Runs a command of node.ts in the process. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`node ${this.config.name} exited`));
    const id = this.nextId++;
    return new Promise((res, rej) => {
      this.pending.set(id, { resolve: res, reject: rej });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Kills the process (SIGKILL) and waits for its exit. */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => {
      this.proc.once('exit', () => r());
      this.proc.kill('SIGKILL');
    });
  }
}
