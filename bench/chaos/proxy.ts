/**
 * The load balancer of the chaos scenario: a TCP proxy sending each new connection to the next server in turn
 * (round robin, no affinity: the clients use WebSocket only, one connection per session). A server taken out of
 * the rotation keeps its open connections; a server that refuses a connection is skipped (the next one is tried).
 * `dropRandom(k)` cuts k random client connections (a flaky network).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class ChaosProxy {
  port = 0;
  /** servers in the rotation */
  private targets: number[] = [];
  private next = 0;
  private readonly pairs = new Set<Pair>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((client) => this.route(client));
  }

  /** Starts listening on a free loopback port. */
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Puts a server in the rotation. */
  add(port: number): void {
    if (!this.targets.includes(port)) this.targets.push(port);
  }

  /** Takes a server out of the rotation (its open connections stay). */
  remove(port: number): void {
    this.targets = this.targets.filter((p) => p !== port);
  }

  /** Open client connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /**
   * Cuts `k` random client connections.
   * @returns how many were cut
   */
  dropRandom(k: number): number {
    const all = [...this.pairs];
    let cut = 0;
    while (cut < k && all.length > 0) {
      const i = Math.floor(Math.random() * all.length);
      const [pair] = all.splice(i, 1);
      pair!.client.destroy();
      pair!.upstream.destroy();
      this.pairs.delete(pair!);
      cut++;
    }
    return cut;
  }

  private route(client: Socket, attempt = 0): void {
    client.on('error', () => {});
    client.pause();
    if (this.targets.length === 0 || attempt >= this.targets.length) {
      client.destroy();
      return;
    }
    const port = this.targets[this.next++ % this.targets.length]!;
    const upstream = connect(port, '127.0.0.1');
    const pair: Pair = { client, upstream };
    let connected = false;
    let failed = false;
    upstream.once('connect', () => {
      connected = true;
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    const end = (): void => {
      if (!connected) {
        // refused: try the next server
        if (failed) return;
        failed = true;
        upstream.destroy();
        if (!client.destroyed) this.route(client, attempt + 1);
        return;
      }
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    upstream.on('error', end).on('close', end);
    client.on('close', () => {
      if (connected) end();
      else upstream.destroy();
    });
  }

  /** Stops listening and cuts every connection. */
  close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
    return new Promise((r) => this.server.close(() => r()));
  }
}
