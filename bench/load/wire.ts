/**
 * Minimal load-generator clients speaking the Engine.IO 4 / Socket.IO 5 wire protocol directly
 * (no client library, so the client is cheap): a WebSocket connection that performs the
 * websocket-only handshake and answers pings, and polling helpers over keep-alive HTTP.
 * For the plain `ws` targets the same event strings are exchanged without any handshake.
 */
import { Agent, request, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** `sio`: Engine.IO/Socket.IO server; `ws`: plain WebSocket server speaking the same event strings. */
export type TargetKind = 'sio' | 'ws';

/** Where a scenario sends its load. */
export interface TargetAddress {
  name: string;
  kind: TargetKind;
  port: number;
  /** every node's port when the target is several servers sharing a Redis adapter (`port` is the first) */
  ports?: number[];
}

/** Raw WebSocket with its TCP socket (a private field of `ws`). */
type RawWebSocket = WebSocket & { _socket: Socket };

/** Parsed Engine.IO open packet. */
export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload?: number;
}

function uncork(conn: Conn): void {
  conn.corked = false;
  (conn.ws as RawWebSocket)._socket.uncork();
}

/**
 * One WebSocket connection of the load generator. Text frames other than Engine.IO control
 * packets are handed to `onFrame` as received (`42[…]`, `43…`).
 */
export class Conn {
  /** Called with each Socket.IO message frame (the whole frame, e.g. `42["echo",…]`). */
  onFrame: (frame: string) => void = () => {};
  /** Called once when the connection closes or fails after having opened. */
  onClose: (code: number) => void = () => {};
  /** Engine.IO session id (`sio` targets only). */
  sid = '';
  /** Socket.IO id from the CONNECT reply (`sio` targets only). */
  socketId = '';
  /** True while writes of the current tick are corked. */
  corked = false;
  closed = false;

  constructor(readonly ws: WebSocket, readonly kind: TargetKind) {}

  /** Sends one frame; frames sent within one tick leave in one write. */
  send(frame: string): void {
    if (!this.corked) {
      this.corked = true;
      (this.ws as RawWebSocket)._socket.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(frame);
  }

  /** Closes the WebSocket and resolves once it is closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/**
 * Opens a WebSocket connection to a target; for `sio` targets performs the websocket-only
 * Engine.IO handshake and the Socket.IO CONNECT to the main namespace.
 * @param target where to connect
 * @param timeoutMs fail if not connected within this time
 * @returns the connection, after `40{"sid":…}` (sio) or the WebSocket open (ws)
 */
export function connect(target: TargetAddress, timeoutMs = 10000): Promise<Conn> {
  const url =
    target.kind === 'sio'
      ? `ws://127.0.0.1:${target.port}/socket.io/?EIO=4&transport=websocket`
      : `ws://127.0.0.1:${target.port}/`;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const conn = new Conn(ws, target.kind);
  return new Promise((resolve, reject) => {
    let state = target.kind === 'sio' ? 0 : 2; // 0 awaiting open packet, 1 awaiting CONNECT reply, 2 connected
    const timer = setTimeout(() => fail(new Error(`${target.name}: connect timed out (state ${state})`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    }
    ws.on('error', (err) => {
      if (state !== 3) fail(new Error(`${target.name}: ${err.message}`));
    });
    ws.on('close', (code) => {
      conn.closed = true;
      if (state === 3) conn.onClose(code);
      else fail(new Error(`${target.name}: closed (${code}) during handshake`));
    });
    ws.on('open', () => {
      if (state === 2) {
        state = 3;
        clearTimeout(timer);
        resolve(conn);
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const frame = data.toString();
      if (state === 3) {
        if (conn.kind === 'sio' && frame.length === 1) {
          if (frame === '2') conn.send('3');
          return;
        }
        conn.onFrame(frame);
      } else if (state === 0) {
        if (frame.charCodeAt(0) !== 0x30) return fail(new Error(`${target.name}: expected open packet, got ${frame.slice(0, 40)}`));
        const open = JSON.parse(frame.slice(1)) as OpenPacket;
        if (typeof open.sid !== 'string' || !Array.isArray(open.upgrades) || open.upgrades.length !== 0) {
          return fail(new Error(`${target.name}: bad websocket open packet ${frame}`));
        }
        conn.sid = open.sid;
        state = 1;
        ws.send('40');
      } else if (state === 1) {
        if (frame === '2') return void ws.send('3');
        if (!frame.startsWith('40{')) return fail(new Error(`${target.name}: expected CONNECT reply, got ${frame.slice(0, 40)}`));
        const reply = JSON.parse(frame.slice(2)) as { sid?: unknown };
        if (typeof reply.sid !== 'string') return fail(new Error(`${target.name}: CONNECT reply without sid: ${frame}`));
        conn.socketId = reply.sid;
        state = 3;
        clearTimeout(timer);
        resolve(conn);
      }
    });
  });
}

/**
 * Opens many connections with bounded concurrency.
 * @param count number of connections
 * @param concurrency handshakes in progress at once
 */
export async function connectMany(target: TargetAddress, count: number, concurrency: number): Promise<Conn[]> {
  const conns: Conn[] = new Array(count);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      conns[i] = await connect(target);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (err) {
    await closeAll(conns.filter(Boolean));
    throw err;
  }
  return conns;
}

/** Closes connections (all at once) and waits until every one is closed. */
export async function closeAll(conns: Conn[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close()));
}

/** Reply of one HTTP request. */
export interface HttpReply {
  status: number;
  body: string;
}

/**
 * Keep-alive HTTP agent for polling clients.
 * @param density for the density scenario's load processes: every idle connection is kept for the next request, as
 *   a browser keeps its connections to a server (with Node's default of 256 idle connections per server, a load
 *   process holding thousands of polling clients closed and reopened most of their connections at every
 *   broadcast), from the loopback address `density.localAddress`
 */
export function pollingAgent(density?: { localAddress: string }): Agent {
  if (density === undefined) return new Agent({ keepAlive: true, maxSockets: Infinity });
  return new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity, localAddress: density.localAddress });
}

/**
 * One HTTP request to a target's Engine.IO endpoint.
 * @param query query string after `/socket.io/?`
 * @param body POST body (text/plain), or undefined for GET
 * @param retried whether this is the second try of a request reset on a reused connection
 * @param observe called with the request (and with its second try), for diagnostics
 */
export function httpRequest(agent: Agent, port: number, query: string, body?: string, retried = false, observe?: (req: ClientRequest) => void): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> =
      body === undefined
        ? { accept: '*/*' }
        : { 'content-type': 'text/plain;charset=UTF-8', accept: '*/*', 'content-length': Buffer.byteLength(body) };
    const req = request(
      // the second try goes on a connection of its own: the agent's other idle connections may be closing too
      {
        host: '127.0.0.1',
        port,
        ...(retried ? { agent: false, localAddress: (agent as Agent & { options: { localAddress?: string } }).options.localAddress } : { agent }),
        method: body === undefined ? 'GET' : 'POST',
        path: `/socket.io/?${query}`,
        headers,
      },
      (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // a kept-alive connection the server closed (its keep-alive timeout) just as it was reused: the request never
      // reached the server, so it is sent once more on a fresh connection, as browsers do (under heavy load the
      // window is wide: at 100,000 connections several idle ones may be closing at once)
      if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up')) {
        httpRequest(agent, port, query, body, true, observe).then(resolve, reject);
      } else {
        err.message = `${body === undefined ? 'GET' : 'POST'}${retried ? ' (second try)' : req.reusedSocket ? ' (reused connection)' : ''}: ${err.message}`;
        reject(err);
      }
    });
    observe?.(req);
    req.end(body);
  });
}

