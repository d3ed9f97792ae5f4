/**
 * Long-polling without sticky sessions: an HTTP long-polling request that reaches a server which does not own its
 * Engine.IO session (unknown `sid`) is forwarded through Redis to the server that owns it, which replays it on its
 * own HTTP endpoint and sends the response back. Sticky sessions remain the faster setup (no extra hops); see
 * `docs/scaling.md` for the design and its cost.
 *
 * ```ts
 * import { createAdapter, forwardPolling } from 'socketeer/redis';
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * forwardPolling(io, pubClient, subClient);
 * ```
 *
 * Channels: requests on `<key>-engine#` (every server receives them; the owner answers), answers on
 * `<key>-engine#<uid>#`. Messages are MessagePack maps `{ t, id, … }`.
 *
 * Owns the forwarding of HTTP long-polling requests. Plugs into the engine through its public hook for unknown
 * sessions only. Must never import the adapters, the server classes, nor the engine's implementation.
 */
import { request as httpRequest, Agent, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import { wrapClient, type RedisConnection } from './client.js';
import { log } from './base.js';
import { randomId } from './wire.js';
import type { UnknownSidHandler } from '../../../engine/options.js';

/** Header marking a request replayed by the owner (never forwarded again). */
export const FORWARDED_HEADER = 'x-socketeer-forwarded';

/** Options of {@link forwardPolling}. */
export interface PollingForwardOptions {
  /** Channel prefix. Default `socket.io`. */
  key?: string;
  /** How long to wait for the owner of a session to claim a forwarded request, in ms. Default 1000. */
  ownerTimeout?: number;
  /** Longest wait for the owner's response (a long-polling GET is held up to `pingInterval`), in ms. Default 60000. */
  responseTimeout?: number;
}

/** The parts of the engine the forwarder uses (its public API). */
interface EngineLike {
  readonly clients: ReadonlyMap<string, unknown>;
  readonly opts: { readonly maxHttpBufferSize?: number };
  /** The engine's hook for polling requests of sessions it does not know; returns a remover. */
  addUnknownSidHandler(handler: UnknownSidHandler): () => void;
}

interface Waiting {
  res: ServerResponse;
  claimed: boolean;
  timer: NodeJS.Timeout;
}

interface ForwardMessage {
  t: 'req' | 'ack' | 'res' | 'abort';
  id: string;
  from?: string;
  sid?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer;
  status?: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** Writes the Engine.IO "unknown sid" error, as the engine does. */
function unknownSid(res: ServerResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code: 1, message: 'Session ID unknown' }));
}

/** The `sid` and `transport` query parameters of a request URL. */
function sessionOf(url: string | undefined): { sid: string | null; transport: string | null } {
  const q = (url ?? '').indexOf('?');
  if (q === -1) return { sid: null, transport: null };
  const params = new URLSearchParams(url!.slice(q + 1));
  return { sid: params.get('sid'), transport: params.get('transport') };
}

/**
 * Makes the server forward the long-polling requests of sessions it does not own to their owner through Redis.
 * @param io - the Socketeer server (attached to an HTTP server)
 * @param pubClient - Redis client used to publish
 * @param subClient - Redis client used to subscribe (may be the adapter's)
 * @param opts - key and timeouts
 * @returns the forwarder (call `close()` to stop)
 * @example
 * ```ts
 * import { createAdapter, forwardPolling } from 'socketeer/redis';
 *
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * // behind a load balancer without sticky sessions: polling requests reaching this server for another's session
 * const forwarder = forwardPolling(io, pubClient, subClient);
 * ```
 */
export function forwardPolling(io: { engine: unknown; httpServer: unknown }, pubClient: unknown, subClient: unknown,
  opts: PollingForwardOptions = {}): PollingForwarder {
  return new PollingForwarder(io, wrapClient(pubClient), wrapClient(subClient), opts);
}

/**
 * Forwards unknown-sid polling requests to their owner, and serves those forwarded to this server.
 * @example
 * ```ts
 * const forwarder = forwardPolling(io, pubClient, subClient, { ownerTimeout: 500 });
 * // ... on shutdown
 * forwarder.close();
 * ```
 */
