/**
 * Serving an engine on a Node.js HTTP server: requests and upgrades under its path go to the engine, other
 * requests to the server's previous `request` listeners, other upgrades are destroyed after a while.
 *
 * Must never import the server or the session classes (it sees the engine through {@link AttachTarget}).
 *
 * @example
 * ```ts
 * attachToHttpServer(http, { path: '/socket.io' }, {
 *   addTrailingSlash: true,
 *   servesUpgrades: true,
 *   handleRequest: (req, res) => engine.handleRequest(req, res),
 *   handleUpgrade: (req, socket, head) => engine.handleUpgrade(req, socket, head),
 *   onListening: () => {},
 *   onClose: () => engine.close(),
 * });
 * ```
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Options of `EngineServer.attach` (`io.attach(httpServer, opts)` passes them on). */
export interface AttachOptions {
  /** path to serve (default `/engine.io`) */
  path?: string;
  /** destroy upgrade requests outside `path` (default true) */
  destroyUpgrade?: boolean;
  /** ms before such an upgrade is destroyed (default 1000) */
  destroyUpgradeTimeout?: number;
  /** serve `path + '/'` (default: the server option, true) */
  addTrailingSlash?: boolean;
}

/** What is attached. */
export interface AttachTarget {
  /** the engine option `addTrailingSlash` (the attach option overrides it) */
  readonly addTrailingSlash: boolean;
  /** whether the engine serves HTTP upgrades (a transport is created from them) */
  readonly servesUpgrades: boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** the HTTP server started listening */
  onListening(): void;
  /** the HTTP server closed */
  onClose(): void;
}

/**
 * Serves a target on an HTTP server (see `EngineServer.attach`).
 * @param server the HTTP server
 * @param options path and upgrade handling
 * @param target the engine
 * @example
 * ```ts
 * attachToHttpServer(http, { path: '/engine.io' }, target);
 * ```
 */
export function attachToHttpServer(server: HttpServer, options: AttachOptions, target: AttachTarget): void {
  let path = (options.path || '/engine.io').replace(/\/$/, '');
  if ((options.addTrailingSlash ?? target.addTrailingSlash) !== false) path += '/';
  const destroyUpgradeTimeout = options.destroyUpgradeTimeout || 1000;
  const check = (req: IncomingMessage): boolean => (req.url ?? '').slice(0, path.length) === path;

  const listeners = server.listeners('request').slice(0) as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('close', () => target.onClose());
  server.on('listening', () => target.onListening());
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (check(req)) {
      target.handleRequest(req, res);
    } else {
      for (const l of listeners) l.call(server, req, res);
    }
  });
  if (target.servesUpgrades) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (check(req)) {
        target.handleUpgrade(req, socket, head);
      } else if (options.destroyUpgrade !== false) {
        socket.on('error', () => {});
        setTimeout(() => {
          if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten! <= 0) socket.end();
        }, destroyUpgradeTimeout);
      }
    });
  }
}
