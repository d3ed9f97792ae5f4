/**
 * Where the exposition is answered: a path mounted on an existing HTTP server (every other request goes on to the
 * listeners that were there), or a port of its own.
 *
 * Owns: the HTTP side of the metrics. Must never import the server, the engine or the client.
 *
 * @example
 * ```ts
 * const unmount = mountOn(httpServer, '/metrics', handler);
 * const { port } = await serveOn({ port: 0 }, handler);
 * ```
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';

/** An HTTP handler. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Options of `metrics.serve()`. */
export interface ServeOptions {
  /** the port (default 9464; 0 picks a free one) */
  port?: number;
  /** the address to listen on (default: every address) */
  host?: string;
  /** the path answered (default `/metrics`); other paths get a 404 */
  path?: string;
}

/** A metrics server listening. */
export interface Served {
  /** the HTTP server */
  server: HttpServer;
  /** the port it listens on */
  port: number;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Answers one path on an HTTP server ahead of its other `request` listeners, which get every other request.
 * @param http the HTTP server
 * @param path the path
 * @param handler the handler
 * @returns a function restoring the listeners
 * @example
 * ```ts
 * const unmount = mountOn(io.httpServer, '/metrics', metrics.handler);
 * ```
 */
export function mountOn(http: EventEmitter, path: string, handler: Handler): () => void {
  const others = http.listeners('request') as Handler[];
  http.removeAllListeners('request');
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'GET' && pathOf(req) === path) return handler(req, res);
    for (const fn of others) fn.call(http, req, res);
  };
  http.on('request', route);
  return () => {
    http.removeListener('request', route);
    for (const fn of others) if (!http.listeners('request').includes(fn)) http.on('request', fn);
  };
}

/**
 * Serves a handler on a port of its own.
 * @param opts port, host, path
 * @param handler the handler
 * @returns the server, once listening
 * @example
 * ```ts
 * const { server, port } = await serveOn({ port: 0 }, metrics.handler);
 * ```
 */
export function serveOn(opts: ServeOptions, handler: Handler): Promise<Served> {
  const path = opts.path ?? '/metrics';
  const server = createServer((req, res) => {
    if (pathOf(req) === path) handler(req, res);
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9464, opts.host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
