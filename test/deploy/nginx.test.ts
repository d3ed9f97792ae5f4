// The nginx configuration of docs/deploy.md, run for real: Debian's nginx in front of the demo on free ports.
// Chromium signs in through it and upgrades to WebSocket, a Node.js client stays on long-polling through it, and
// the origin check's warning of the guide holds (nginx's default Host header gets every browser request refused).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { WebSocket } from 'ws';
import { io as ioc, type Socket as ClientSocket } from '../../src/client/index.js';
import { Server } from '../../src/server/index.js';
import { startChat, type Chat } from '../../examples/chat/app.js';
import { eventually, launchChromium, signIn, type UserPage } from '../browser/chat-harness.js';
import { DEPLOY_DOC, dropLines, nginxBlock, replaceOnce, startNginx, type Nginx } from './nginx.js';

const FIRST_LINE = '# /etc/nginx/conf.d/socketeer.conf (inside the http block)';

/** The guide's block, pointed at `upstream` and listening on the test's port: nothing else changes. */
function documented(upstream: number): string {
  let conf = nginxBlock(readFileSync(DEPLOY_DOC, 'utf8'), FIRST_LINE);
  conf = replaceOnce(conf, 'listen 80;', 'listen 127.0.0.1:{{port}};');
  conf = replaceOnce(conf, 'server 127.0.0.1:3000;', `server 127.0.0.1:${upstream};`);
  return conf;
}