export class PollingForwarder {
  /** This server's id on the forwarding channels. */
  readonly uid = randomId(8);
  private readonly engine: EngineLike;
  private readonly requestChannel: string;
  private readonly replyChannel: string;
  private readonly ownerTimeout: number;
  private readonly responseTimeout: number;
  private readonly maxBody: number;
  private readonly waiting = new Map<string, Waiting>();
  private readonly replaying = new Map<string, () => void>();
  private readonly agent = new Agent({ keepAlive: true });
  private readonly removeUnknownSidHandler: () => void;
  private readonly onMessage = (channel: string, msg: Buffer): void => this.handle(channel, msg);
  private readonly unlisten: () => void;
  private subscribed = false;

  /**
   * @param io - the server
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param opts - options
   * @example
   * ```ts
   * // made by forwardPolling(), which wraps the Redis clients
   * const forwarder = new PollingForwarder(io, wrapClient(pubClient), wrapClient(subClient), { key: 'my-app' });
   * ```
   */
  constructor(private readonly io: { engine: unknown; httpServer: unknown }, private readonly pub: RedisConnection,
    private readonly sub: RedisConnection, opts: PollingForwardOptions = {}) {
    const engine = io.engine as EngineLike;
    if (!engine || !(engine.clients instanceof Map) || !engine.opts || typeof engine.opts !== 'object' ||
      typeof engine.addUnknownSidHandler !== 'function') {
      throw new TypeError('socketeer/redis: forwardPolling needs a server attached to an HTTP server');
    }
    this.engine = engine;
    const key = opts.key || 'socket.io';
    this.requestChannel = `${key}-engine#`;
    this.replyChannel = `${key}-engine#${this.uid}#`;
    this.ownerTimeout = opts.ownerTimeout ?? 1000;
    this.responseTimeout = opts.responseTimeout ?? 60000;
    this.maxBody = 2 * (engine.opts.maxHttpBufferSize ?? 1e6) + 1024;
    // the engine's extension point: polling requests for sessions it does not know, before it answers "unknown sid"
    this.removeUnknownSidHandler = engine.addUnknownSidHandler((req, res, sid) => this.intercept(req, res, sid));
    this.subscribe();
    // a subscription that failed (Redis unreachable for long) is made again once Redis is back
    this.unlisten = this.sub.onState((up) => {
      if (up && !this.subscribed) this.subscribe();
    });
  }

  private subscribe(): void {
    this.sub.subscribe([this.requestChannel, this.replyChannel], this.onMessage).then(() => {
      this.subscribed = true;
    }, (err: Error) => {
      log('[%s] polling forwarder could not subscribe: %s', this.uid, err.message);
      void this.sub.unsubscribe([this.requestChannel, this.replyChannel], this.onMessage).catch(() => {});
    });
  }

