/**
 * The browser bundle in Chromium against a real server on another origin: bundle served under
 * the Socket.IO path, CORS preflight for extraHeaders, credentials (cookies), upgrade, auth
 * over WebSocket only, binary, reconnection after a restart, the ES module build.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { serveClientRequest } from '../../src/server/serve-client.js';
import { serverFactories, type TestServer } from '../interop/servers.js';
import { launchChromium, startPageServer, type PageServer } from './client-harness.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

declare const io: any; // the global of the bundle, inside the page

for (const factory of serverFactories()) {
  describe(`browser client (${factory.name})`, () => {
    let browser: Browser;
    let pageServer: PageServer;
    let srv: TestServer;
    let page: Page;
    const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
    const seen: { headers: any[]; auth: any[] } = { headers: [], auth: [] };

    before(async () => {
      browser = await launchChromium();
      let serverUrl = '';
      pageServer = await startPageServer(
        () => `<!doctype html><html><head><script src="${serverUrl}/socket.io/socket.io.min.js"></script></head><body>ok</body></html>`,
      );
      // another origin than the page's (another port): CORS and credentials apply
      const cors = { origin: pageServer.url, credentials: true };
      srv = await factory.start(
        { serveClient: false, cors, pingInterval: 300, pingTimeout: 300 },
        (io, http) => {
          http.on('upgrade', (req: IncomingMessage) => requests.push({ method: 'UPGRADE', url: req.url!, headers: req.headers }));
          io.use((s: any, next: () => void) => {
            seen.headers.push(s.handshake.headers);
            seen.auth.push(s.handshake.auth);
            next();
          });
          io.on('connection', (s: any) => {
            s.emit('hello', s.conn.transport.name);
            s.on('echo', (...args: any[]) => args.pop()(...args));
            s.on('transport?', (cb: (t: string) => void) => cb(s.conn.transport.name));
          });
        },
        (req, res) => {
          requests.push({ method: req.method!, url: req.url!, headers: req.headers });
          return serveClientRequest(req, res, { path: '/socket.io', cors });
        },
      );
      serverUrl = srv.url;
      page = await browser.newPage();
      await page.goto(pageServer.url + '/');
      await page.waitForFunction(() => typeof (globalThis as any).io === 'function');
    });

    after(async () => {
      await browser?.close();
      await srv?.close();
      await pageServer?.close();
    });

    it('loads the bundle from the server origin and exposes io with Manager and Socket', async () => {
      const info = await page.evaluate(() => ({
        io: typeof io,
        manager: typeof io.Manager,
        socket: typeof io.Socket,
        connect: io.connect === io,
        protocol: io.protocol,
      }));
      assert.deepEqual(info, { io: 'function', manager: 'function', socket: 'function', connect: true, protocol: 5 });
      const script = requests.find((r) => r.url === '/socket.io/socket.io.min.js');
      assert.ok(script, 'the bundle was fetched from the Socket.IO server');
    });

    it('connects cross-origin with extraHeaders (preflight) and withCredentials (cookie), then upgrades', async () => {
      requests.length = 0;
      seen.headers.length = 0;
      const result = await page.evaluate(async (url: string) => {
        const socket = io(url, { forceNew: true, extraHeaders: { 'x-token': 'from-browser' }, withCredentials: true });
        const [transport] = await new Promise<any[]>((resolve) => socket.on('hello', (...a: any[]) => resolve(a)));
        if (socket.io.engine.transport.name !== 'websocket') await new Promise((r) => socket.io.engine.on('upgrade', r));
        const serverTransport = await socket.emitWithAck('transport?');
        const out = { first: transport, client: socket.io.engine.transport.name, server: serverTransport, id: socket.id };
        socket.disconnect();
        return out;
      }, srv.url);
      assert.equal(result.first, 'polling');
      assert.equal(result.client, 'websocket');
      assert.equal(result.server, 'websocket');
      const preflight = requests.find((r) => r.method === 'OPTIONS');
      assert.ok(preflight, 'a CORS preflight was sent');
      assert.match(String(preflight!.headers['access-control-request-headers']), /x-token/);
      assert.equal(seen.headers[0]['x-token'], 'from-browser');
      assert.match(String(seen.headers[0].cookie), /session=browser-abc/);
      assert.equal(seen.headers[0].origin, pageServer.url);
      const polls = requests.filter((r) => r.method === 'GET' && r.url.includes('transport=polling'));
      assert.ok(polls.length > 0 && polls.every((r) => r.headers['x-token'] === 'from-browser'));
    });

    it('does not send cookies cross-origin without withCredentials', async () => {
      seen.headers.length = 0;
      await page.evaluate(async (url: string) => {
        const socket = io(url, { forceNew: true, upgrade: false });
        await new Promise((r) => socket.on('connect', r));
        socket.disconnect();
      }, srv.url);
      assert.equal(seen.headers[0].cookie, undefined);
    });

    it('sends auth with WebSocket only', async () => {
      seen.auth.length = 0;
      requests.length = 0;
      const transport = await page.evaluate(async (url: string) => {
        const socket = io(url, { forceNew: true, transports: ['websocket'], auth: { token: 'ws-auth' } });
        await new Promise((r) => socket.on('connect', r));
        const t = socket.io.engine.transport.name;
        socket.disconnect();
        return t;
      }, srv.url);
      assert.equal(transport, 'websocket');
      assert.deepEqual(seen.auth[0], { token: 'ws-auth' });
      // no polling handshake (requests of earlier sockets' sessions may still arrive)
      assert.equal(requests.filter((r) => r.url.includes('transport=polling') && !r.url.includes('sid=')).length, 0);
      assert.equal(requests.filter((r) => r.url.includes('transport=websocket') && !r.url.includes('sid=')).length, 1);
    });

    for (const transports of [['polling'], ['websocket']]) {
      it(`round-trips binary (${transports[0]})`, async () => {
        const result = await page.evaluate(
          async ({ url, transports }: { url: string; transports: string[] }) => {
            const socket = io(url, { forceNew: true, transports });
            await new Promise((r) => socket.on('connect', r));
            const reply = await socket.emitWithAck('echo', new Uint8Array([1, 2, 250]), { nested: new Uint8Array([7]).buffer });
            socket.disconnect();
            return {
              isArrayBuffer: reply instanceof ArrayBuffer,
              bytes: Array.from(new Uint8Array(reply)),
            };
          },
          { url: srv.url, transports },
        );
        assert.deepEqual(result, { isArrayBuffer: true, bytes: [1, 2, 250] });
      });
    }

    it('sends a File (Blob) as binary', async () => {
      const result = await page.evaluate(async (url: string) => {
        const socket = io(url, { forceNew: true });
        await new Promise((r) => socket.on('connect', r));
        const file = new File([new Uint8Array([9, 8]), 'z'], 'a.bin');
        const reply = await socket.emitWithAck('echo', file);
        socket.disconnect();
        return Array.from(new Uint8Array(reply));
      }, srv.url);
      assert.deepEqual(result, [9, 8, 122]);
    });

    it('reconnects after the server restarts', async () => {
      await page.evaluate((url: string) => {
        const w = globalThis as any;
        w.connects = 0;
        w.reasons = [];
        w.sock = io(url, { forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 200 });
        w.sock.on('connect', () => w.connects++);
        w.sock.on('disconnect', (reason: string) => w.reasons.push(reason));
      }, srv.url);
      await page.waitForFunction(() => (globalThis as any).connects >= 1);
      // on a busy machine the short heartbeat of this suite may already have cost a reconnection: count from here
      const before = await page.evaluate(() => ({ connects: (globalThis as any).connects as number, reasons: (globalThis as any).reasons.length as number }));
      await srv.restart();
      await page.waitForFunction((n: number) => (globalThis as any).connects > n && (globalThis as any).sock.connected, before.connects, { timeout: 15_000 });
      const reasons = await page.evaluate((from: number) => {
        const w = globalThis as any;
        w.sock.disconnect();
        return w.reasons.slice(from) as string[];
      }, before.reasons);
      // the restart closes the connection (`ping timeout` if the close was not seen before the heartbeat expired)
      assert.ok(['transport close', 'transport error', 'ping timeout'].includes(reasons[0]!), reasons.join());
    });

    it('closes silently on beforeunload with closeOnBeforeunload (and only then)', async () => {
      const result = await page.evaluate(async (url: string) => {
        const w = globalThis as any;
        // (no named local functions: the page cannot run the helpers a TypeScript loader adds for them)
        w.unloadPair = [true, false].map((closeOnBeforeunload) => {
          const socket = io(url, { forceNew: true, transports: ['websocket'], closeOnBeforeunload, reconnection: false });
          const events: string[] = [];
          socket.on('disconnect', (reason: string) => events.push(reason));
          return { socket, events };
        });
        await Promise.all(w.unloadPair.map(({ socket }: any) => new Promise((r) => socket.on('connect', r))));
        dispatchEvent(new Event('beforeunload'));
        await new Promise((r) => setTimeout(r, 300));
        return {
          ids: w.unloadPair.map((p: any) => p.socket.id),
          events: w.unloadPair.map((p: any) => p.events),
          closedWs: w.unloadPair.map((p: any) => p.socket.io.engine.transport.ws === null),
        };
      }, srv.url);
      // no client-side disconnect event either way; only the opted-in socket is gone on the server
      assert.deepEqual(result.events, [[], []]);
      assert.deepEqual(result.closedWs, [true, false]);
      assert.deepEqual(
        result.ids.map((id: string) => srv.io.of('/').sockets.has(id)),
        [false, true],
      );
      await page.evaluate(() => (globalThis as any).unloadPair[1].socket.disconnect());
    });

    it("closes on the browser's offline event (transport close, network connection lost)", async () => {
      const result = await page.evaluate(async (url: string) => {
        const socket = io(url, { forceNew: true, reconnection: false });
        await new Promise((r) => socket.on('connect', r));
        const disconnected = new Promise<any[]>((r) => socket.on('disconnect', (...a: any[]) => r(a)));
        dispatchEvent(new Event('offline'));
        const [reason, description] = await disconnected;
        return { reason, description: description?.description };
      }, srv.url);
      assert.deepEqual(result, { reason: 'transport close', description: 'network connection lost' });
    });

    it('works as an ES module (socket.io.esm.min.js)', async () => {
      const result = await page.evaluate(async (url: string) => {
        const mod = await import(url + '/socket.io/socket.io.esm.min.js');
        const socket = mod.io(url, { forceNew: true });
        const [transport] = await new Promise<any[]>((resolve) => socket.on('hello', (...a: any[]) => resolve(a)));
        socket.disconnect();
        return { transport, hasManager: typeof mod.Manager === 'function', isDefault: mod.default === mod.io };
      }, srv.url);
      assert.deepEqual(result, { transport: 'polling', hasManager: true, isDefault: true });
    });
  });
}
