/**
 * Raw-protocol helpers for the engine suites: a server on an ephemeral port, plain HTTP
 * requests, and WebSocket clients with a message queue.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import WebSocket from 'ws';
import { EngineServer } from '../../src/engine/server.js';
import type { EngineOptions } from '../../src/engine/options.js';
import type { EngineSocket } from '../../src/engine/socket.js';

export interface Harness {
  engine: EngineServer;
  http: Server;
  port: number;
  /** `/engine.io/?EIO=4&transport=…` + extra query */
  path(query: string): string;
  close(): Promise<void>;
}

/**
 * Starts an engine on 127.0.0.1:0.
 * @param opts engine options
 * @param attach attach options
 */
export async function startEngine(opts: EngineOptions = {}, attach: Parameters<EngineServer['attach']>[1] = {}): Promise<Harness> {
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end('not found');
  });
  const engine = new EngineServer(opts);
  engine.attach(http, attach);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const base = (attach.path ?? '/engine.io').replace(/\/$/, '') + '/';
  return {
    engine,
    http,
    port,
    path: (query) => base + '?' + query,
    close: async () => {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

/**
 * Sends one HTTP request (own connection) and collects the whole response.
 * @param port server port
 * @param method HTTP method
 * @param path request path with query
 * @param body optional body
 * @param headers optional headers
 */
export function req(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    if (body !== undefined) r.end(body);
    else r.end();
  });
}

/** Opens a polling session; returns the sid and the open packet. */
export async function openPolling(h: Harness, extra = ''): Promise<{ sid: string; open: Record<string, unknown> }> {
  const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling' + extra));
  if (res.status !== 200 || res.text[0] !== '0') throw new Error('handshake failed: ' + res.status + ' ' + res.text);
  const open = JSON.parse(res.text.slice(1)) as Record<string, unknown>;
  return { sid: open.sid as string, open };
}

/** A WebSocket client collecting frames. */
export class WsClient {
  readonly ws: WebSocket;
  private readonly queue: Array<string | Buffer> = [];
  private waiters: Array<(m: string | Buffer) => void> = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, opts?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const m = isBinary ? data : data.toString();
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Resolves when the socket is open. */
  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await once(this.ws, 'open');
  }

  /** Next frame (text as string, binary as Buffer). */
  next(timeoutMs = 2000): Promise<string | Buffer> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error('timeout waiting for a frame'));
      }, timeoutMs);
      const done = (x: string | Buffer): void => {
        clearTimeout(t);
        resolve(x);
      };
      this.waiters.push(done);
    });
  }

  /** Frames received and not yet read. */
  pending(): number {
    return this.queue.length;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * WebSocket URL of the harness.
 * @param h harness
 * @param query query string
 */
export function wsUrl(h: Harness, query: string): string {
  return `ws://127.0.0.1:${h.port}${h.path(query)}`;
}

/** Resolves with the next `connection` of the engine. */
export function nextConnection(engine: EngineServer): Promise<EngineSocket> {
  return new Promise((resolve) => engine.once('connection', resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes raw bytes on a new TCP connection and collects everything until the server closes
 * it (or `timeoutMs` passes).
 * @param port server port
 * @param text request bytes
 * @param timeoutMs give up after this long
 */
export function rawExchange(port: number, text: string | Buffer, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(text));
    let buf = '';
    const t = setTimeout(() => s.destroy(), timeoutMs);
    s.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    s.on('close', () => {
      clearTimeout(t);
      resolve(buf);
    });
    s.on('error', () => {});
  });
}

/** Headers of a valid WebSocket upgrade request (without the final blank line). */
export function upgradeRequest(path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`
  );
}
