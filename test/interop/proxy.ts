/**
 * A TCP proxy in front of a server under test, to simulate network faults without touching
 * the server: `freeze()` silently drops everything the server sends (the client then sees no
 * ping), `cut()` destroys every connection (the client sees the transport close).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running proxy. */
export interface Proxy {
  port: number;
  url: string;
  /** Drops all server-to-client bytes from now on (connections stay open). */
  freeze(): void;
  /** Forwards again (for new connections). */
  thaw(): void;
  /** Destroys every open connection. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `127.0.0.1:targetPort`.
 * @param targetPort port of the server under test
 */
export async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let connFrozen = false;
    upstream.on('data', (chunk) => {
      if (frozen) connFrozen = true;
      if (!connFrozen) client.write(chunk);
    });
    client.on('data', (chunk) => upstream.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // once frozen, the client must not learn that the server side went away
    const upstreamEnd = () => (connFrozen || frozen ? upstream.destroy() : end());
    client.on('close', end);
    upstream.on('close', upstreamEnd);
    client.on('error', end);
    upstream.on('error', upstreamEnd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
    },
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
