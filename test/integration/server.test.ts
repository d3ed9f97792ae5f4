/**
 * Server construction and attachment, the path option, and engine options passed through.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { io as ioc } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { startServer, waitFor } from './helpers.js';
import { openRaw } from './raw.js';

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server construction', () => {
  it('new Server(port) creates and listens on an HTTP server answering 404 elsewhere', async () => {
    const io = new Server(0);
    try {
      await once(io.httpServer, 'listening');
      const port = (io.httpServer.address() as AddressInfo).port;
      assert.equal((await get(port, '/elsewhere')).status, 404);
      const c = ioc(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
      await waitFor(c, 'connect');
      c.disconnect();
    } finally {
      await io.close();
    }
  });

  it('new Server(opts) then listen(httpServer); custom path; the main namespace is io.sockets', async () => {
    const http = createServer();
    const io = new Server({ path: '/my-path/' });
    assert.equal(io.path(), '/my-path');
    io.listen(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    try {
      assert.equal(io.sockets, io.of('/'));
      const conn = waitFor(io, 'connection');
      const c = ioc(`http://127.0.0.1:${port}`, { path: '/my-path', forceNew: true, reconnection: false });
      await conn;
      await waitFor(c, 'connect');
      c.disconnect();
    } finally {
      await io.close();
    }
  });

  it('refuses an express-style request handler', () => {
    const io = new Server();
    assert.throws(() => io.attach((() => {}) as never), /express request handler/);
  });

  it('connectTimeout(), serveClient() and adapter() getters/setters', () => {
    const io = new Server({ connectTimeout: 1234, serveClient: false });
    assert.equal(io.connectTimeout(), 1234);
    assert.equal(io.serveClient(), false);
    assert.equal(io.serveClient(true), io);
    assert.equal(io.serveClient(), true);
    assert.equal(io.connectTimeout(99).connectTimeout(), 99);
    assert.equal(typeof io.adapter(), 'function');
  });

  it('close(fn) calls back once the HTTP server is closed', async () => {
    const h = await startServer();
    let called = false;
    await h.io.close(() => (called = true));
    assert.equal(called, true);
    assert.equal(h.http.listening, false);
    await h.close();
  });
});

describe('serveClient', () => {
  it('serves the client bundle under the path by default, before the engine', async () => {
    const h = await startServer();
    try {
      const res = await get(h.port, '/socket.io/socket.io.min.js');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /javascript/);
      assert.ok(res.body.length > 1000);
      // the engine still answers its own requests
      assert.equal((await get(h.port, '/socket.io/?EIO=4&transport=polling')).status, 200);
    } finally {
      await h.close();
    }
  });

  it('serveClient: false leaves the path to the engine', async () => {
    const h = await startServer({ serveClient: false });
    try {
      const res = await get(h.port, '/socket.io/socket.io.min.js');
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).code, 0);
    } finally {
      await h.close();
    }
  });
});

describe('engine options pass through', () => {
  it('pingInterval, pingTimeout and maxHttpBufferSize reach the open packet', async () => {
    const h = await startServer({ pingInterval: 1234, pingTimeout: 4321, maxHttpBufferSize: 5000 });
    try {
      const peer = await openRaw(h.port);
      const open = JSON.parse((peer.messages[0] as string).slice(1));
      assert.equal(open.pingInterval, 1234);
      assert.equal(open.pingTimeout, 4321);
      assert.equal(open.maxPayload, 5000);
      peer.close();
    } finally {
      await h.close();
    }
  });

  it('cors, allowRequest, transports and the engine events', async () => {
    const h = await startServer({
      cors: { origin: 'http://allowed.example', credentials: true },
      allowRequest: (req, fn) => fn(req.headers['x-deny'] ? 'denied' : null, !req.headers['x-deny']),
      transports: ['polling'],
    });
    try {
      const headersSeen: string[] = [];
      h.io.engine.on('initial_headers', (headers: Record<string, string>) => {
        headers['x-initial'] = 'yes';
        headersSeen.push('initial');
      });
      const errors: number[] = [];
      h.io.engine.on('connection_error', (err: { code: number }) => errors.push(err.code));
      const ok = await get(h.port, '/socket.io/?EIO=4&transport=polling', { origin: 'http://allowed.example' });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['access-control-allow-origin'], 'http://allowed.example');
      assert.equal(ok.headers['access-control-allow-credentials'], 'true');
      assert.equal(ok.headers['x-initial'], 'yes');
      assert.deepEqual(headersSeen, ['initial']);
      const denied = await get(h.port, '/socket.io/?EIO=4&transport=polling', { 'x-deny': '1' });
      assert.equal(denied.status, 403);
      assert.deepEqual(JSON.parse(denied.body), { code: 4, message: 'denied' });
      const ws = await get(h.port, '/socket.io/?EIO=4&transport=websocket');
      assert.equal(ws.status, 400);
      assert.deepEqual(errors.sort(), [0, 4]);
    } finally {
      await h.close();
    }
  });
});