/** A plain HTTP request; resolves with the status and body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

/** A WebSocket handshake (no prior polling session); resolves with the HTTP status (101 when upgraded). */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket', { origin });
    ws.once('upgrade', (res) => {
      resolve(res.statusCode!);
      ws.terminate();
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode!);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

function once<T = unknown>(s: { once(ev: string, fn: (arg: T) => void): unknown }, ev: string, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${ev}`)), ms);
    s.once(ev, (arg: T) => {
      clearTimeout(t);
      resolve(arg);
    });
  });
}

describe('the documented nginx configuration in front of the demo', () => {
  let chat: Chat;
  let nginx: Nginx;
  let browser: Browser;
  let alice: UserPage | undefined;
  let node: ClientSocket | undefined;

  before(async () => {
    // a short heartbeat, so that long-polling requests held by the server go through nginx several times
    chat = await startChat({ port: 0, host: '127.0.0.1', server: { pingInterval: 1500, pingTimeout: 8000 } });
    nginx = await startNginx(documented(chat.port));
    browser = await launchChromium();
  });

  after(async () => {
    node?.disconnect();
    await browser?.close();
    await nginx?.close();
    await chat?.close();
  });

  test('a browser signs in through nginx, connects and upgrades to WebSocket', async () => {
    alice = await signIn(browser, nginx.url, 'alice');
    await alice.page.waitForSelector('#transport-info:text("websocket")');
    assert.equal(await alice.page.textContent('#conn-text'), 'connected · websocket');
    // the server sees the browser's session upgraded
    const sessions = [...chat.io.engine.clients.values()];
    assert.ok(sessions.length >= 1);
    assert.ok(sessions.every((s) => s.transport.name === 'websocket'), 'every session of the page is on WebSocket');
    assert.match(nginx.accessLog(), /"POST \/api\/login HTTP\/1\.1" 200 /);
    assert.deepEqual(alice.errors, []);
  });

  test('a Node.js client on long-polling through nginx exchanges messages with the browser', async () => {
    assert.ok(alice, 'signed in by the previous test');
    const login = await fetch(nginx.url + '/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'bob-password' }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    node = ioc(nginx.url, { transports: ['polling'], forceNew: true, reconnection: false, auth: { token } });
    await once(node, 'connect');
    assert.equal(node.io.engine.transport?.name, 'polling');
    assert.equal((await node.emitWithAck('room:join', 'general')).ok, true);

    // browser → Node.js
    const received = once<{ from: string; text: string }>(node, 'message');
    await alice.page.fill('#input', 'through nginx, from the browser');
    await alice.page.press('#input', 'Enter');
    await alice.page.waitForSelector('#messages li.message.mine[data-state="delivered"]');
    const msg = await received;
    assert.equal(msg.from, 'alice');
    assert.equal(msg.text, 'through nginx, from the browser');

    // Node.js → browser, acknowledged
    const ack = await node.emitWithAck('message', { room: 'general', text: 'through nginx, over long-polling' });
    assert.equal(ack.ok, true);
    await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("over long-polling")');

    // held GETs answered by the heartbeat go through nginx too: the session survives two pings
    await once(node.io, 'ping');
    await once(node.io, 'ping');
    assert.equal(node.connected, true);
    assert.equal(node.io.engine.transport?.name, 'polling');
    const bobSession = [...chat.io.engine.clients.values()].find((s) => s.transport.name === 'polling');
    assert.ok(bobSession, 'the server holds a long-polling session');
    assert.match(nginx.accessLog(), /"POST \/socket\.io\/\?EIO=4&transport=polling&t=[^"]*&sid=[^"]+" 200 /);
    assert.deepEqual(alice.errors, []);
  });

  test("the demo's health route answers through nginx", async () => {
    assert.deepEqual(await get(nginx.url + '/healthz'), { status: 200, body: 'ok' });
  });

  test('a browser handshake with the documented configuration is accepted', async () => {
    const res = await get(nginx.url + HANDSHAKE, { origin: nginx.url });
    assert.equal(res.status, 200);
    assert.match(res.body, /^0\{"sid":/);
    assert.equal(await upgradeStatus(nginx.url, nginx.url), 101);
  });

  test("the page's WebSocket went through nginx (a 101 in its access log once the page is closed)", async () => {
    assert.ok(alice, 'signed in by the first test');
    // nginx logs a tunnelled connection when it ends
    await alice.context.close();
    alice = undefined;
    await eventually(
      () => /"GET \/socket\.io\/\?EIO=4&transport=websocket&sid=[^ "]+ HTTP\/1\.1" 101 /.test(nginx.accessLog()),
      'the upgraded request in the access log',
    );
  });
});

describe("the guide's warning: the origin check behind nginx", () => {
  let chat: Chat;
  const started: Nginx[] = [];
  let plain: HttpServer | undefined;
  let plainIo: Server | undefined;

  before(async () => {
    chat = await startChat({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    for (const n of started) await n.close();
    await plainIo?.close();
    await chat?.close();
  });

  const start = async (conf: string) => {
    const n = await startNginx(conf);
    started.push(n);
    return n;
  };

  test("with nginx's default Host ($proxy_host), every browser request is refused (403, code 4)", async () => {
    const conf = dropLines(dropLines(documented(chat.port), 'proxy_set_header Host '), 'proxy_set_header X-Forwarded-Host ');
    assert.doesNotMatch(conf, /Host \$/);
    const n = await start(conf);
    const refused = await get(n.url + HANDSHAKE, { origin: n.url });
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'origin not allowed' });
    assert.equal(await upgradeStatus(n.url, n.url), 403);
    // clients without an Origin (Node.js, mobile) are unaffected, which is why the problem goes unnoticed
    const node = await get(n.url + HANDSHAKE);
    assert.equal(node.status, 200);
    assert.match(node.body, /^0\{"sid":/);
  });

  test('with Host $host on a port other than 80, the port is lost and browser requests are refused', async () => {
    let conf = documented(chat.port);
    conf = replaceOnce(conf, 'proxy_set_header Host $http_host;', 'proxy_set_header Host $host;');
    conf = dropLines(conf, 'proxy_set_header X-Forwarded-Host ');
    const n = await start(conf);
    const refused = await get(n.url + HANDSHAKE, { origin: n.url });
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'origin not allowed' });
  });

  test('without the Host line, X-Forwarded-Host with trustProxy: true is accepted (and refused without trustProxy)', async () => {
    plain = createServer();
    plainIo = new Server(plain, { trustProxy: true });
    await new Promise<void>((r) => plain!.listen(0, '127.0.0.1', r));
    const trusting = (plain.address() as AddressInfo).port;
    const n = await start(dropLines(documented(trusting), 'proxy_set_header Host '));
    const ok = await get(n.url + HANDSHAKE, { origin: n.url });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^0\{"sid":/);

    const n2 = await start(dropLines(documented(chat.port), 'proxy_set_header Host '));
    const refused = await get(n2.url + HANDSHAKE, { origin: n2.url });
    assert.equal(refused.status, 403);
  });
});
