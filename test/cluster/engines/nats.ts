// A private nats-server process (JetStream on, its own store directory) for the NATS suites: start on a free
// port, kill (SIGKILL), restart on the same port with the same store.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../redis.js';

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
