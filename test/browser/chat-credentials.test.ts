// The README's "Authenticating connections" table, checked in Chromium with the Socketeer browser client:
// what reaches `socket.handshake` for the auth payload, extraHeaders, cookies and query, over polling and
// WebSocket, same-origin and cross-origin (with and without the CORS recipe).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Browser, Page } from 'playwright-core';
import { Server } from '../../src/server/index.js';
import { buildFallbackBundle } from '../../examples/chat/client-bundle.js';
import { launchChromium } from './chat-harness.js';

interface Seen {
  case: string;
  transport: string;
  token?: unknown;
  header?: string;
  cookie?: string;
  query?: unknown;
}

let bundle: string;
let browser: Browser;
const servers: Array<{ http: HttpServer; io?: Server }> = [];
const seen: Seen[] = [];

/** Serves a blank page with the client script, and sets a cookie on `/cookie`. */
function pageHandler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  if (req.url === '/io.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    return void res.end(bundle);
  }
  if (req.url === '/cookie') {
    res.writeHead(200, { 'set-cookie': 'session=s3cret; Path=/; SameSite=Lax', 'content-type': 'text/plain' });
    return void res.end('ok');
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>credentials</title><script src="/io.js"></script>');
}

/** Starts an HTTP server serving the page, with a Socketeer server recording handshakes unless `plain`. */
async function start(opts: { cors?: Record<string, unknown>; plain?: boolean } = {}): Promise<string> {
  const http = createServer(pageHandler);
  let io: Server | undefined;
  if (!opts.plain) {
    io = new Server(http, { cors: opts.cors as never, pingInterval: 1000, pingTimeout: 2000 });
    io.use((socket, next) => {
      const h = socket.handshake;
      seen.push({
        case: String((h.auth as { case?: unknown }).case),
        transport: socket.conn.transport.name,
        token: (h.auth as { token?: unknown }).token,
        header: h.headers['x-token'] as string | undefined,
        cookie: h.headers.cookie,
        query: h.query.token,
      });
      next();
    });
  }
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  servers.push({ http, io });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/**
 * Connects from the page and reports the transport, or the connect_error message.
 * @param page a page with the client script
 * @param url server URL
 * @param opts client options (JSON)
 */
function connectFrom(page: Page, url: string, opts: Record<string, unknown>): Promise<string> {
  return page.evaluate(
    ({ url, opts }) =>
      new Promise<string>((resolve) => {
        const s = (window as any).io(url, { forceNew: true, reconnection: false, ...opts });
        s.on('connect', () => {
          const name = s.io.engine.transport.name;
          s.disconnect();
          resolve(name);
        });
        s.on('connect_error', (err: Error) => {
          s.close();
          resolve('error: ' + err.message);
        });
      }),
    { url, opts },
  );
}

const find = (c: string) => {
  const s = seen.filter((x) => x.case === c);
  assert.equal(s.length, 1, `one handshake for ${c}`);
  return s[0]!;
};

let app: string; // the page's origin
let api: string; // a Socketeer server on another origin, with the README's CORS recipe
let noCors: string; // a Socketeer server on another origin, without CORS
let page: Page;

before(async () => {
  bundle = await buildFallbackBundle();
  app = await start({ plain: true });
  api = await start({ cors: { origin: app, allowedHeaders: ['x-token'], credentials: true } });
  noCors = await start();
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(8000);
  await page.goto(app + '/cookie');
  await page.goto(app + '/');
});

after(async () => {
  await browser?.close();
  for (const { http, io } of servers) {
    if (io) await io.close();
    http.closeAllConnections();
    http.close();
  }
});

test('the auth payload arrives over WebSocket-only and over polling, evaluated at connect', async () => {
  assert.equal(await connectFrom(page, api, { transports: ['websocket'], auth: { case: 'auth-ws', token: 't1' } }), 'websocket');
  assert.equal(find('auth-ws').token, 't1');
  assert.equal(find('auth-ws').transport, 'websocket');
  // as a string: the test runner's transpiler would wrap a named callback with a helper the page lacks
  const viaCallback = await page.evaluate(`new Promise((resolve) => {
    let n = 0;
    const s = io(${JSON.stringify(api)}, {
      forceNew: true,
      reconnection: false,
      transports: ['polling'],
      auth: (cb) => cb({ case: 'auth-cb', token: 'fresh-' + ++n }),
    });
    s.on('connect', () => {
      s.disconnect();
      resolve(String(n));
    });
  })`);
  assert.equal(viaCallback, '1');
  assert.equal(find('auth-cb').token, 'fresh-1');
});

test('extraHeaders reach the server over polling, never over a browser WebSocket', async () => {
  const polling = await connectFrom(page, api, { extraHeaders: { 'x-token': 'h1' }, auth: { case: 'hdr-polling' } });
  assert.ok(polling === 'polling' || polling === 'websocket', polling);
  assert.equal(find('hdr-polling').transport, 'polling');
  assert.equal(find('hdr-polling').header, 'h1', 'the first (polling) request carried the header');

  assert.equal(await connectFrom(page, api, { transports: ['websocket'], extraHeaders: { 'x-token': 'h2' }, auth: { case: 'hdr-ws' } }), 'websocket');
  assert.equal(find('hdr-ws').header, undefined, 'a browser WebSocket cannot carry custom headers');
});

test('cross-origin, a custom header needs the CORS recipe', async () => {
  const refused = await connectFrom(page, noCors, { transports: ['polling'], extraHeaders: { 'x-token': 'h3' }, auth: { case: 'hdr-nocors' } });
  assert.match(refused, /^error: /, 'the preflight fails without cors.allowedHeaders');
  assert.equal(seen.filter((x) => x.case === 'hdr-nocors').length, 0);
});

test('cookies: sent cross-origin over polling only with withCredentials; always on the WebSocket handshake', async () => {
  assert.equal(await connectFrom(page, api, { transports: ['polling'], auth: { case: 'cookie-no-cred' } }), 'polling');
  assert.doesNotMatch(find('cookie-no-cred').cookie ?? '', /session=s3cret/);

  assert.equal(await connectFrom(page, api, { transports: ['polling'], withCredentials: true, auth: { case: 'cookie-cred' } }), 'polling');
  assert.match(find('cookie-cred').cookie ?? '', /session=s3cret/);

  assert.equal(await connectFrom(page, api, { transports: ['websocket'], auth: { case: 'cookie-ws' } }), 'websocket');
  assert.match(find('cookie-ws').cookie ?? '', /session=s3cret/, 'the browser adds cookies to the WebSocket handshake');
});

test('query parameters arrive over every transport (and sit in the URL)', async () => {
  assert.equal(await connectFrom(page, api, { transports: ['websocket'], query: { token: 'q1' }, auth: { case: 'query-ws' } }), 'websocket');
  assert.equal(find('query-ws').query, 'q1');
});
