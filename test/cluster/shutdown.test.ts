// Graceful shutdown (`io.shutdown()`): a server leaves a Redis cluster and its clients resume on another server
// with `socket.recovered === true` and every broadcast once, in order; new handshakes get 503 while it drains; the
// bound is respected. Two Socketeer servers in this process share a private redis-server; the clients reach them
// through a TCP proxy whose target is switched before the shutdown (as a load balancer takes a node out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server as HttpServer } from 'node:http';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { Redis } from 'ioredis';
import { io as officialIo, type Socket as OfficialSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Server } from '../../src/server/index.js';
import { createAdapter } from '../../src/server/adapters/redis/index.js';
import { io as ourIo } from '../../src/client/index.js';
import { privateRedis } from './redis.js';
import { SwitchProxy } from './proxy.js';
import { waitFor, sleep, waitForServerCount } from './cluster.js';

const redis = privateRedis();
const cleanups = redis.cleanups;

interface Node {
  io: Server;
  http: HttpServer;
  port: number;
}

/** A Socketeer server on a free port, Redis adapter with connection state recovery. */
async function startNode(key: string, opts: Record<string, unknown> = {}): Promise<Node> {
  const pub = new Redis(redis.server.port, '127.0.0.1', { maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  const http = createServer();
  const io = new Server(http, {
    adapter: createAdapter(pub, sub, { key }),
    connectionStateRecovery: { maxDisconnectionDuration: 30000 },
    pingInterval: 2000,
    pingTimeout: 5000,
    ...opts,
  });
  io.on('connection', (socket) => {
    socket.join('ticks');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  await sub.ping();
  await pub.ping();
  cleanups.push(async () => {
    await io.close();
    pub.disconnect();
    sub.disconnect();
  });
  return { io, http, port: (http.address() as { port: number }).port };
}

/** Two nodes seeing each other through Redis. */
async function startPair(key: string): Promise<[Node, Node]> {
  const a = await startNode(key);
  const b = await startNode(key);
  await waitForServerCount([a.io, b.io], 2);
  return [a, b];
}

/** Broadcasts `tick` n = 1, 2, … from a node every `ms` until stopped; returns the last number sent. */
function ticker(node: Node, ms: number): { stop(): number } {
  let n = 0;
  const timer = setInterval(() => node.io.to('ticks').emit('tick', ++n), ms);
  return {
    stop() {
      clearInterval(timer);
      return n;
    },
  };
}

type AnyClient = OfficialSocket | ReturnType<typeof ourIo>;

// `switchFirst`: the load balancer takes the server out before its shutdown (WebSocket); otherwise it still routes
// to it during the shutdown (long-polling requests of the session reach it; the client's first attempts to
// reconnect get 503) and only routes elsewhere once the server stopped listening
const clients: Array<[string, boolean, (url: string) => AnyClient]> = [
  ['socket.io-client', true, (url) => officialIo(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 })],
  ['socket.io-client (long-polling)', false, (url) => officialIo(url, { transports: ['polling'], reconnectionDelay: 100, reconnectionDelayMax: 500 })],
  ['socketeer client', true, (url) => ourIo(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 }) as AnyClient],
  ['socketeer client (long-polling)', false, (url) => ourIo(url, { transports: ['polling'], reconnectionDelay: 100, reconnectionDelayMax: 500 }) as AnyClient],
];

for (const [name, switchFirst, make] of clients) {
  test(`${name}: after io.shutdown() of its server, resumes on the other with recovered === true and every broadcast once`, async () => {
    const [a, b] = await startPair(`shutdown-${name.replace(/\W+/g, '-')}`);
    const proxy = await SwitchProxy.start(a.port);
    cleanups.push(() => proxy.close());
    const client = make(proxy.url);
    cleanups.push(() => client.close());
    const got: number[] = [];
    const reasons: string[] = [];
    client.on('tick', (n: number) => got.push(n));
    client.on('disconnect', (reason: string) => reasons.push(reason));
    await waitFor(() => client.connected, 5000, 'connect');
    assert.equal(a.io.engine.clientsCount, 1);
    const id = client.id;
    // B broadcasts: A's clients get the ticks through Redis
    const tick = ticker(b, 20);
    cleanups.push(() => tick.stop());
    await waitFor(() => got.length >= 10, 5000, 'first ticks');
    // A shuts down while B keeps broadcasting
    if (switchFirst) proxy.target = b.port;
    await a.io.shutdown({ timeout: 5000 });
    proxy.target = b.port;
    assert.equal(a.io.engine.clientsCount, 0);
    assert.equal(a.http.listening, false);
    await waitFor(() => client.connected && b.io.engine.clientsCount === 1, 10000, 'reconnect to B');
    await sleep(300);
    const last = tick.stop();
    await waitFor(() => got.length >= last, 5000, 'all ticks').catch(() => {});
    await sleep(100);
    assert.equal(reasons[0], 'transport close');
    assert.equal(client.recovered, true);
    assert.equal(client.id, id);
    assert.deepEqual(got, Array.from({ length: last }, (_, i) => i + 1));
  });
}

test('during the shutdown new handshakes get 503 (polling and WebSocket), and the bound is respected', async () => {
  const [a] = await startPair('shutdown-503');
  // a WebSocket client that never answers the close frame keeps the shutdown waiting until its bound
  const stuck = await rawWebSocket(a.port);
  await waitFor(() => a.io.engine.clientsCount === 1, 5000, 'raw session');
  const t0 = Date.now();
  const done = a.io.shutdown({ timeout: 1500 });
  assert.equal(a.io.draining, true);
  await sleep(100);
  const polling = await get(a.port, '/socket.io/?EIO=4&transport=polling');
  assert.equal(polling.status, 503);
  assert.deepEqual(JSON.parse(polling.body), { message: 'Server is shutting down' });
  const ws = new WebSocket(`ws://127.0.0.1:${a.port}/socket.io/?EIO=4&transport=websocket`);
  const refused = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => {});
  });
  ws.terminate();
  assert.equal(refused, 503);
  assert.equal(a.http.listening, true);
  await done;
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 1400, `shutdown ended before the stuck connection closed (${elapsed} ms)`);
  // without the bound it would wait for the WebSocket closing handshake's own timeout (30 s)
  assert.ok(elapsed < 15000, `shutdown took ${elapsed} ms with a 1500 ms bound`);
  assert.equal(a.http.listening, false);
  assert.equal(a.io.engine.clientsCount, 0);
  // calling it again returns the same settled promise
  await a.io.shutdown();
  stuck.destroy();
});