  /**
   * Stops forwarding (removes its handler from the engine).
   * @example
   * ```ts
   * const forwarder = forwardPolling(io, pubClient, subClient);
   * // on shutdown
   * forwarder.close();
   * await io.close();
   * ```
   */
  close(): void {
    this.unlisten();
    this.removeUnknownSidHandler();
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      unknownSid(w.res);
      this.waiting.delete(id);
    }
    for (const abort of this.replaying.values()) abort();
    this.agent.destroy();
    void this.sub.unsubscribe([this.requestChannel, this.replyChannel], this.onMessage).catch(() => {});
  }

  private send(channel: string, message: ForwardMessage): void {
    if (!this.pub.up) return;
    this.pub.publish(channel, msgpackEncode(message)).catch((err: Error) => log('[%s] forward publish failed: %s', this.uid, err.message));
  }

  /** @returns true when the request is forwarded (called by the engine for a polling request with an sid it does not own) */
  private intercept(req: IncomingMessage, res: ServerResponse, sid: string): boolean {
    if (req.headers[FORWARDED_HEADER] !== undefined) return false;
    if (!this.pub.up) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBody) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      this.forward(req, res, sid, Buffer.concat(chunks));
    });
    return true;
  }

  private forward(req: IncomingMessage, res: ServerResponse, sid: string, body: Buffer): void {
    const id = randomId(12);
    const waiting: Waiting = {
      res,
      claimed: false,
      timer: setTimeout(() => this.giveUp(id), this.ownerTimeout),
    };
    this.waiting.set(id, waiting);
    res.on('close', () => {
      if (!this.waiting.has(id)) return;
      clearTimeout(this.waiting.get(id)!.timer);
      this.waiting.delete(id);
      this.send(this.requestChannel, { t: 'abort', id });
    });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    if (log.enabled) log('[%s] forwarding %s %s (sid %s)', this.uid, req.method, req.url, sid);
    this.send(this.requestChannel, { t: 'req', id, from: this.uid, sid, method: req.method, url: req.url, headers, body });
  }

  /** No owner claimed the request (or it never answered): the session is unknown. */
  private giveUp(id: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (log.enabled) log('[%s] forwarded request %s %s', this.uid, id, w.claimed ? 'got no response' : 'was claimed by no server');
    unknownSid(w.res);
  }

  private handle(channel: string, raw: Buffer): void {
    let msg: ForwardMessage;
    try {
      msg = msgpackDecode(raw) as ForwardMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg.id !== 'string') return;
    if (channel === this.replyChannel) {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      if (msg.t === 'ack') {
        w.claimed = true;
        clearTimeout(w.timer);
        w.timer = setTimeout(() => this.giveUp(msg.id), this.responseTimeout);
      } else if (msg.t === 'res') {
        clearTimeout(w.timer);
        this.waiting.delete(msg.id);
        const headers: OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(msg.headers ?? {})) if (!HOP_BY_HOP.has(k) && k !== 'content-length') headers[k] = v;
        const body = msg.body ? Buffer.from(msg.body) : Buffer.alloc(0);
        headers['content-length'] = body.length;
        w.res.writeHead(msg.status ?? 502, headers);
        w.res.end(body);
      }
      return;
    }
    if (msg.t === 'req' && typeof msg.sid === 'string' && this.engine.clients.has(msg.sid) && this.replayable(msg)) this.replay(msg);
    else if (msg.t === 'abort') this.replaying.get(msg.id)?.();
  }

  /** Only a polling request of the claimed session, under the engine's path, is ever replayed. */
  private replayable(msg: ForwardMessage): boolean {
    if (typeof msg.url !== 'string' || (msg.method !== 'GET' && msg.method !== 'POST' && msg.method !== 'OPTIONS')) return false;
    const { sid, transport } = sessionOf(msg.url);
    if (sid !== msg.sid || transport !== 'polling') return false;
    const path = (this.io as { path?: () => string }).path?.();
    return typeof path !== 'string' || msg.url.startsWith(path.replace(/\/$/, '') + '/');
  }

  /** Owner side: replays a forwarded request on this server's own HTTP endpoint and sends the response back. */
  private replay(msg: ForwardMessage): void {
    const address = (this.io.httpServer as { address?: () => unknown })?.address?.() as { port: number; address: string } | null;
    if (!address || typeof address !== 'object') return;
    const replyTo = `${this.requestChannel}${msg.from}#`;
    this.send(replyTo, { t: 'ack', id: msg.id });
    const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
    const headers: Record<string, string | string[]> = { ...msg.headers, [FORWARDED_HEADER]: '1' };
    const body = msg.body ? Buffer.from(msg.body) : Buffer.alloc(0);
    headers['content-length'] = String(body.length);
    const req = httpRequest({ host, port: address.port, method: msg.method, path: msg.url, headers, agent: this.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        this.replaying.delete(msg.id);
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
        this.send(replyTo, { t: 'res', id: msg.id, status: res.statusCode, headers: out, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', (err) => {
      this.replaying.delete(msg.id);
      log('[%s] replay of %s failed: %s', this.uid, msg.id, err.message);
      this.send(replyTo, { t: 'res', id: msg.id, status: 502, headers: {}, body: Buffer.alloc(0) });
    });
    this.replaying.set(msg.id, () => {
      this.replaying.delete(msg.id);
      req.destroy();
    });
    req.end(body);
  }
}
