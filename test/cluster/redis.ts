// Private redis-server processes for the cluster suites: start on a free port, kill (SIGKILL), restart on the same port.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { before, after } from 'node:test';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (rejects after `timeout` ms). */
function waitForPort(port: number, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); resolve(); });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** One redis-server process owned by a test suite. */
export class RedisServer {
  /** TCP port (kept across restarts). */
  readonly port: number;
  private proc: ChildProcess | null = null;
  private readonly dir: string;
  private readonly extraArgs: string[];

  private constructor(port: number, extraArgs: string[]) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.dir = mkdtempSync(join(tmpdir(), 'socketeer-redis-'));
  }

  /**
   * Starts a redis-server on a free port.
   * @param extraArgs - more `redis-server` arguments (e.g. cluster mode)
   * @returns the running server
   */
  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    const server = await RedisServer.prepare(extraArgs);
    await server.restart();
    return server;
  }

  /**
   * Picks a free port for a server that is not started yet (to test servers started before Redis).
   * @param extraArgs - more `redis-server` arguments
   */
  static async prepare(extraArgs: string[] = []): Promise<RedisServer> {
    return new RedisServer(await freePort(), extraArgs);
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.proc !== null;
  }

  /** (Re)starts the process on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.proc) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, ...this.extraArgs];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
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

  /** Kills the process and removes its working directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Several `redis-server --cluster-enabled yes` processes joined into one Redis Cluster (masters only). */
export class RedisCluster {
  /** The member servers. */
  readonly nodes: RedisServer[];

  private constructor(nodes: RedisServer[]) {
    this.nodes = nodes;
  }

  /**
   * Starts `count` (at least 3) cluster-enabled servers and joins them.
   * @returns the cluster, once every slot is served
   */
  static async start(count = 3): Promise<RedisCluster> {
    // a port found free may be taken meanwhile (or its cluster bus port, 10000 above, be in use): a member then
    // exits and the join fails; the cluster is started again on other ports
    for (let attempt = 1; ; attempt++) {
      const started = await Promise.allSettled(Array.from({ length: count }, () =>
        RedisServer.start(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'])));
      const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        const failed = started.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        return await RedisCluster.join(nodes);
      } catch (err) {
        await Promise.all(nodes.map((n) => n.stop()));
        if (attempt === 3) throw err;
      }
    }
  }

  private static async join(nodes: RedisServer[]): Promise<RedisCluster> {
    const count = nodes.length;
    const cluster = new RedisCluster(nodes);
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 10000;
    for (;;) {
      // every member must know the whole slot map before clients discover it
      const infos = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])));
      if (infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${count}`))) break;
      if (Date.now() > deadline) throw new Error('redis cluster did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    return cluster;
  }

  /** Node addresses as `{host, port}` (for cluster clients). */
  get addresses(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  /** Ports, slots and sharded subscriber counts of `socket.io#/#` of each member (diagnostics). */
  async describe(): Promise<string> {
    const parts = await Promise.all(this.nodes.map(async (n) => {
      const sub = await run('redis-cli', ['-p', String(n.port), 'pubsub', 'shardnumsub', 'socket.io#/#']).catch((e) => String(e));
      return `${n.port}:${sub.replace(/\s+/g, ' ').trim()}`;
    }));
    const nodes = await run('redis-cli', ['-p', String(this.nodes[0]!.port), 'cluster', 'nodes']).catch((e) => String(e));
    return `${parts.join(' | ')} ${nodes.replace(/\n/g, ' ; ')}`;
  }

  /** Stops every member. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** Runs a command and resolves with its stdout (rejects on a non-zero exit). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * A private redis-server for the tests of one file: started before them; after them, the cleanups the tests
 * registered run (last registered first), then the server stops.
 * @returns the server (once started) and the list of cleanups
 */
export function privateRedis(): { readonly server: RedisServer; readonly cleanups: Array<() => unknown> } {
  let server: RedisServer | undefined;
  const cleanups: Array<() => unknown> = [];
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await server?.stop();
  });
  return {
    get server(): RedisServer {
      if (!server) throw new Error('the private redis-server is started before the tests');
      return server;
    },
    cleanups,
  };
}
