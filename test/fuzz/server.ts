/**
 * Fuzzing a live server: random and mutated input sent over WebSocket and HTTP long-polling (Engine.IO v4 and
 * v3) to a Socketeer server in this process, whose handlers echo every event through its ack.
 *
 * For every input: no `uncaughtException` / `unhandledRejection`, the exchange ends within a bound (no hang),
 * every HTTP answer is a defined one (200, or 400 with an Engine.IO error body; never 5xx), and
 * `Object.prototype` is unchanged. Every few inputs, a fresh client must still get its echo back.
 */
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import WebSocket from 'ws';
import { Server } from '../../src/server/index.js';
import { anyString, assertPrototypeIntact, bytes, enginePacket, mutate, socketChunks } from './codecs.js';
import { encodePayload } from '../../src/protocol/engine-packet.js';
import { encodePayloadV3 } from '../../src/protocol/engine-v3.js';

export type ServerInput =
  | { transport: 'websocket'; eio: 3 | 4; connect: boolean; frames: Array<string | Buffer> }
  | { transport: 'polling'; eio: 3 | 4; connect: boolean; body: string | Buffer };

/** Socket.IO chunks as Engine.IO messages: text behind `4`, attachments as binary frames. */
const messageFrames = socketChunks.map((chunks) => chunks.map((c) => (typeof c === 'string' ? '4' + c : c)));
const wsFrames = fc.oneof(
  { weight: 3, arbitrary: messageFrames },
  { weight: 1, arbitrary: fc.array(fc.oneof(anyString, bytes), { minLength: 1, maxLength: 4 }) },
);

const v4Body = fc.oneof(
  messageFrames.map((frames) => frames.map((f) => (typeof f === 'string' ? f : 'b' + f.toString('base64'))).join('\x1e')),
  mutate(fc.array(enginePacket, { minLength: 1, maxLength: 4 }).map((ps) => encodePayload(ps))),
  anyString,
);
const v3Body = fc.oneof(
  messageFrames.map((frames) => {
    const packets = frames.map((f) => (typeof f === 'string' ? { type: 'message' as const, data: f.slice(1) } : { type: 'message' as const, data: f }));
    return encodePayloadV3(packets, false) as string;
  }),
  messageFrames.map((frames) => {
    const packets = frames.map((f) => (typeof f === 'string' ? { type: 'message' as const, data: f.slice(1) } : { type: 'message' as const, data: f }));
    return Buffer.from(encodePayloadV3(packets, true));
  }),
  mutate(fc.array(enginePacket, { minLength: 1, maxLength: 4 }).map((ps) => encodePayloadV3(ps, false) as string)),
  anyString,
  bytes,
);

export const serverInput: fc.Arbitrary<ServerInput> = fc.oneof(
  fc.record({ transport: fc.constant('websocket' as const), eio: fc.constantFrom(3 as const, 4 as const), connect: fc.boolean(), frames: wsFrames }),
  fc.record({ transport: fc.constant('polling' as const), eio: fc.constant(4 as const), connect: fc.boolean(), body: v4Body }),
  fc.record({ transport: fc.constant('polling' as const), eio: fc.constant(3 as const), connect: fc.boolean(), body: v3Body }),
).map((r) => ({ ...r }) as ServerInput);

/** Ms an input may take end to end before it counts as a hang (generous: the machine may be loaded). */
const INPUT_BOUND_MS = 15_000;

export interface FuzzServer {
  port: number;
  /** Sends one input; throws on a failure. */
  run(input: ServerInput): Promise<void>;
  /** A fresh client connects and gets its echo back. */
  healthCheck(): Promise<void>;
  /** Errors the process reported while fuzzing (uncaught exceptions, unhandled rejections). */
  failures: unknown[];
  close(): Promise<void>;
}

interface HttpAnswer {
  status: number;
  body: string;
}

