/**
 * Origin-checked requests on a real server: polling handshakes, polling requests of an existing session and
 * WebSocket upgrades, with an `Origin` header that is unlisted, listed, the server's own, or absent.
 *
 * The engine runs the check itself, on by default: the options (`allowedOrigins`, `cors`, `trustProxy`) are
 * server options. `originMiddleware` / `originAllowRequest` remain for servers that route requests themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { io as officialClient } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import type { EngineServer } from '../../src/engine/server.js';
import { originAllowRequest, originMiddleware, type OriginCheckOptions } from '../../src/engine/origin.js';

async function start(opts: OriginCheckOptions, serverOpts: Record<string, unknown> = {}) {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, ...opts, ...serverOpts } as Record<string, unknown>);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await io.close();
      http.closeAllConnections();
    },
  };
}

/** A raw HTTP GET/POST with optional Origin. */
function raw(port: number, path: string, origin?: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (origin !== undefined) headers.origin = origin;
    if (body !== undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket handshake: 101 (then closed) or the refusal status. */
function wsStatus(port: number, origin?: string, query = ''): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${query}`, origin ? { origin } : {});
    ws.on('upgrade', (res) => {
      resolve(res.statusCode!);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
    });
    ws.on('error', () => resolve(0));
  });
}

const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

test('by default only the own origin passes: unlisted origins get 403 on polling and on WebSocket upgrades', async () => {
  const h = await start({});
  try {
    const refused = await raw(h.port, HANDSHAKE, 'http://evil.example');
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'origin not allowed' });
    assert.equal(await wsStatus(h.port, 'http://evil.example'), 403);
    assert.equal((await raw(h.port, HANDSHAKE, 'null')).status, 403);
    assert.equal(h.io.engine && (h.io.engine as EngineServer).clientsCount, 0, 'no session was created');

    // own origin (same host and port as the Host header, same scheme)
    assert.equal((await raw(h.port, HANDSHAKE, h.url)).status, 200);
    assert.equal(await wsStatus(h.port, h.url), 101);
    // no Origin: Node.js and mobile clients
    assert.equal((await raw(h.port, HANDSHAKE)).status, 200);
    assert.equal(await wsStatus(h.port), 101);
  } finally {
    await h.close();
  }
});

test('an existing session cannot be used nor upgraded from an unlisted origin', async () => {
  const h = await start({});
  try {
    const open = await raw(h.port, HANDSHAKE);
    const sid = JSON.parse(open.body.slice(1)).sid as string;
    assert.equal((await raw(h.port, `${HANDSHAKE}&sid=${sid}`, 'http://evil.example', 'POST', '40')).status, 403);
    assert.equal((await raw(h.port, `${HANDSHAKE}&sid=${sid}`, 'http://evil.example')).status, 403);
    assert.equal(await wsStatus(h.port, 'http://evil.example', `&sid=${sid}`), 403);
    // the session itself is untouched
    assert.equal((await raw(h.port, `${HANDSHAKE}&sid=${sid}`, undefined, 'POST', '40')).body, 'ok');
  } finally {
    await h.close();
  }
});

test('listed origins (allowedOrigins, or the cors option) are allowed', async () => {
  const h = await start({ allowedOrigins: ['https://app.example', /^https:\/\/[a-z]+\.trusted\.example$/] });
  try {
    assert.equal((await raw(h.port, HANDSHAKE, 'https://app.example')).status, 200);
    assert.equal(await wsStatus(h.port, 'https://x.trusted.example'), 101);
    assert.equal((await raw(h.port, HANDSHAKE, 'https://other.example')).status, 403);
  } finally {
    await h.close();
  }
  const cors = { origin: 'https://app.example', credentials: true };
  const h2 = await start({ cors }, { cors });
  try {
    const ok = await raw(h2.port, HANDSHAKE, 'https://app.example');
    assert.equal(ok.status, 200);
    assert.equal(await wsStatus(h2.port, 'https://app.example'), 101);
    assert.equal(await wsStatus(h2.port, 'https://other.example'), 403);
  } finally {
    await h2.close();
  }
});

test("allowedOrigins: '*' restores the permissive behaviour", async () => {
  const h = await start({ allowedOrigins: '*' });
  try {
    assert.equal((await raw(h.port, HANDSHAKE, 'http://evil.example')).status, 200);
    assert.equal(await wsStatus(h.port, 'http://evil.example'), 101);
  } finally {
    await h.close();
  }
});

test('clients keep working: the official client from Node.js (no Origin), while a refused Origin sent through extraHeaders gets 403', async () => {
  const h = await start({ allowedOrigins: 'https://app.example' });
  try {
    const plain = officialClient(h.url, { forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      plain.once('connect', () => resolve());
      plain.once('connect_error', reject);
    });
    plain.disconnect();
    const refused = officialClient(h.url, { forceNew: true, reconnection: false, transports: ['polling'], extraHeaders: { origin: 'http://evil.example' } });
    const err = await new Promise<Error & { description?: unknown }>((resolve) => refused.once('connect_error', resolve));
    assert.equal(err.message, 'xhr poll error');
    assert.equal(err.description, 403);
    refused.disconnect();
  } finally {
    await h.close();
  }
});

test('originAllowRequest: the check on handshakes through allowRequest, composed with another', async () => {
  const seen: string[] = [];
  const http = createServer();
  const io = new Server(http, {
    allowedOrigins: '*', // the engine's own check is off: allowRequest does it for handshakes
    allowRequest: originAllowRequest({ allowedOrigins: 'https://app.example' }, (req, fn) => {
      seen.push(String(req.headers.origin));
      fn(null, true);
    }),
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  try {
    const refused = await raw(port, HANDSHAKE, 'http://evil.example');
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'origin not allowed' });
    assert.equal((await raw(port, HANDSHAKE, 'https://app.example')).status, 200);
    assert.deepEqual(seen, ['https://app.example']);
  } finally {
    await io.close();
    http.closeAllConnections();
  }
});

test('originMiddleware: the same check for servers that turn the built-in one off', async () => {
  const http = createServer();
  const io = new Server(http, { allowedOrigins: '*' });
  (io.engine as EngineServer).use(originMiddleware({ allowedOrigins: 'https://app.example' }));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  try {
    assert.equal((await raw(port, HANDSHAKE, 'http://evil.example')).status, 403);
    assert.equal(await wsStatus(port, 'http://evil.example'), 403);
    assert.equal((await raw(port, HANDSHAKE, 'https://app.example')).status, 200);
  } finally {
    await io.close();
    http.closeAllConnections();
  }
});

test('maxConnectionsPerAddress caps the sessions of one address with 403', async () => {
  const h = await start({}, { maxConnectionsPerAddress: 2 });
  try {
    assert.equal((await raw(h.port, HANDSHAKE)).status, 200);
    assert.equal((await raw(h.port, HANDSHAKE)).status, 200);
    const third = await raw(h.port, HANDSHAKE);
    assert.equal(third.status, 403);
    assert.equal(JSON.parse(third.body).code, 4);
    assert.equal(await wsStatus(h.port), 400);
    const limiter = (h.io.engine as EngineServer).connectionLimiter!;
    assert.equal(limiter.countOf('127.0.0.1'), 2);
  } finally {
    await h.close();
  }
});
