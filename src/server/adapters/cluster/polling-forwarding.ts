/**
 * Long-polling without sticky sessions, over any bus of the cluster core: an HTTP long-polling request that reaches
 * a node which does not own its Engine.IO session (unknown `sid`) is published to every node; the owner claims it,
 * replays it on its own HTTP endpoint and answers with the response, which the first node writes back. Turned on
 * with the adapter option `pollingForwarding: true` (the main namespace's adapter carries it, once per server).
 *
 * ```ts
 * const io = new Server(httpServer, { adapter: createAdapter(pool, { pollingForwarding: true }) });
 * ```
 *
 * Messages are cluster messages of type {@link POLLING_FORWARD} (a number `socket.io-adapter` does not use, so
 * official nodes of a mixed cluster ignore them), with `data = { k, id, … }`: `k` is `req` and `abort` (to every
 * node), `ack` and `res` (to the requester, `to` naming it). Bodies cross as base64 strings (any bus carries them).
 *
 * Owns the forwarding of HTTP long-polling requests between nodes. Plugs into the engine through its public hook
 * for unknown sessions only. Must never import a bus client (Redis, pg, nats…), the server classes nor the engine's
 * implementation.
 */
import { request as httpRequest, Agent, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { createLogger } from '../../../util/logger.js';
import { randomId } from './messages.js';
import type { UnknownSidHandler } from '../../../engine/options.js';

const log = createLogger('socketeer:cluster:polling');

/** The message type of polling forwarding (outside `socket.io-adapter`'s 1–13: official nodes ignore it). */
export const POLLING_FORWARD = 1001;

/** Header marking a request replayed by the owner (never forwarded again). */
export const FORWARDED_HEADER = 'x-socketeer-forwarded';

/** Options of polling forwarding (the adapter option `pollingForwarding`, when an object). */
export interface PollingForwardingOptions {
  /** How long the owner of a session has to claim a forwarded request, in ms. Default 1000. */
  ownerTimeout?: number;
  /** Longest wait for the owner's response (a long-polling GET is held up to `pingInterval`), in ms. Default 60000. */
  responseTimeout?: number;
}

/** What the forwarding needs of its adapter: the server, and the two ways of sending on the bus. */
export interface PollingForwardingHost {
  /** The adapter's uid (the forwarding speaks as this node). */
  readonly uid: string;
  /** The server (read for its `engine`, `httpServer` and `path()`, once attached). */
  readonly server: unknown;
  /** Sends forwarding data to every node. */
  publish(data: ForwardData): void;
  /** Sends forwarding data to one node. */
  publishResponse(uid: string, data: ForwardData): void;
  /** Whether the bus answers now (while it does not, unknown sessions are answered at once). */
  isUp(): boolean;
}

/** The payload of a {@link POLLING_FORWARD} message. */
export interface ForwardData {
  k: 'req' | 'ack' | 'res' | 'abort';
  id: string;
  /** The requester (on `ack` and `res`). */
  to?: string;
  /** The requester (on `req`). */
  from?: string;
  sid?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  /** Base64. */
  body?: string;
  status?: number;
}

/** The parts of the engine the forwarding uses (its public API). */
interface EngineLike {
  readonly clients: ReadonlyMap<string, unknown>;
  readonly opts?: { readonly maxHttpBufferSize?: number };
  addUnknownSidHandler(handler: UnknownSidHandler): () => void;
}

interface ServerLike {
  readonly engine?: unknown;
  readonly httpServer?: unknown;
  path?(): string;
}

interface Waiting {
  res: ServerResponse;
  claimed: boolean;
  timer: NodeJS.Timeout;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function isEngine(value: unknown): value is EngineLike {
  const e = value as Partial<EngineLike> | null | undefined;
  return !!e && e.clients instanceof Map && typeof e.addUnknownSidHandler === 'function';
}

/** Writes the Engine.IO "unknown sid" error, as the engine does. */
function unknownSid(res: ServerResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code: 1, message: 'Session ID unknown' }));
}

