/**
 * Polling forwarding of the cluster core on an in-process bus: three real servers on 127.0.0.1 behind a
 * round-robin HTTP proxy without affinity; a polling-only client whose every request goes to the next server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server } from '../../index.js';
import type { AdapterNamespace } from '../../adapter-types.js';
import { LocalBus, LocalBusAdapter } from '../../../../test/cluster/local-bus.js';
import type { ClusterMessage, ClusterResponse } from './messages.js';
import { POLLING_FORWARD } from './polling-forwarding.js';

interface Node {
  io: Server;
  http: HttpServer;
  port: number;
}

async function startNode(name: string, bus: LocalBus, pollingForwarding: boolean): Promise<Node> {
  const http = createServer();
  const io = new Server(http, {
    pingInterval: 500, pingTimeout: 2000,
    adapter: (nsp: AdapterNamespace) => new LocalBusAdapter(nsp, bus, { heartbeatInterval: 200, heartbeatTimeout: 1500, pollingForwarding }),
  });
  io.on('connection', (socket) => {
    socket.on('whoami', (cb: (v: string) => void) => cb(name));
    socket.on('relay', (n: number) => socket.emit('relayed', n));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { io, http, port: (http.address() as AddressInfo).port };
}

/** Sends each request to the next port in turn. */
async function roundRobin(ports: number[]): Promise<{ url: string; counts: number[]; close(): Promise<void> }> {
  const counts = ports.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % ports.length;
    counts[i]!++;
    const up = request({ host: '127.0.0.1', port: ports[i], method: req.method, path: req.url, headers: req.headers, agent: false },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function waitFor(cond: () => boolean, timeout = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('polling forwarding on the in-process bus', () => {
  const bus = new LocalBus();
  let nodes: Node[];
  let proxy: Awaited<ReturnType<typeof roundRobin>>;
  let client: ClientSocket;
  const relayed: number[] = [];
  const disconnects: string[] = [];

  before(async () => {
    nodes = await Promise.all(['A', 'B', 'C'].map((n) => startNode(n, bus, true)));
    for (const node of nodes) {
      const deadline = Date.now() + 10_000;
      while ((await node.io.of('/').adapter.serverCount()) < 3) {
        if (Date.now() > deadline) throw new Error('nodes did not see each other');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    proxy = await roundRobin(nodes.map((n) => n.port));
    client = ioc(proxy.url, { transports: ['polling'], upgrade: false, reconnection: false, forceNew: true });
    client.on('relayed', (n: number) => relayed.push(n));
    client.on('disconnect', (reason) => disconnects.push(reason));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('connect_error', reject);
    });
  });

  after(async () => {
    client?.close();
    await proxy?.close();
    for (const node of nodes ?? []) await node.io.close();
  });

  it('a polling client whose requests hit every node stays connected and exchanges messages in order', async () => {
    const owner = await new Promise<string>((r) => client.emit('whoami', r));
    assert.ok(['A', 'B', 'C'].includes(owner));
    for (let round = 0; round < 10; round++) {
      for (let i = round * 20; i < (round + 1) * 20; i++) client.emit('relay', i);
      await waitFor(() => relayed.length >= (round + 1) * 20, 20_000, `round ${round}`);
    }
    assert.deepEqual(relayed, Array.from({ length: 200 }, (_, i) => i));
    assert.ok(proxy.counts.every((n) => n >= 3), `every node got requests (${proxy.counts.join(',')})`);
    const forwarded = bus.seen.filter((m) => m.type === POLLING_FORWARD);
    assert.ok(forwarded.some((m) => (m.data as { k: string }).k === 'req'), 'requests crossed the bus');
    assert.ok(forwarded.some((m) => (m.data as { k: string }).k === 'res'), 'responses crossed the bus');
    // heartbeats (pingInterval 500 ms) cross nodes too
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(client.connected);
    assert.deepEqual(disconnects, []);
  });

  it('broadcasts from any node reach the polling client', async () => {
    const hellos: number[] = [];
    client.on('hello', (n: number) => hellos.push(n));
    for (const [i, node] of nodes.entries()) node.io.emit('hello', i);
    await waitFor(() => hellos.length === 3, 20_000, 'hellos');
    assert.deepEqual([...hellos].sort(), [0, 1, 2]);
  });

  it('a request for a session no node owns gets the Engine.IO unknown-sid error', async () => {
    const res = await fetch(`${proxy.url}/socket.io/?EIO=4&transport=polling&sid=nosuchsession`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
  });
});

describe('polling forwarding off (the default)', () => {
  it('nodes without the option answer unknown sessions at once and publish nothing', async () => {
    const bus = new LocalBus();
    const nodes = await Promise.all(['A', 'B'].map((n) => startNode(n, bus, false)));
    try {
      const client = ioc(`http://127.0.0.1:${nodes[0]!.port}`, { transports: ['polling'], upgrade: false, reconnection: false, forceNew: true });
      await new Promise<void>((r) => client.once('connect', () => r()));
      const sid = client.io.engine.id;
      const res = await fetch(`http://127.0.0.1:${nodes[1]!.port}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
      assert.equal(bus.seen.filter((m) => m.type === POLLING_FORWARD).length, 0);
      client.close();
    } finally {
      for (const node of nodes) await node.io.close();
    }
  });
});
