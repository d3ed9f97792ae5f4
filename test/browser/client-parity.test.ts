/**
 * Browser wire parity: the reference bundle (`socket.io-client/dist/socket.io.min.js`) and ours
 * play the same scenario in Chromium against the official server, from another origin with
 * extraHeaders and credentials; what the server sees (requests with their CORS-relevant
 * headers, Engine.IO packets in each direction) must be the same.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serveClientRequest } from '../../src/server/serve-client.js';
import { startOfficialServer, type TestServer } from '../interop/servers.js';
import { launchChromium, startPageServer, type PageServer } from './client-harness.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

declare const io: any;

const referenceBundle = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js'),
);
const HEADERS = ['content-type', 'accept', 'x-extra', 'cookie', 'origin', 'access-control-request-headers', 'access-control-request-method'];

describe('browser wire parity with socket.io-client', () => {
  let browser: Browser;
  let pageServer: PageServer;
  let srv: TestServer;
  let log: string[] = [];
  let script = ''; // the bundle the next page loads
  const ids = new Map<string, string>();

  const normalise = (text: string) =>
    text.replace(/([?&]t=)[^&\s]+/g, '$1T').replace(/(sid=|io=|"sid":")([A-Za-z0-9_-]{20})/g, (_m, prefix: string, id: string) => {
      if (!ids.has(id)) ids.set(id, `ID${ids.size}`);
      return prefix + ids.get(id)!;
    });
  const describeRequest = (kind: string, req: IncomingMessage) =>
    normalise(`${kind} ${req.url} ` + HEADERS.map((h) => `${h}=${req.headers[h] ?? ''}`).join(' '));

  before(async () => {
    browser = await launchChromium();
    pageServer = await startPageServer(() => `<!doctype html><script src="${srv.url}${script}"></script>`);
    srv = await startOfficialServer(
      { serveClient: false, cors: { origin: pageServer.url, credentials: true }, cookie: true, pingInterval: 10000 },
      (io, http) => {
        http.on('upgrade', (req: IncomingMessage) => log.push(describeRequest('UPGRADE', req)));
        io.engine.on('connection', (conn: any) => {
          const show = (p: any) => (typeof p.data === 'string' ? p.data : p.data ? 'bin:' + [...new Uint8Array(p.data)].join(',') : '');
          conn.on('packet', (p: any) => log.push(normalise(`C>S ${p.type} ${show(p)}`)));
          conn.on('packetCreate', (p: any) => log.push(normalise(`S>C ${p.type} ${show(p)}`)));
        });
        io.on('connection', (s: any) => {
          s.on('hello', (v: unknown, cb: (r: unknown) => void) => cb({ got: v }));
          s.on('bin', (b: Buffer, cb: (r: unknown) => void) => cb(Buffer.from([...b].reverse())));
        });
      },
      (req, res) => {
        if (req.url === '/ref/socket.io.min.js') {
          res.writeHead(200, { 'Content-Type': 'application/javascript' });
          res.end(referenceBundle);
          return true;
        }
        if (serveClientRequest(req, res, { path: '/socket.io' })) return true;
        log.push(describeRequest(req.method!, req));
        return false;
      },
    );
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    await pageServer?.close();
  });

  async function play(bundle: string, transports: string[]): Promise<string[]> {
    script = bundle;
    log = [];
    ids.clear();
    const page = await browser.newPage();
    if (process.env.SHOW_WIRE) {
      page.on('console', (m) => console.log('console', m.text()));
      page.on('pageerror', (e) => console.log('pageerror', e.message));
      page.on('requestfailed', (r) => console.log('failed', r.url(), r.failure()?.errorText));
    }
    await page.goto(pageServer.url + '/');
    await page.waitForFunction(() => typeof (globalThis as any).io === 'function');
    await page.evaluate(
      async ({ url, transports }: { url: string; transports: string[] }) => {
        const socket = io(url, {
          forceNew: true,
          transports,
          upgrade: false,
          reconnection: false,
          query: { q: 'x y' },
          auth: { a: 1 },
          extraHeaders: { 'x-extra': 'e' },
          withCredentials: true,
        });
        await new Promise((r) => socket.on('connect', r));
        await new Promise((r) => socket.emit('hello', 'wörld', r));
        await new Promise((r) => socket.emit('bin', new Uint8Array([1, 2, 3]), r));
        socket.disconnect();
        await new Promise((r) => setTimeout(r, 150));
      },
      { url: srv.url, transports },
    );
    await page.close();
    return log.slice();
  }

  const split = (entries: string[]) => ({
    clientToServer: entries.filter((l) => l.startsWith('C>S')),
    serverToClient: entries.filter((l) => l.startsWith('S>C')),
    requests: [...new Set(entries.filter((l) => !l.startsWith('C>S') && !l.startsWith('S>C')))].sort(),
  });

  for (const transports of [['polling'], ['websocket']]) {
    it(`sends what the reference bundle sends (${transports[0]})`, async () => {
      const reference = split(await play('/ref/socket.io.min.js', transports));
      const ours = split(await play('/socket.io/socketeer.min.js', transports));
      assert.ok(reference.clientToServer.length >= 4, 'the scenario ran');
      if (transports[0] === 'polling') {
        assert.ok(reference.requests.some((r) => r.startsWith('OPTIONS')), 'a preflight happened');
        assert.ok(reference.requests.some((r) => r.includes('cookie=session=browser-abc')), 'credentials were sent');
      }
      if (process.env.SHOW_WIRE) console.log(JSON.stringify(reference, null, 1));
      assert.deepEqual(ours, reference);
    });
  }
});
