// socketeer/postgres when PostgreSQL goes away: a private server (initdb/pg_ctl on a free port) stopped at once
// while broadcasts flow and started again; and a server whose backends are terminated (what a failover or an
// administrator does). The nodes keep serving their own clients, then cross-node delivery and requests resume.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { Server as IoServer } from 'socket.io';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter as officialAdapter } from '@socket.io/postgres-adapter';
import { Server } from '../../src/server/index.js';
import { createAdapter } from '../../src/server/adapters/postgres/index.js';
import { PrivatePostgres, TestDatabase, waitFor, type PgTarget } from './engines/postgres.js';

interface Node { io: Server | IoServer; http: HttpServer; pool: pg.Pool; url: string; errors: Error[] }

async function startNode(db: TestDatabase, kind: 'ours' | 'official'): Promise<Node> {
  // (kind 'official' is kept for trying it by hand)
  const pool = db.pool();
  const errors: Error[] = [];
  const http = createServer();
  const opts = { heartbeatInterval: 500, heartbeatTimeout: 5000, errorHandler: (e: Error) => errors.push(e) };
  const io = kind === 'ours'
    ? new Server(http, { adapter: createAdapter(pool, { ...opts, requestsTimeout: 3000 }) })
    : new IoServer(http, { adapter: officialAdapter(pool, opts) });
  io.on('ping', (cb: (v: string) => void) => cb(kind));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { io, http, pool, errors, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function stopNode(node: Node): Promise<void> {
  await new Promise<void>((r) => { void node.io.close(() => r()); });
  await node.pool.end().catch(() => undefined);
}

async function connect(node: Node): Promise<{ socket: ClientSocket; got: number[] }> {
  const socket = ioc(node.url, { transports: ['websocket'], reconnection: false });
  const got: number[] = [];
  socket.on('tick', (n: number) => got.push(n));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, got };
}

/**
 * Three of our nodes; node 0 broadcasts a numbered tick every 20 ms. (An @socket.io/postgres-adapter node is left
 * out: its listening client has no `error` listener, so the lost connection is an uncaught exception that ends
 * its process.)
 */
async function underLoad(target: () => Promise<TestDatabase>, outage: (db: PgTarget) => Promise<void>): Promise<void> {
  const db = await target();
  const nodes = [await startNode(db, 'ours'), await startNode(db, 'ours'), await startNode(db, 'ours')];
  const clients = await Promise.all(nodes.map(connect));
  try {
    await waitFor(async () => (await nodes[0].io.of('/').adapter.serverCount()) === 3, 20_000, 'three nodes');
    let n = 0;
    const timer = setInterval(() => nodes[0].io.emit('tick', n++), 20);
    try {
      await waitFor(() => clients.every((c) => c.got.length >= 10), 20_000, 'ticks before the outage');
      await outage(db.target);
      const during = n;
      // node 0 keeps serving its own clients
      await waitFor(() => clients[0].got.includes(during + 10), 20_000, 'local ticks during the outage');
      // cross-node delivery resumes once PostgreSQL is back
      const resumedFrom = n;
      await waitFor(() => clients.every((c) => c.got.some((x) => x > resumedFrom + 20)), 60_000, 'ticks on every node after the outage');
    } finally {
      clearInterval(timer);
    }
    for (const c of clients) {
      // what arrives arrives once and in order (some ticks of the outage are lost: NOTIFY keeps nothing)
      assert.deepEqual(c.got, [...c.got].sort((x, y) => x - y));
      assert.equal(new Set(c.got).size, c.got.length);
    }
    // requests work again once node 0 listens again (until then, the answers are lost: it times out)
    let answers: unknown[] = [];
    await waitFor(async () => {
      answers = await (nodes[0].io as Server).serverSideEmitWithAck('ping').catch(() => []);
      return answers.length === 2;
    }, 60_000, 'both other nodes to answer a request');
    assert.deepEqual(answers, ['ours', 'ours']);
    const sockets = await nodes[1].io.fetchSockets();
    assert.equal(sockets.length, 3);
    assert.ok(nodes[0].errors.length > 0, 'the outage is reported to errorHandler');
  } finally {
    for (const c of clients) c.socket.close();
    for (const node of nodes) await stopNode(node);
    await db.drop().catch(() => undefined);
  }
}

describe('socketeer/postgres: PostgreSQL restarted under load', () => {
  let server: PrivatePostgres | null = null;

  before(async () => { server = await PrivatePostgres.start(); });
  after(async () => { await server?.destroy(); });

  it('the server stopped at once and started again 1 s later', async (t) => {
    if (!server) return t.skip('no initdb on this machine');
    const pgServer = server;
    await underLoad(() => TestDatabase.create(pgServer.server), async () => {
      await pgServer.stopServer();
      await new Promise((r) => setTimeout(r, 1000));
      await pgServer.startServer();
    });
  });

  it('every backend of the database terminated (the service stays up)', async () => {
    await underLoad(() => TestDatabase.create(), async (target) => {
      const admin = new (await import('pg')).default.Client({ ...target, database: 'postgres' });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [target.database]);
      await admin.end();
    });
  });
});
