/**
 * The contract between the Socket.IO layer and the Engine.IO transport layer underneath, and the factory that
 * attaches an Engine.IO server to an HTTP server. Typed structurally, so that any compatible engine can be bound
 * with `io.bind(engine)`.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { EngineServer, type AttachOptions } from '../engine/server.js';
import type { EngineOptions } from '../engine/options.js';

/** Options of one `send`, as accepted by the engine. */
export interface EngineSendOptions {
  /** Whether the transport may compress this message. */
  compress?: boolean;
  /** A plain object created once per broadcast packet part, so the websocket transport frames it once. */
  shared?: object;
}

/** One Engine.IO connection (session), as the Socket.IO layer sees it. */
export interface EngineConnection extends EventEmitter {
  readonly id: string;
  /** The HTTP request that opened the session. */
  readonly request: IncomingMessage;
  readonly remoteAddress: string;
  /** Engine.IO protocol revision: 3 or 4. */
  readonly protocol: number;
  readonly readyState: string;
  readonly transport: { readonly name: string; readonly writable: boolean };
  send(data: string | Uint8Array, options?: EngineSendOptions, callback?: () => void): unknown;
  close(discard?: boolean): unknown;
}

/** An Engine.IO server, as the Socket.IO layer sees it. */
export interface EngineLike extends EventEmitter {
  close(): unknown;
}

export type { AttachOptions, EngineOptions };

/** Options of `attachEngine`. */
export type EngineAttachOptions = EngineOptions & AttachOptions & Record<string, any>;

/**
 * Creates an Engine.IO server and attaches it to an HTTP server.
 * @param httpServer the HTTP server
 * @param opts engine and attach options
 * @returns the engine
 */
export function attachEngine(httpServer: HttpServer, opts: EngineAttachOptions): EngineServer {
  const engine = new EngineServer(opts);
  engine.attach(httpServer, opts);
  return engine;
}

// the engine's session satisfies the contract above
type EngineSocketFits = import('../engine/socket.js').EngineSocket extends EngineConnection ? true : never;
const engineSocketFits: EngineSocketFits = true;
void engineSocketFits;
