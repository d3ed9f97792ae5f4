/**
 * `npm run start:cluster`: the chat demo on several processes. Starts a `redis-server` on a free port
 * (unless `REDIS_URL` is set), 3 chat nodes (`server.ts` as child processes on free ports, sharing the chat
 * through the Redis Streams adapter) and a round-robin HTTP + WebSocket proxy on port 3000 (`PORT`) without session
 * affinity: each request goes to the next node, long-polling requests reaching the wrong node are forwarded
 * to their owner over Redis (`pollingForwarding`). Needs `redis-server` on the PATH when `REDIS_URL` is unset.
 *
 * ```ts
 * import { startCluster } from './examples/chat/cluster.js';
 * const cluster = await startCluster({ port: 0 });
 * console.log(cluster.url, cluster.nodes); // http://127.0.0.1:54321 [{ id: 'node-1', port: 41234, … }, …]
 * await cluster.close();
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SEED_USERS } from './auth.js';

/** Options of `startCluster`. */
export interface ClusterOptions {
  /** proxy port (default 3000; 0 picks a free one) */
  port?: number;
  /** the proxy's interface (default `127.0.0.1`; `0.0.0.0` to let other machines in); the nodes stay on `127.0.0.1` */
  host?: string;
  /** Redis shared by the nodes (default: a `redis-server` started on a free port, stopped with the cluster) */
  redisUrl?: string;
  /** number of chat nodes (default 3) */
  nodes?: number;
  /** token signing secret shared by the nodes (default: random) */
  secret?: string;
  /** progress lines (default: none) */
  log?: (line: string) => void;
}

/** A chat node process. */
export interface ClusterNode {
  id: string;
  port: number;
  url: string;
  pid: number;
}

/** A running cluster. */
export interface Cluster {
  /** the proxy, `http://localhost:<port>` */
  url: string;
  port: number;
  nodes: ClusterNode[];
  redisUrl: string;
  /** whether the cluster started its own redis-server */
  ownRedis: boolean;
  /** Stops the proxy, the nodes and the redis-server it started. */
  close(): Promise<void>;
}

/** @returns a TCP port that was free a moment ago */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the port accepts connections. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when a child prints a line matching `pattern`; rejects if it exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`${name} did not start in ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null) => done(new Error(`${name} exited (${code}):\n${seen}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stops a child process and waits for it. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * A round-robin HTTP and WebSocket proxy without affinity: every request and upgrade goes to the next port.
 * @param ports the nodes
 * @returns the proxy server (not listening yet)
 */
export function roundRobinProxy(ports: number[]): HttpServer {
  let next = 0;
  const pick = () => ports[next++ % ports.length]!;
  const open = new Set<Socket>();
  const server = createServer((req, res) => {
    const up = request(
      { host: '127.0.0.1', port: pick(), method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const upstream = connect(pick(), '127.0.0.1');
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.once('connect', () => {
      let raw = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(raw + '\r\n');
      if (head.length) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  server.on('close', () => {
    for (const s of open) s.destroy();
  });
  return server;
}

/**
 * Starts Redis (if needed), the chat nodes and the proxy.
 * @param opts ports, Redis, node count
 * @returns the running cluster
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const children: ChildProcess[] = [];
  let redisDir: string | null = null;
  let proxy: HttpServer | null = null;
  const close = async () => {
    if (proxy) {
      const p = proxy;
      proxy = null;
      p.closeAllConnections();
      await new Promise<void>((r) => p.close(() => r()));
    }
    await Promise.all(children.map(stop));
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  };
  try {
    let redisUrl = opts.redisUrl;
    const ownRedis = !redisUrl;
    if (!redisUrl) {
      const port = await freePort();
      redisDir = mkdtempSync(join(tmpdir(), 'socketeer-chat-redis-'));
      const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], {
        stdio: 'ignore',
      });
      children.push(redis);
      const failed = new Promise<never>((_, reject) => {
        redis.once('error', (err) => reject(new Error(`could not start redis-server (${err.message}); install it or set REDIS_URL`)));
      });
      await Promise.race([waitForPort(port, 5000), failed]);
      redisUrl = `redis://127.0.0.1:${port}`;
      log(`REDIS_URL not set: started redis-server on port ${port} (stopped with the cluster)`);
    } else {
      log(`Redis: ${redisUrl}`);
    }

    const secret = opts.secret ?? randomBytes(32).toString('base64url');
    const server = fileURLToPath(new URL('server.ts', import.meta.url));
    const count = opts.nodes ?? 3;
    const nodes: ClusterNode[] = [];
    const started: Promise<void>[] = [];
    for (let i = 1; i <= count; i++) {
      const port = await freePort();
      const id = `node-${i}`;
      const child = spawn(process.execPath, ['--import', 'tsx', server], {
        // the nodes stay on this machine: only the proxy is reached from outside
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redisUrl, SECRET: secret, NODE_ID: id },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stderr!.on('data', (d: Buffer) => log(`[${id}] ${d.toString().trimEnd()}`));
      // compiling the TypeScript sources takes a while on a busy machine: a node is late, not broken, for 90 s
      started.push(waitForLine(child, /Socketeer chat on/, 90000, id));
      nodes.push({ id, port, url: `http://127.0.0.1:${port}`, pid: child.pid! });
    }
    await Promise.all(started);
    for (const n of nodes) log(`${n.id} on ${n.url} (pid ${n.pid})`);

    proxy = roundRobinProxy(nodes.map((n) => n.port));
    const host = opts.host ?? '127.0.0.1';
    proxy.listen(opts.port ?? 3000, host);
    await once(proxy, 'listening');
    const port = (proxy.address() as { port: number }).port;
    return { url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`, port, nodes, redisUrl, ownRedis, close };
  } catch (err) {
    await close();
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cluster = await startCluster({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST || undefined, redisUrl: process.env.REDIS_URL || undefined, secret: process.env.SECRET || undefined, log: (l) => console.log(l) });
  console.log(`Socketeer chat on ${cluster.url} through a round-robin proxy over ${cluster.nodes.length} nodes (dashboard: ${cluster.url}/dashboard)`);
  console.log(`Users: ${SEED_USERS.map((u) => `${u.name} / ${u.password}${u.role === 'admin' ? ' (admin)' : ''}`).join(', ')}`);
  const quit = () => {
    cluster.close().then(() => process.exit(0));
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
