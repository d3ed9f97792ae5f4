/**
 * Every refusal of PROTOCOL.md §1: error codes and bodies, check order, raw 400 on upgrades,
 * concurrent requests, oversized bodies, binary POST, other methods.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { EngineServer } from '../../src/engine/server.js';
import type { EngineConnectionError } from '../../src/engine/server.js';
import {
  startEngine,
  req,
  openPolling,
  rawExchange,
  upgradeRequest,
  WsClient,
  wsUrl,
  nextConnection,
  sleep,
} from './helpers.js';

const JSON_ERR = (code: number, message: string) => JSON.stringify({ code, message });

describe('engine errors', () => {
  test('error bodies, status codes and check order', async () => {
    const h = await startEngine();
    const errors: EngineConnectionError[] = [];
    h.engine.on('connection_error', (e) => errors.push(e));
    try {
      const cases: Array<[string, string, number, string]> = [
        ['GET', 'EIO=4', 400, JSON_ERR(0, 'Transport unknown')],
        ['GET', 'EIO=4&transport=foo', 400, JSON_ERR(0, 'Transport unknown')],
        ['GET', 'EIO=4&transport=__proto__', 400, JSON_ERR(0, 'Transport unknown')],
        ['GET', 'EIO=4&transport=constructor', 400, JSON_ERR(0, 'Transport unknown')],
        ['GET', 'EIO=4&transport=toString', 400, JSON_ERR(0, 'Transport unknown')],
        // transport is checked before EIO
        ['GET', 'EIO=3&transport=foo', 400, JSON_ERR(0, 'Transport unknown')],
        ['GET', 'transport=polling', 400, JSON_ERR(5, 'Unsupported protocol version')],
        ['GET', 'EIO=3&transport=polling', 400, JSON_ERR(5, 'Unsupported protocol version')],
        ['GET', 'EIO=abc&transport=polling', 400, JSON_ERR(5, 'Unsupported protocol version')],
        ['GET', 'EIO=4&transport=polling&sid=unknown', 400, JSON_ERR(1, 'Session ID unknown')],
        ['GET', 'EIO=4&transport=polling&sid=__proto__', 400, JSON_ERR(1, 'Session ID unknown')],
        // sid before method
        ['POST', 'EIO=4&transport=polling&sid=unknown', 400, JSON_ERR(1, 'Session ID unknown')],
        ['POST', 'EIO=4&transport=polling', 400, JSON_ERR(2, 'Bad handshake method')],
        ['OPTIONS', 'EIO=4&transport=polling', 400, JSON_ERR(2, 'Bad handshake method')],
        ['PUT', 'EIO=3&transport=polling', 400, JSON_ERR(2, 'Bad handshake method')],
        ['GET', 'EIO=4&transport=websocket', 400, JSON_ERR(3, 'Bad request')],
        // websocket without Upgrade is checked before EIO
        ['GET', 'EIO=3&transport=websocket', 400, JSON_ERR(3, 'Bad request')],
      ];
      for (const [method, query, status, body] of cases) {
        const res = await req(h.port, method, h.path(query));
        assert.equal(res.status, status, `${method} ${query}`);
        assert.equal(res.headers['content-type'], 'application/json', `${method} ${query}`);
        assert.equal(res.text, body, `${method} ${query}`);
        assert.equal(res.headers['access-control-allow-origin'], undefined);
      }
      assert.equal(errors.length, cases.length);
      assert.deepEqual(
        errors.map((e) => e.code),
        cases.map(([, , , body]) => JSON.parse(body).code),
      );
      assert.equal(errors[0]!.message, 'Transport unknown');
      assert.deepEqual(errors[1]!.context, { transport: 'foo' });
      assert.ok(errors[0]!.req.url!.startsWith('/engine.io/'));
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  test('requests outside the path go to the previous listeners; no trailing slash is not handled', async () => {
    const h = await startEngine();
    try {
      const a = await req(h.port, 'GET', '/engine.io?EIO=4&transport=polling');
      assert.equal(a.status, 404);
      assert.equal(a.text, 'not found');
      const b = await req(h.port, 'GET', '/other/?EIO=4&transport=polling');
      assert.equal(b.status, 404);
    } finally {
      await h.close();
    }
  });

  test('addTrailingSlash: false serves the bare path too', async () => {
    const h = await startEngine({ addTrailingSlash: false }, { path: '/rt' });
    try {
      const a = await req(h.port, 'GET', '/rt?EIO=4&transport=polling');
      assert.equal(a.status, 200);
      assert.equal(a.text[0], '0');
    } finally {
      await h.close();
    }
  });

  test('a disabled transport is unknown; upgrades are not advertised', async () => {
    const h = await startEngine({ transports: ['polling'] });
    try {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=websocket'));
      assert.equal(res.text, JSON_ERR(0, 'Transport unknown'));
      const { open } = await openPolling(h);
      assert.deepEqual(open.upgrades, []);
    } finally {
      await h.close();
    }
    const w = await startEngine({ transports: ['websocket'] });
    try {
      const res = await req(w.port, 'GET', w.path('EIO=4&transport=polling'));
      assert.equal(res.text, JSON_ERR(0, 'Transport unknown'));
    } finally {
      await w.close();
    }
    const n = await startEngine({ allowUpgrades: false });
    try {
      const { open } = await openPolling(n);
      assert.deepEqual(open.upgrades, []);
    } finally {
      await n.close();
    }
  });

  test('a bad Origin header is code 3 (lenient HTTP parser)', async () => {
    const http = createServer({ insecureHTTPParser: true });
    const engine = new EngineServer();
    engine.attach(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    try {
      const out = await rawExchange(
        port,
        'GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://a\x01b\r\nConnection: close\r\n\r\n',
      );
      assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.ok(out.includes('\r\n' + JSON_ERR(3, 'Bad request') + '\r\n'), out);
      // the transport is checked before the origin
      const out2 = await rawExchange(
        port,
        'GET /engine.io/?EIO=4&transport=foo HTTP/1.1\r\nHost: x\r\nOrigin: http://a\x01b\r\nConnection: close\r\n\r\n',
      );
      assert.ok(out2.includes('\r\n' + JSON_ERR(0, 'Transport unknown') + '\r\n'), out2);
      // ...and before the sid
      const out3 = await rawExchange(
        port,
        'GET /engine.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nHost: x\r\nOrigin: http://a\x01b\r\nConnection: close\r\n\r\n',
      );
      assert.ok(out3.includes('\r\n' + JSON_ERR(3, 'Bad request') + '\r\n'), out3);
    } finally {
      engine.close();
      http.closeAllConnections();
      http.close();
    }
  });

  test('upgrade refusals are a raw HTTP/1.1 400', async () => {
    const h = await startEngine();
    try {
      const raw400 = (message: string) =>
        `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`;
      assert.equal(await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=foo'))), raw400('Transport unknown'));
      assert.equal(await rawExchange(h.port, upgradeRequest(h.path('EIO=4'))), raw400('Transport unknown'));
      assert.equal(
        await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket&sid=nope'))),
        raw400('Session ID unknown'),
      );
      // a valid upgrade answers 101 and the open packet
      const ok = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket')), 200);
      assert.match(ok, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.ok(ok.includes('0{"sid":'));
    } finally {
      await h.close();
    }
  });

  test('detected after the 101: unsupported EIO, polling on an upgrade request', async () => {
    const h = await startEngine();
    try {
      const out = await rawExchange(h.port, upgradeRequest(h.path('EIO=3&transport=websocket')));
      assert.ok(out.startsWith('HTTP/1.1 101 Switching Protocols\r\n'), out);
      assert.ok(
        out.endsWith(
          '\r\n\r\nHTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 28\r\n\r\nUnsupported protocol version',
        ),
        JSON.stringify(out),
      );
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=polling'));
      const closed = await c.closed;
      assert.equal(closed.code, 1005); // closed by the server right after the 101
      assert.equal(c.pending(), 0);
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  test('other methods with a valid sid: 500, session unchanged', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      for (const method of ['PUT', 'OPTIONS', 'DELETE', 'PATCH']) {
        const res = await req(h.port, method, h.path('EIO=4&transport=polling&sid=' + sid));
        assert.equal(res.status, 500, method);
        assert.equal(res.text, '');
      }
      assert.equal(h.engine.clients.get(sid)!.readyState, 'open');
      h.engine.clients.get(sid)!.send('still');
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid))).text, '4still');
    } finally {
      await h.close();
    }
  });

  test('websocket with a polling sid but no upgrade, and polling with a websocket sid: code 3', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=websocket&sid=' + sid));
      assert.equal(res.status, 400);
      assert.equal(res.text, JSON_ERR(3, 'Bad request'));
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const ws = await conn;
      const res2 = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + ws.id));
      assert.equal(res2.text, JSON_ERR(3, 'Bad request'));
      c.close();
    } finally {
      await h.close();
    }
  });

  test('concurrent GET: first gets 1, second an empty 400, later requests code 1', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise<[string, unknown]>((resolve) => socket.once('close', (r, d) => resolve([r, d])));
      const first = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      await sleep(30);
      const second = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(second.status, 400);
      assert.equal(second.text, '');
      assert.equal((await first).text, '1');
      const [r, d] = await reason;
      assert.equal(r, 'transport error');
      assert.equal((d as Error).message, 'overlap from client');
      const later = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(later.text, JSON_ERR(1, 'Session ID unknown'));
    } finally {
      await h.close();
    }
  });

  test('concurrent POST: the second gets an empty 400, the first is aborted, session closed', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise<[string, unknown]>((resolve) => socket.once('close', (r, d) => resolve([r, d])));
      const firstDone = new Promise<string>((resolve) => {
        const r = httpRequest(
          { host: '127.0.0.1', port: h.port, method: 'POST', path: h.path('EIO=4&transport=polling&sid=' + sid), agent: false, headers: { 'Content-Length': '100' } },
          (res) => resolve('response ' + res.statusCode),
        );
        r.on('error', (e) => resolve('error ' + (e as NodeJS.ErrnoException).code));
        r.write('4partial');
      });
      await sleep(50);
      const second = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4x');
      assert.equal(second.status, 400);
      assert.equal(second.text, '');
      assert.equal(await firstDone, 'error ECONNRESET');
      const [r, d] = await reason;
      assert.equal(r, 'transport error');
      assert.equal((d as Error).message, 'data request overlap from client');
    } finally {
      await h.close();
    }
  });

  test('POST over maxHttpBufferSize: 413, payload dropped, session survives', async () => {
    const h = await startEngine({ maxHttpBufferSize: 100 });
    try {
      const messages: unknown[] = [];
      h.engine.on('connection', (s) => s.on('message', (m) => messages.push(m)));
      const { sid, open } = await openPolling(h);
      assert.equal(open.maxPayload, 100);
      const big = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4' + 'x'.repeat(100));
      assert.equal(big.status, 413);
      assert.equal(big.text, '');
      // exactly the limit is accepted
      const ok = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4' + 'y'.repeat(99));
      assert.equal(ok.text, 'ok');
      assert.deepEqual(messages, ['y'.repeat(99)]);
      assert.equal(h.engine.clients.get(sid)!.readyState, 'open');
    } finally {
      await h.close();
    }
  });

  test('websocket message over maxHttpBufferSize: close 1009, session ends with transport error', async () => {
    const h = await startEngine({ maxHttpBufferSize: 100 });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      const got: unknown[] = [];
      socket.on('message', (m) => got.push(m));
      const reason = new Promise((resolve) => socket.once('close', resolve));
      c.send('4' + 'a'.repeat(99));
      c.send('4' + 'a'.repeat(100));
      assert.equal((await c.closed).code, 1009);
      assert.equal(await reason, 'transport error');
      assert.deepEqual(got, ['a'.repeat(99)]);
    } finally {
      await h.close();
    }
  });

  test('application/octet-stream POST: empty 400 and the session closes', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise<[string, unknown]>((resolve) => socket.once('close', (r, d) => resolve([r, d])));
      const res = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), Buffer.from([4, 1, 2]), {
        'Content-Type': 'application/octet-stream',
      });
      assert.equal(res.status, 400);
      assert.equal(res.text, '');
      const [r, d] = await reason;
      assert.equal(r, 'transport error');
      assert.equal((d as Error).message, 'invalid content');
    } finally {
      await h.close();
    }
  });

  test('generateId: async ids are used; a failing generator is code 3', async () => {
    const h = await startEngine();
    try {
      let n = 0;
      h.engine.generateId = async () => 'custom-id-' + ++n;
      const { sid } = await openPolling(h);
      assert.equal(sid, 'custom-id-1');
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      assert.match((await c.next()) as string, /^0\{"sid":"custom-id-2"/);
      c.close();
      h.engine.generateId = () => 'sync-id';
      const s2 = await openPolling(h);
      assert.equal(s2.sid, 'sync-id');
      assert.ok(await conn);
      const errors: EngineConnectionError[] = [];
      h.engine.on('connection_error', (e) => errors.push(e));
      h.engine.generateId = () => {
        throw new Error('boom');
      };
      const bad = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(bad.status, 400);
      assert.equal(bad.text, JSON_ERR(3, 'Bad request'));
      h.engine.generateId = () => Promise.reject(new Error('later'));
      const bad2 = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(bad2.text, JSON_ERR(3, 'Bad request'));
      assert.equal(errors.length, 2);
      assert.equal(errors[0]!.context!.name, 'ID_GENERATION_ERROR');
    } finally {
      await h.close();
    }
  });
});

describe('middlewares', () => {
  test('a failing middleware is code 3 (raw 400 on upgrades); headers set by middlewares are sent', async () => {
    const h = await startEngine();
    try {
      h.engine.use((r, res, next) => {
        res.setHeader('X-Middleware', 'ran');
        if (r.url!.includes('fail')) next(new Error('refused'));
        else next();
      });
      const bad = await req(h.port, 'GET', h.path('EIO=4&transport=polling&fail=1'));
      assert.equal(bad.status, 400);
      assert.equal(bad.text, JSON_ERR(3, 'Bad request'));
      assert.equal(bad.headers['x-middleware'], 'ran');
      const ok = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['x-middleware'], 'ran');
      const badWs = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket&fail=1')));
      assert.equal(badWs, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 11\r\n\r\nBad request');
      const okWs = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket')), 200);
      assert.match(okWs.slice(0, okWs.indexOf('\r\n\r\n')), /\r\nX-Middleware: ran/);
    } finally {
      await h.close();
    }
  });
});
