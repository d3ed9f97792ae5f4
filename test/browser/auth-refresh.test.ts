/**
 * Credentials in Chromium: refresh in place in a page, and a page on an unlisted origin that cannot open a
 * WebSocket nor a polling session.
 *
 * The page loads the client bundle served by the server (`/socket.io/socketeer.min.js`) and the refresh helper
 * bundled on its own (`src/client/auth`). The origin check is installed through the engine's middleware hook
 * until the engine runs it by default.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { Server } from '../../src/server/index.js';
import type { EngineServer } from '../../src/engine/server.js';
import { authenticate, credentialsOf } from '../../src/server/auth/index.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
let browser: Browser;
let bundle: string;

/**
 * Bundles the refresh helper alone (`src/client/auth`, which needs nothing of the client at run time) as the
 * global `SocketeerAuth`, to be used with the client bundle the server serves at `/socket.io/socketeer.min.js`.
 */
async function buildHelperBundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'src/client/auth/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'SocketeerAuth',
    platform: 'browser',
    target: ['es2018'],
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

before(async () => {
  bundle = await buildHelperBundle();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

/** Serves `/` (a page loading the served client and the helper), `/auth.js` (the helper) and `/token` (a token valid 2 s). */
function pages(tokens: Map<string, number>, req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/token') {
    const token = randomUUID();
    tokens.set(token, Date.now() + 2000);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(token);
  } else if (req.url === '/auth.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    res.end(bundle);
  } else {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><html><head><script src="/socket.io/socketeer.min.js"></script><script src="/auth.js"></script></head><body></body></html>');
  }
}

/** A browser context whose pages tolerate the `__name` helper that the TypeScript loader adds to functions. */
async function newContext() {
  const context = await browser.newContext();
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  return context;
}

async function startSite(withSocketeer: boolean) {
  const tokens = new Map<string, number>();
  const http = createServer((req, res) => pages(tokens, req, res));
  let io: Server | undefined;
  if (withSocketeer) {
    io = new Server(http, { pingInterval: 1000, pingTimeout: 2000 });
    // the origin check is the engine's default: only this server's own origin is accepted from browsers
    authenticate(io, {
      verify: ({ token }) => {
        const exp = tokens.get(String(token));
        if (exp === undefined) throw Object.assign(new Error('invalid token'), { data: { code: 401 } });
        return { data: { token }, expiresAt: exp };
      },
      refreshBefore: 1000,
      refreshTimeout: 1500,
    });
    io.on('connection', (socket) => {
      socket.join('page');
      socket.on('slow', (ack: (v: string) => void) => setTimeout(() => ack('done'), 1500));
    });
  }
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    io,
    url,
    async close() {
      await io?.close();
      http.closeAllConnections();
      http.close();
    },
  };
}

for (const transports of [['websocket'], ['polling']]) {
  test(`refresh in place in a page (${transports[0]}): same session and id, ack in flight delivered, no disconnect`, async () => {
    const site = await startSite(true);
    const context = await newContext();
    try {
      const page = await context.newPage();
      const errors: Error[] = [];
      page.on('pageerror', (e) => errors.push(e));
      await page.goto(site.url + '/');
      const first = await page.evaluate(async (transports) => {
        const w = window as any;
        const socket = w.SocketeerAuth.enableCredentialsRefresh(
          w.io({
            transports,
            autoConnect: false,
            reconnection: false,
            auth: (cb: (d: object) => void) => fetch('/token').then((r) => r.text()).then((token) => cb({ token })),
          }),
        );
        w.log = [] as string[];
        socket.on('credentials_refresh', () => w.log.push('refresh'));
        socket.on('disconnect', (r: string) => w.log.push('disconnect:' + r));
        socket.on('news', (v: string) => w.log.push('news:' + v));
        w.socket = socket;
        socket.connect();
        await new Promise((r) => socket.once('connect', r));
        return { id: socket.id, engine: socket.io.engine.id };
      }, transports);
      // an ack in flight across the first refresh (asked at ~1 s)
      const ack = page.evaluate(() => new Promise((resolve) => (window as any).socket.emit('slow', resolve)));
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await ack, 'done');
      site.io!.to('page').emit('news', 'still here');
      await page.waitForFunction(() => (window as any).log.includes('news:still here'));
      const state = await page.evaluate(() => {
        const w = window as any;
        return { id: w.socket.id, engine: w.socket.io.engine.id, connected: w.socket.connected, log: w.log as string[] };
      });
      assert.equal(state.connected, true);
      assert.equal(state.id, first.id);
      assert.equal(state.engine, first.engine);
      assert.ok(!state.log.some((l) => l.startsWith('disconnect')), state.log.join());
      assert.ok(state.log.filter((l) => l === 'refresh').length >= 2, state.log.join());
      const serverSocket = site.io!.sockets.sockets.get(first.id)!;
      assert.ok(credentialsOf(serverSocket)!.refreshes >= 2);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await site.close();
    }
  });
}

