/**
 * CORS, the `io` cookie, the `initial_headers`/`headers` hooks and `allowRequest`.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { startEngine, req, openPolling, rawExchange, upgradeRequest, WsClient, wsUrl, type Harness } from './helpers.js';
import type { EngineOptions } from '../../src/engine/options.js';

async function withEngine(opts: EngineOptions, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startEngine(opts);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

const preflight = (h: Harness, origin: string, extra: Record<string, string> = {}) =>
  req(h.port, 'OPTIONS', h.path('EIO=4&transport=polling'), undefined, {
    Origin: origin,
    'Access-Control-Request-Method': 'GET',
    ...extra,
  });

describe('CORS', () => {
  test('off by default: no Access-Control headers', () =>
    withEngine({ allowedOrigins: '*' }, async (h) => {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'), undefined, { Origin: 'http://a.com' });
      assert.equal(res.status, 200);
      assert.ok(!Object.keys(res.headers).some((k) => k.startsWith('access-control-')));
    }));

  test('default options (origin *): preflight 204 with the default methods, echoed request headers', () =>
    withEngine({ cors: {} }, async (h) => {
      const res = await preflight(h, 'http://a.com', { 'Access-Control-Request-Headers': 'x-foo, x-bar' });
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assert.equal(res.headers['content-length'], '0');
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
      assert.equal(res.headers['access-control-allow-headers'], 'x-foo, x-bar');
      assert.equal(res.headers.vary, 'Access-Control-Request-Headers');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling'), undefined, { Origin: 'http://a.com' });
      assert.equal(get.headers['access-control-allow-origin'], '*');
      assert.equal(get.headers['access-control-allow-methods'], undefined);
      assert.equal(get.headers.vary, undefined);
    }));

  test('string origin, credentials, allowedHeaders, maxAge, exposedHeaders', () =>
    withEngine(
      { cors: { origin: 'http://a.com', credentials: true, allowedHeaders: ['x-a', 'x-b'], maxAge: 600, exposedHeaders: ['x-e'], methods: ['GET', 'POST'] } },
      async (h) => {
        const res = await preflight(h, 'http://other.com', { 'Access-Control-Request-Headers': 'x-foo' });
        assert.equal(res.status, 204);
        assert.equal(res.headers['access-control-allow-origin'], 'http://a.com');
        assert.equal(res.headers.vary, 'Origin');
        assert.equal(res.headers['access-control-allow-credentials'], 'true');
        assert.equal(res.headers['access-control-allow-methods'], 'GET,POST');
        assert.equal(res.headers['access-control-allow-headers'], 'x-a,x-b');
        assert.equal(res.headers['access-control-max-age'], '600');
        assert.equal(res.headers['access-control-expose-headers'], 'x-e');
        const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling'), undefined, { Origin: 'http://a.com' });
        assert.equal(get.headers['access-control-allow-origin'], 'http://a.com');
        assert.equal(get.headers['access-control-allow-credentials'], 'true');
        assert.equal(get.headers['access-control-expose-headers'], 'x-e');
        assert.equal(get.headers['access-control-max-age'], undefined);
      },
    ));

  for (const [label, origin] of [
    ['array', ['http://a.com', 'http://b.com']],
    ['RegExp', /^http:\/\/[ab]\.com$/],
    ['function', (o: string | undefined, cb: (err: Error | null, allow?: boolean) => void) => cb(null, o === 'http://a.com' || o === 'http://b.com')],
    ['true', true],
  ] as const) {
    test(`${label} origin: allowed origin echoed, refused origin gets no Allow-Origin`, () =>
      withEngine({ cors: { origin: origin as never }, allowedOrigins: '*' }, async (h) => {
        const ok = await preflight(h, 'http://b.com');
        assert.equal(ok.status, 204);
        assert.equal(ok.headers['access-control-allow-origin'], 'http://b.com');
        assert.equal(ok.headers.vary, 'Origin, Access-Control-Request-Headers');
        const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling'), undefined, { Origin: 'http://a.com' });
        assert.equal(get.status, 200);
        assert.equal(get.headers['access-control-allow-origin'], 'http://a.com');
        if (origin !== true) {
          const refused = await preflight(h, 'http://evil.com');
          if (label === 'function') {
            // a function answering false disables CORS for the request: the engine answers
            assert.equal(refused.status, 400);
            assert.equal(refused.text, '{"code":2,"message":"Bad handshake method"}');
          } else {
            assert.equal(refused.status, 204);
          }
          assert.equal(refused.headers['access-control-allow-origin'], undefined);
          const refusedGet = await req(h.port, 'GET', h.path('EIO=4&transport=polling'), undefined, { Origin: 'http://evil.com' });
          assert.equal(refusedGet.status, 200); // CORS is enforced by the browser
          assert.equal(refusedGet.headers['access-control-allow-origin'], undefined);
          if (label !== 'function') assert.equal(refusedGet.headers.vary, 'Origin');
        }
      }));
  }

  test('error replies carry the CORS headers (CORS runs before the checks)', () =>
    withEngine({ cors: { origin: 'http://a.com', credentials: true } }, async (h) => {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=foo'), undefined, { Origin: 'http://a.com' });
      assert.equal(res.status, 400);
      assert.equal(res.text, '{"code":0,"message":"Transport unknown"}');
      assert.equal(res.headers['access-control-allow-origin'], 'http://a.com');
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      // preflight with a sid is answered by CORS, not 500
      const { sid } = await openPolling(h);
      const pre = await req(h.port, 'OPTIONS', h.path('EIO=4&transport=polling&sid=' + sid), undefined, {
        Origin: 'http://a.com',
        'Access-Control-Request-Method': 'POST',
      });
      assert.equal(pre.status, 204);
    }));

  test('the 101 of a websocket carries the CORS headers', () =>
    withEngine({ cors: { origin: 'http://a.com', credentials: true } }, async (h) => {
      const out = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket'), 'Origin: http://a.com\r\n'), 200);
      const head = out.slice(0, out.indexOf('\r\n\r\n'));
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.match(head, /\r\nAccess-Control-Allow-Origin: http:\/\/a\.com/);
      assert.match(head, /\r\nAccess-Control-Allow-Credentials: true/);
    }));
});

describe('cookie', () => {
  test('off by default', () =>
    withEngine({}, async (h) => {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(res.headers['set-cookie'], undefined);
    }));

  test('cookie: true sets io=<sid> on the polling handshake only', () =>
    withEngine({ cookie: true }, async (h) => {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      const sid = JSON.parse(res.text.slice(1)).sid as string;
      assert.deepEqual(res.headers['set-cookie'], [`io=${sid}; Path=/; HttpOnly; SameSite=Lax`]);
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4x');
      assert.equal(post.headers['set-cookie'], undefined);
      h.engine.clients.get(sid)!.send('y');
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(get.headers['set-cookie'], undefined);
      const ws = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket')), 200);
      assert.match(ws, /^HTTP\/1\.1 101 /);
      assert.ok(!/set-cookie/i.test(ws.slice(0, ws.indexOf('\r\n\r\n'))));
    }));

  test('custom cookie options', () =>
    withEngine({ cookie: { name: 'sess', path: '/app', httpOnly: false, sameSite: 'strict', maxAge: 86400, secure: true, domain: 'example.com' } }, async (h) => {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      const sid = JSON.parse(res.text.slice(1)).sid as string;
      assert.deepEqual(res.headers['set-cookie'], [`sess=${sid}; Max-Age=86400; Domain=example.com; Path=/app; Secure; SameSite=Strict`]);
    }));
});

describe('header hooks', () => {
  test('initial_headers once on the handshake, headers on every reply; mutations are sent', () =>
    withEngine({}, async (h) => {
      const initial: string[] = [];
      const every: string[] = [];
      h.engine.on('initial_headers', (headers, r: IncomingMessage) => {
        initial.push(r.method!);
        headers['x-initial'] = '1';
      });
      h.engine.on('headers', (headers, r: IncomingMessage) => {
        every.push(r.method!);
        headers['x-every'] = 'yes';
      });
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(res.headers['x-initial'], '1');
      assert.equal(res.headers['x-every'], 'yes');
      const sid = JSON.parse(res.text.slice(1)).sid as string;
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4x');
      assert.equal(post.headers['x-initial'], undefined);
      assert.equal(post.headers['x-every'], 'yes');
      h.engine.clients.get(sid)!.send('y');
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(get.headers['x-every'], 'yes');
      assert.deepEqual(initial, ['GET']);
      assert.deepEqual(every, ['GET', 'POST', 'GET']);
      // error replies do not go through the hooks
      const err = await req(h.port, 'GET', h.path('EIO=4&transport=foo'));
      assert.equal(err.headers['x-every'], undefined);
    }));

  test('websocket 101: initial_headers for a handshake, headers for every 101', () =>
    withEngine({}, async (h) => {
      let initial = 0;
      let every = 0;
      h.engine.on('initial_headers', (headers) => {
        initial++;
        headers['X-Initial'] = 'ws';
      });
      h.engine.on('headers', (headers) => {
        every++;
        headers['X-Every'] = 'ws';
      });
      const out = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket')), 200);
      const head = out.slice(0, out.indexOf('\r\n\r\n'));
      assert.match(head, /\r\nX-Initial: ws/);
      assert.match(head, /\r\nX-Every: ws/);
      assert.equal(initial, 1);
      assert.equal(every, 1);
      const { sid } = await openPolling(h);
      assert.equal(initial, 2);
      const up = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket&sid=' + sid)), 200);
      const upHead = up.slice(0, up.indexOf('\r\n\r\n'));
      assert.match(upHead, /\r\nX-Every: ws/);
      assert.ok(!upHead.includes('X-Initial'));
      assert.equal(initial, 2);
      assert.equal(every, 3);
    }));
});

describe('allowRequest', () => {
  const opts: EngineOptions = {
    allowRequest: (r, cb) => {
      const q = r.url!.includes('token=good');
      if (r.url!.includes('async')) setTimeout(() => cb(q ? null : 'not allowed', q), 10);
      else cb(q ? null : r.url!.includes('nomsg') ? null : 'no token', q);
    },
  };

  test('refusal: 403 with the message (default Forbidden); acceptance opens', () =>
    withEngine(opts, async (h) => {
      const no = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.equal(no.status, 403);
      assert.equal(no.headers['content-type'], 'application/json');
      assert.equal(no.text, '{"code":4,"message":"no token"}');
      const noMsg = await req(h.port, 'GET', h.path('EIO=4&transport=polling&nomsg=1'));
      assert.equal(noMsg.status, 403);
      assert.equal(noMsg.text, '{"code":4,"message":"Forbidden"}');
      const asyncNo = await req(h.port, 'GET', h.path('EIO=4&transport=polling&async=1'));
      assert.equal(asyncNo.text, '{"code":4,"message":"not allowed"}');
      const yes = await openPolling(h, '&token=good&async=1');
      assert.ok(yes.sid);
      // not consulted for requests of an existing session
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + yes.sid), '4x');
      assert.equal(post.text, 'ok');
      // EIO is checked after allowRequest
      const eio = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      assert.equal(eio.status, 403);
    }));

  test('refusal on websocket: raw 400 with the message', () =>
    withEngine(opts, async (h) => {
      const out = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket')));
      assert.equal(out, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 8\r\n\r\nno token');
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&token=good'));
      assert.match((await c.next()) as string, /^0\{"sid"/);
      c.close();
    }));
});
