// Small proxies between test clients and cluster servers: a TCP proxy whose target can be switched (failover),
// and an HTTP proxy sending each request to the next server in turn (no session affinity).
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';

/** A TCP proxy to one port at a time; `target = null` refuses connections. */
export class SwitchProxy {
  /** Port the proxy listens on. */
  port = 0;
  /** Where new connections go (null: refused). */
  target: number | null;
  private readonly server: TcpServer;
  private readonly sockets = new Set<Socket>();

  private constructor(target: number | null) {
    this.target = target;
    this.server = createTcpServer((client) => {
      if (this.target === null) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Starts a proxy to `target`. */
  static async start(target: number | null): Promise<SwitchProxy> {
    const proxy = new SwitchProxy(target);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection (the target stays). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Stops listening and cuts every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** An HTTP proxy that sends each request to the next target in turn. */
export class RoundRobinProxy {
  port = 0;
  /** Number of requests forwarded to each target. */
  readonly counts: number[];
  private next = 0;
  private readonly server: HttpServer;

  private constructor(private readonly targets: number[]) {
    this.counts = targets.map(() => 0);
    this.server = createHttpServer((req, res) => {
      const i = this.next++ % this.targets.length;
      this.counts[i]!++;
      const up = request({ host: '127.0.0.1', port: this.targets[i], method: req.method, path: req.url, headers: req.headers,
        agent: false }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    });
  }

  /** Starts a proxy over the given ports. */
  static async start(targets: number[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy(targets);
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