test('a refused refresh in a page: credentials_error with the server message and data, then disconnect with its reason', async () => {
  const site = await startSite(true);
  const context = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(site.url + '/');
    const log = await page.evaluate(async () => {
      const w = window as any;
      let calls = 0;
      const socket = w.SocketeerAuth.enableCredentialsRefresh(
        w.io({
          autoConnect: false,
          reconnection: false,
          // a valid token first, then a forged one
          auth: (cb: (d: object) => void) =>
            calls++ === 0 ? fetch('/token').then((r) => r.text()).then((token) => cb({ token })) : cb({ token: 'forged' }),
        }),
      );
      const entries: string[] = [];
      socket.on('credentials_error', (err: Error & { data?: { code: number } }) => entries.push(`credentials_error:${err.message}:${err.data?.code}`));
      const done = new Promise<void>((resolve) =>
        socket.on('disconnect', (r: string) => {
          entries.push('disconnect:' + r + ':' + socket.active);
          resolve();
        }),
      );
      socket.connect();
      await done;
      return entries;
    });
    assert.deepEqual(log, ['credentials_error:invalid token:401', 'disconnect:credentials refused:false']);
  } finally {
    await context.close();
    await site.close();
  }
});

test('a page on an unlisted origin cannot open a WebSocket nor a polling session', async () => {
  const target = await startSite(true);
  const other = await startSite(false);
  const context = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(other.url + '/');
    // the other site includes the client script from the target server
    await page.addScriptTag({ url: target.url + '/socket.io/socketeer.min.js' });
    const targetUrl = target.url;
    const result = await page.evaluate(async (url) => {
      const ws = await new Promise<string>((resolve) => {
        const s = new WebSocket(url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
        s.onopen = () => resolve('open');
        s.onerror = () => resolve('error');
      });
      // a cross-origin polling handshake (CORS mode: the browser sends the Origin header)
      const polling = await fetch(url + '/socket.io/?EIO=4&transport=polling').then(
        (r) => 'status:' + r.status,
        () => 'failed',
      );
      const w = window as any;
      const socket = w.io(url, { reconnection: false, auth: { token: 'x' } });
      const client = await new Promise<string>((resolve) => {
        socket.on('connect', () => resolve('connected'));
        socket.on('connect_error', (e: Error) => resolve('connect_error:' + e.message));
      });
      socket.close();
      return { ws, polling, client };
    }, targetUrl);
    assert.equal(result.ws, 'error');
    assert.equal(result.polling, 'failed');
    assert.match(result.client, /^connect_error:/);
    assert.equal((target.io!.engine as EngineServer).clientsCount, 0, 'no session was ever opened');
    // the same page served by the server itself connects
    const own = await context.newPage();
    await own.goto(target.url + '/');
    const ownWs = await own.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const s = new WebSocket(url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
          s.onopen = () => (s.close(), resolve('open'));
          s.onerror = () => resolve('error');
        }),
      target.url,
    );
    assert.equal(ownWs, 'open');
  } finally {
    await context.close();
    await target.close();
    await other.close();
  }
});