function headerRecord(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/**
 * Forwards the unknown-sid polling requests of a server to their owner over the cluster bus, and replays those
 * forwarded to it. Made by the cluster core when the adapter option `pollingForwarding` is on.
 * @example
 * ```ts
 * const forwarding = new PollingForwarding({
 *   uid: adapter.uid, server: io,
 *   publish: (data) => adapter.publish({ type: POLLING_FORWARD, data }),
 *   publishResponse: (uid, data) => adapter.publishResponse(uid, { type: POLLING_FORWARD, data }),
 *   isUp: () => true,
 * });
 * forwarding.start();
 * ```
 */
export class PollingForwarding {
  private readonly ownerTimeout: number;
  private readonly responseTimeout: number;
  private readonly waiting = new Map<string, Waiting>();
  private readonly replaying = new Map<string, () => void>();
  private readonly agent = new Agent({ keepAlive: true });
  private engine: EngineLike | null = null;
  private removeHandler: (() => void) | null = null;
  private bindTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param host the adapter's uid, the server and the bus
   * @param opts timeouts
   * @example
   * ```ts
   * const forwarding = new PollingForwarding(host, { ownerTimeout: 2000 });
   * ```
   */
  constructor(private readonly host: PollingForwardingHost, opts: PollingForwardingOptions = {}) {
    this.ownerTimeout = opts.ownerTimeout ?? 1000;
    this.responseTimeout = opts.responseTimeout ?? 60_000;
  }

  /**
   * Hooks into the server's engine, now or once the server is attached to an HTTP server.
   * @example
   * ```ts
   * forwarding.start();   // in the adapter's init()
   * ```
   */
  start(): void {
    if (this.closed || this.bind()) return;
    // `new Server(httpServer, opts)` attaches its engine right after creating the main namespace: on the next turn
    setImmediate(() => {
      if (this.closed || this.bind()) return;
      this.bindTimer = setInterval(() => {
        if (this.bind()) clearInterval(this.bindTimer);
      }, 100);
      this.bindTimer.unref();
    });
  }

  private bind(): boolean {
    if (this.engine) return true;
    const engine = (this.host.server as ServerLike | null)?.engine;
    if (!isEngine(engine)) return false;
    this.engine = engine;
    this.removeHandler = engine.addUnknownSidHandler((req, res, sid) => this.intercept(req, res, sid));
    return true;
  }

  /**
   * Stops forwarding: removes the engine hook, answers the waiting requests "unknown sid", aborts the replays.
   * @example
   * ```ts
   * forwarding.close();   // in the adapter's close()
   * ```
   */
  close(): void {
    this.closed = true;
    clearInterval(this.bindTimer);
    this.removeHandler?.();
    this.removeHandler = null;
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(id);
      unknownSid(w.res);
    }
    for (const abort of [...this.replaying.values()]) abort();
    this.agent.destroy();
  }

  /** @returns true when the request is forwarded (the engine calls it for a polling request it does not own) */
  private intercept(req: IncomingMessage, res: ServerResponse, sid: string): boolean {
    if (this.closed || req.headers[FORWARDED_HEADER] !== undefined || !this.host.isUp()) return false;
    const maxBody = 2 * (this.engine?.opts?.maxHttpBufferSize ?? 1e6) + 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!res.writableEnded) this.forward(req, res, sid, Buffer.concat(chunks));
    });
    return true;
  }

  private forward(req: IncomingMessage, res: ServerResponse, sid: string, body: Buffer): void {
    const id = randomId();
    this.waiting.set(id, { res, claimed: false, timer: setTimeout(() => this.giveUp(id), this.ownerTimeout) });
    res.on('close', () => {
      const w = this.waiting.get(id);
      if (!w) return;
      clearTimeout(w.timer);
      this.waiting.delete(id);
      this.host.publish({ k: 'abort', id });
    });
    if (log.enabled) log('[%s] forwarding %s %s (sid %s)', this.host.uid, req.method, req.url, sid);
    this.host.publish({
      k: 'req', id, from: this.host.uid, sid, method: req.method, url: req.url,
      headers: headerRecord(req.headers), body: body.toString('base64'),
    });
  }

  /** No owner claimed the request (or it never answered): the session is unknown. */
  private giveUp(id: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (log.enabled) log('[%s] forwarded request %s %s', this.host.uid, id, w.claimed ? 'got no response' : 'was claimed by no node');
    unknownSid(w.res);
  }

  /**
   * Handles the data of a {@link POLLING_FORWARD} message of another node (the adapter calls it).
   * @param raw the decoded `data` (unchecked)
   * @example
   * ```ts
   * case POLLING_FORWARD: this.forwarding?.receive(message.data); return;
   * ```
   */
  receive(raw: unknown): void {
    if (this.closed || !raw || typeof raw !== 'object') return;
    const msg = raw as ForwardData;
    if (typeof msg.id !== 'string') return;
    switch (msg.k) {
      case 'req':
        if (typeof msg.sid === 'string' && typeof msg.from === 'string' && this.engine?.clients.has(msg.sid) && this.replayable(msg)) {
          this.replay(msg);
        }
        return;
      case 'abort':
        this.replaying.get(msg.id)?.();
        return;
      case 'ack':
      case 'res':
        if (msg.to === this.host.uid) this.onAnswer(msg);
        return;
      default:
    }
  }

  private onAnswer(msg: ForwardData): void {
    const w = this.waiting.get(msg.id);
    if (!w) return;
    if (msg.k === 'ack') {
      w.claimed = true;
      clearTimeout(w.timer);
      w.timer = setTimeout(() => this.giveUp(msg.id), this.responseTimeout);
      return;
    }
    clearTimeout(w.timer);
    this.waiting.delete(msg.id);
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(msg.headers ?? {})) if (!HOP_BY_HOP.has(k) && k !== 'content-length') headers[k] = v;
    const body = typeof msg.body === 'string' ? Buffer.from(msg.body, 'base64') : Buffer.alloc(0);
    headers['content-length'] = body.length;
    w.res.writeHead(typeof msg.status === 'number' ? msg.status : 502, headers);
    w.res.end(body);
  }

  /** Only a polling request of the claimed session, under the server's path, is ever replayed. */
  private replayable(msg: ForwardData): boolean {
    if (typeof msg.url !== 'string' || (msg.method !== 'GET' && msg.method !== 'POST' && msg.method !== 'OPTIONS')) return false;
    const q = msg.url.indexOf('?');
    if (q === -1) return false;
    const params = new URLSearchParams(msg.url.slice(q + 1));
    if (params.get('sid') !== msg.sid || params.get('transport') !== 'polling') return false;
    const server = this.host.server as ServerLike;
    const path = typeof server.path === 'function' ? server.path() : undefined;
    return typeof path !== 'string' || msg.url.startsWith(path.replace(/\/$/, '') + '/');
  }

  /** Owner side: replays a forwarded request on this server's own HTTP endpoint and sends the response back. */
  private replay(msg: ForwardData): void {
    const http = (this.host.server as ServerLike).httpServer as { address?: () => unknown } | undefined;
    const address = http?.address?.() as { port: number; address: string } | null | undefined;
    if (!address || typeof address !== 'object') return;
    const to = msg.from!;
    const id = msg.id;
    this.host.publishResponse(to, { k: 'ack', id, to });
    const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
    const body = typeof msg.body === 'string' ? Buffer.from(msg.body, 'base64') : Buffer.alloc(0);
    const headers: Record<string, string | string[]> = {
      ...(msg.headers && typeof msg.headers === 'object' ? msg.headers : {}), [FORWARDED_HEADER]: '1', 'content-length': String(body.length),
    };
    const req = httpRequest({ host, port: address.port, method: msg.method, path: msg.url, headers, agent: this.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        this.replaying.delete(id);
        this.host.publishResponse(to, {
          k: 'res', id, to, status: res.statusCode, headers: headerRecord(res.headers), body: Buffer.concat(chunks).toString('base64'),
        });
      });
    });
    req.on('error', (err) => {
      if (!this.replaying.delete(id)) return;
      log('[%s] replay of %s failed: %s', this.host.uid, id, err.message);
      this.host.publishResponse(to, { k: 'res', id, to, status: 502, headers: {}, body: '' });
    });
    this.replaying.set(id, () => {
      this.replaying.delete(id);
      req.destroy();
    });
    req.end(body);
  }
}