let cacheBuster = 0;

/** A fresh `t` query value, as the reference client adds to every polling request. */
export function timestamp(): string {
  return (cacheBuster++).toString(36);
}

/**
 * Opens an Engine.IO polling session and joins the main namespace.
 * @returns the Engine.IO sid and any packets that arrived with the CONNECT reply after it
 */
export async function pollingConnect(agent: Agent, target: TargetAddress): Promise<{ sid: string; open: OpenPacket; extra: string[] }> {
  const hs = await httpRequest(agent, target.port, `EIO=4&transport=polling&t=${timestamp()}`);
  if (hs.status !== 200 || hs.body.charCodeAt(0) !== 0x30) throw new Error(`${target.name}: polling handshake failed: ${hs.status} ${hs.body.slice(0, 80)}`);
  const open = JSON.parse(hs.body.slice(1)) as OpenPacket;
  if (typeof open.sid !== 'string' || open.upgrades[0] !== 'websocket') throw new Error(`${target.name}: bad polling open packet ${hs.body}`);
  const sid = open.sid;
  const post = await httpRequest(agent, target.port, `EIO=4&transport=polling&t=${timestamp()}&sid=${sid}`, '40');
  if (post.status !== 200 || post.body !== 'ok') throw new Error(`${target.name}: CONNECT POST failed: ${post.status} ${post.body}`);
  const extra: string[] = [];
  for (;;) {
    const get = await httpRequest(agent, target.port, `EIO=4&transport=polling&t=${timestamp()}&sid=${sid}`);
    if (get.status !== 200) throw new Error(`${target.name}: GET after CONNECT failed: ${get.status} ${get.body}`);
    const packets = get.body.split('\x1e');
    const i = packets.findIndex((p) => p.startsWith('40{'));
    if (i === -1) {
      if (packets.some((p) => p !== '6' && p !== '2')) throw new Error(`${target.name}: expected CONNECT reply, got ${get.body.slice(0, 80)}`);
      continue;
    }
    const reply = JSON.parse(packets[i].slice(2)) as { sid?: unknown };
    if (typeof reply.sid !== 'string') throw new Error(`${target.name}: CONNECT reply without sid: ${packets[i]}`);
    extra.push(...packets.slice(i + 1));
    return { sid, open, extra };
  }
}