test('the gracefulShutdown option shuts the server down on the signal (exit: false keeps the process)', async () => {
  const before = process.listenerCount('SIGUSR2');
  const a = await startNode('shutdown-signal', { gracefulShutdown: { signals: ['SIGUSR2'], timeout: 3000, exit: false } });
  assert.equal(process.listenerCount('SIGUSR2'), before + 1);
  const client = officialIo(`http://127.0.0.1:${a.port}`, { transports: ['websocket'], reconnection: false });
  cleanups.push(() => client.close());
  await waitFor(() => client.connected, 5000, 'connect');
  const reasons: string[] = [];
  client.on('disconnect', (reason) => reasons.push(reason));
  process.kill(process.pid, 'SIGUSR2');
  await waitFor(() => reasons.length === 1 && !a.http.listening, 5000, 'shutdown on signal');
  assert.equal(reasons[0], 'transport close');
  assert.equal(a.io.draining, true);
  assert.equal(process.listenerCount('SIGUSR2'), before);
});

test('io.close() keeps its meaning: sockets leave with `server shutting down`, the adapter is closed', async () => {
  const a = await startNode('shutdown-close');
  const client = officialIo(`http://127.0.0.1:${a.port}`, { transports: ['websocket'], reconnection: false });
  cleanups.push(() => client.close());
  await waitFor(() => client.connected, 5000, 'connect');
  const serverReasons: string[] = [];
  for (const s of a.io.sockets.sockets.values()) s.on('disconnect', (r) => serverReasons.push(r));
  await a.io.close();
  assert.deepEqual(serverReasons, ['server shutting down']);
  assert.equal(a.io.draining, false);
  await waitFor(() => !client.connected, 5000, 'client disconnected');
});

/** An HTTP GET: status and body. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake done by hand: the connection reads nothing afterwards and never answers a close frame. */
function rawWebSocket(port: number): Promise<TcpSocket> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(port, '127.0.0.1', () => {
      sock.write(
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    sock.once('data', (chunk) => {
      if (!chunk.toString().startsWith('HTTP/1.1 101')) reject(new Error('no upgrade'));
      else {
        sock.pause();
        resolve(sock);
      }
    });
    sock.on('error', () => {});
  });
}