function withBound<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${what} took more than ${INPUT_BOUND_MS} ms`)), INPUT_BOUND_MS);
    }),
  ]);
}

/** Starts the server under fuzz. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const failures: unknown[] = [];
  const onFailure = (err: unknown) => failures.push(err);
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  const http: HttpServer = createServer();
  const io = new Server(http, { pingInterval: 1000, pingTimeout: 1000, allowEIO3: true, connectTimeout: 2000 });
  const echo = (socket: any) => {
    socket.onAny((...args: unknown[]) => {
      const cb = args[args.length - 1];
      if (typeof cb === 'function') cb(...args.slice(1, -1));
    });
  };
  io.on('connection', echo);
  io.of('/admin').on('connection', echo);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  function httpCall(method: string, eio: 3 | 4, query: string, body?: string | Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) {
        headers['content-type'] = typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/octet-stream';
      }
      const req = request(
        { host: '127.0.0.1', port, method, agent, path: `/socket.io/?EIO=${eio}&transport=polling${query}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function checkAnswer(a: HttpAnswer, what: string): void {
    assert.ok(a.status === 200 || a.status === 400, `${what}: HTTP ${a.status} ${a.body.slice(0, 200)}`);
    if (a.status === 400) assert.match(a.body, /"code":\d+/, `${what}: 400 without an Engine.IO error body`);
  }

  async function runPolling(input: Extract<ServerInput, { transport: 'polling' }>): Promise<void> {
    const open = await httpCall('GET', input.eio, '');
    assert.equal(open.status, 200, 'handshake');
    const sid = /"sid":"([^"]+)"/.exec(open.body)?.[1];
    assert.ok(sid, 'handshake without sid: ' + open.body.slice(0, 100));
    const q = '&sid=' + encodeURIComponent(sid);
    if (input.connect) {
      checkAnswer(await httpCall('POST', input.eio, q, input.eio === 4 ? '40' : '2:40'), 'CONNECT');
      checkAnswer(await httpCall('GET', input.eio, q), 'GET after CONNECT');
    }
    const answer = await httpCall('POST', input.eio, q, input.body);
    checkAnswer(answer, 'POST of the input');
    // close the session if it is still open
    await httpCall('POST', input.eio, q, input.eio === 4 ? '1' : '1:1');
  }

  async function runWebSocket(input: Extract<ServerInput, { transport: 'websocket' }>): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=${input.eio}&transport=websocket`);
    let isClosed = false;
    const closed = once(ws, 'close').then(() => {
      isClosed = true;
    });
    let last = Date.now();
    const received: string[] = [];
    ws.on('message', (data, isBinary) => {
      last = Date.now();
      if (isBinary) return;
      const msg = data.toString();
      if (msg === '2') ws.send('3');
      received.push(msg);
    });
    ws.on('error', () => {});
    // resolves once a matching message was received, or the connection closed
    const next = async (match: (m: string) => boolean) => {
      while (!isClosed && !received.some(match)) await new Promise((r) => setTimeout(r, 2));
    };
    await next((m) => m.startsWith('0'));
    if (input.connect && !isClosed) {
      ws.send('40');
      await next((m) => m.startsWith('40') || m.startsWith('44'));
    }
    for (const f of input.frames) if (ws.readyState === WebSocket.OPEN) ws.send(f);
    // wait for the close, or 30 ms without traffic
    const start = Date.now();
    last = Date.now();
    while (!isClosed && Date.now() - last < 30 && Date.now() - start < INPUT_BOUND_MS) await new Promise((r) => setTimeout(r, 5));
    ws.terminate();
    await closed;
  }

  async function healthCheck(): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    const got: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        const msg = d.toString();
        got.push(msg);
        if (msg.startsWith('0{')) ws.send('40');
        else if (msg.startsWith('40')) ws.send('427["health",{"ok":true}]');
        else if (msg.startsWith('43')) {
          try {
            assert.equal(msg, '437[{"ok":true}]');
            resolve();
          } catch (e) {
            reject(e);
          }
        }
      });
      ws.on('error', reject);
    });
    try {
      await withBound(done, 'health check');
    } finally {
      ws.terminate();
    }
  }

  return {
    port,
    failures,
    healthCheck,
    async run(input) {
      await withBound(input.transport === 'polling' ? runPolling(input) : runWebSocket(input), `${input.transport} input`);
      assertPrototypeIntact();
      if (failures.length > 0) throw failures[0];
    },
    async close() {
      process.off('uncaughtException', onFailure);
      process.off('unhandledRejection', onFailure);
      agent.destroy();
      await io.close();
      http.closeAllConnections();
    },
  };
}

/**
 * Sends `count` generated inputs, `concurrency` at a time.
 * @returns the number of inputs sent
 */
export async function fuzzServer(fuzz: FuzzServer, count: number, seed: number, concurrency = 8, healthEvery = 200): Promise<number> {
  const inputs = fc.sample(serverInput, { numRuns: count, seed });
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      const input = inputs[i]!;
      try {
        await fuzz.run(input);
      } catch (err) {
        throw new Error(`server fuzz input #${i} (seed ${seed}) failed: ${(err as Error).message}\n${JSON.stringify(input, replacer)}`, { cause: err });
      }
      sent++;
      if (sent % healthEvery === 0) await fuzz.healthCheck();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await fuzz.healthCheck();
  return sent;
}

function replacer(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return 'hex:' + Buffer.from((value as { data: number[] }).data).toString('hex');
  return value;
}
