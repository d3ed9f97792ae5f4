/**
 * Client against a real server: the polling → WebSocket upgrade under load, payload batching
 * under maxPayload, rememberUpgrade, tryAllTransports, the cookie jar, autoUnref.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { io, type Socket } from '../../src/client/index.js';
import { once, sleep, until } from './helpers.js';
import { serverFactories, type TestServer } from './servers.js';

const fast = { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 50 };
const COUNT = 1000;

/** Calls `send(i)` for i in [0, count), a few per timer tick so that the stream spans the upgrade. */
function trickle(count: number, send: (i: number) => void, perTick = 5): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const step = () => {
      for (let k = 0; k < perTick && i < count; k++) send(i++);
      if (i < count) setTimeout(step, 1);
      else resolve();
    };
    step();
  });
}

for (const factory of serverFactories()) {
  describe(`client upgrade and transports (${factory.name})`, () => {
    const open: Array<Socket | TestServer> = [];
    const track = <T extends Socket | TestServer>(x: T): T => {
      open.push(x);
      return x;
    };
    after(async () => {
      for (const x of open) {
        if ('disconnect' in x) x.disconnect();
        else await x.close();
      }
    });

    it(`upgrades without loss or reordering (${COUNT} numbered messages both ways)`, async () => {
      const serverGot: number[] = [];
      let serverUpgradedAt = -1;
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => {
            s.conn.on('upgrade', () => (serverUpgradedAt = serverGot.length));
            s.on('n', (i: number) => serverGot.push(i));
            void trickle(COUNT, (i) => s.emit('n', i));
          }),
        ),
      );
      const socket = track(io(srv.url, fast));
      const clientGot: number[] = [];
      let clientUpgradedAt = -1;
      socket.on('n', (i: number) => clientGot.push(i));
      await once(socket, 'connect');
      assert.equal(socket.io.engine.transport!.name, 'polling');
      socket.io.engine.on('upgrade', () => (clientUpgradedAt = clientGot.length));
      await trickle(COUNT, (i) => socket.emit('n', i));
      await until(() => clientGot.length === COUNT && serverGot.length === COUNT, 10000, 'all messages');
      assert.equal(socket.io.engine.transport!.name, 'websocket');
      const expected = Array.from({ length: COUNT }, (_, i) => i);
      assert.deepEqual(clientGot, expected);
      assert.deepEqual(serverGot, expected);
      // the upgrade happened while both streams were flowing
      assert.ok(clientUpgradedAt > 0 && clientUpgradedAt < COUNT, `client upgraded after ${clientUpgradedAt} messages`);
      assert.ok(serverUpgradedAt >= 0 && serverUpgradedAt < COUNT, `server upgraded after ${serverUpgradedAt} messages`);
    });

    it('stays on polling when the WebSocket probe fails, and keeps working', async () => {
      const srv = track(
        await factory.start({}, (io, http) => {
          // refuse every WebSocket before the server sees it
          http.prependListener('upgrade', (_req: IncomingMessage, sock: { destroy(): void }) => sock.destroy());
          io.on('connection', (s: any) => s.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v)));
        }),
      );
      const socket = track(io(srv.url, fast));
      const upgradeError = once(socket.io.engine, 'upgradeError');
      await once(socket, 'connect');
      const [err] = await upgradeError;
      assert.match(err.message, /probe error/);
      assert.equal(err.transport, 'websocket');
      assert.equal(socket.io.engine.transport!.name, 'polling');
      assert.equal(await socket.emitWithAck('echo', 'still here'), 'still here');
      assert.equal(socket.connected, true);
    });

    it('fails a held poll after requestTimeout (transport error)', async () => {
      const srv = track(await factory.start({ pingInterval: 2000, pingTimeout: 2000 }));
      const socket = track(io(srv.url, { ...fast, upgrade: false, requestTimeout: 150, reconnection: false }));
      await once(socket, 'connect');
      const started = Date.now();
      const [reason, description] = await once(socket, 'disconnect', 2000);
      assert.equal(reason, 'transport error');
      assert.equal(description.message, 'xhr poll error');
      assert.ok(Date.now() - started < 1000);
    });

    it("splits buffered packets into POSTs no larger than the server's maxPayload", async () => {
      const bodies: number[] = [];
      const got: number[] = [];
      const srv = track(
        await factory.start(
          { maxHttpBufferSize: 1000 },
          (io) => io.on('connection', (s: any) => s.on('big', (i: number) => got.push(i))),
          (req: IncomingMessage) => {
            if (req.method === 'POST') bodies.push(Number(req.headers['content-length']));
            return false;
          },
        ),
      );
      const socket = track(io(srv.url, { ...fast, upgrade: false, autoConnect: false }));
      const pad = 'x'.repeat(100);
      for (let i = 0; i < 40; i++) socket.emit('big', i, pad);
      socket.connect();
      await until(() => got.length === 40, 5000, 'all packets');
      assert.deepEqual(got, Array.from({ length: 40 }, (_, i) => i));
      assert.ok(bodies.length >= 5, `${bodies.length} POSTs`);
      assert.ok(bodies.every((n) => n <= 1000), `POST sizes ${bodies}`);
      assert.equal(socket.connected, true);
    });

    it('starts with WebSocket after a successful upgrade when rememberUpgrade is set', async () => {
      const urls: string[] = [];
      const srv = track(
        await factory.start({}, (_io, http) => http.on('upgrade', (req: IncomingMessage) => urls.push(req.url!)), (req) => (urls.push(req.url!), false)),
      );
      const first = track(io(srv.url, fast));
      await once(first, 'connect');
      if (first.io.engine.transport!.name !== 'websocket') await once(first.io.engine, 'upgrade');
      first.disconnect();
      urls.length = 0;
      const second = track(io(srv.url, { ...fast, rememberUpgrade: true }));
      await once(second, 'connect');
      assert.equal(second.io.engine.transport!.name, 'websocket');
      assert.match(urls[0]!, /transport=websocket/);
      assert.doesNotMatch(urls[0]!, /sid=/);
    });

    it('falls back to the next transport with tryAllTransports', async () => {
      const srv = track(await factory.start({ transports: ['polling'] }));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket', 'polling'], tryAllTransports: true }));
      await once(socket, 'connect');
      assert.equal(socket.io.engine.transport!.name, 'polling');
    });

    it('does not upgrade with upgrade: false, and honours path and timestampRequests: false', async () => {
      const urls: string[] = [];
      const srv = track(await factory.start({ path: '/rt' }, undefined, (req) => (urls.push(req.url!), false)));
      const socket = track(io(srv.url, { ...fast, path: '/rt', upgrade: false, timestampRequests: false }));
      await once(socket, 'connect');
      await sleep(100);
      assert.equal(socket.io.engine.transport!.name, 'polling');
      assert.ok(urls.length > 0 && urls.every((u) => u.startsWith('/rt/?')), urls.join(' '));
      assert.ok(urls.every((u) => !/[?&]t=/.test(u)), urls.join(' '));
    });

    it('drops the trailing slash of the path with addTrailingSlash: false', async () => {
      const urls: string[] = [];
      const srv = track(
        await factory.start({ addTrailingSlash: false }, (_io, http) => http.on('upgrade', (req: IncomingMessage) => urls.push(req.url!)), (req) => (urls.push(req.url!), false)),
      );
      const socket = track(io(srv.url, { ...fast, addTrailingSlash: false }));
      await once(socket, 'connect');
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      assert.ok(urls.length >= 3 && urls.every((u) => u.startsWith('/socket.io?')), urls.join(' '));
    });

    it('adds a cache buster (timestampParam) to polling requests by default', async () => {
      const urls: string[] = [];
      const srv = track(await factory.start({}, undefined, (req) => (urls.push(req.url!), false)));
      const socket = track(io(srv.url, { ...fast, upgrade: false, timestampParam: 'ts' }));
      await once(socket, 'connect');
      assert.ok(urls.length > 0 && urls.every((u) => /[?&]ts=[0-9a-z]+/.test(u)), urls.join(' '));
    });

    it('replays cookies with withCredentials (cookie jar), on polling and the upgrade', async () => {
      const cookies: Array<[string, unknown]> = [];
      const srv = track(
        await factory.start(
          { cookie: true },
          (_io, http) => http.on('upgrade', (req: IncomingMessage) => cookies.push(['ws', req.headers.cookie])),
          (req) => (req.url!.startsWith('/socket.io/') && cookies.push([req.method!, req.headers.cookie]), false),
        ),
      );
      const socket = track(io(srv.url, { ...fast, withCredentials: true }));
      await once(socket, 'connect');
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      const sid = socket.io.engine.id;
      assert.equal(cookies[0]![1], undefined); // the handshake sets it
      const later = cookies.slice(1);
      assert.ok(later.length >= 2);
      assert.deepEqual(later.filter(([, c]) => c !== `io=${sid}`), []);
      assert.ok(later.some(([m]) => m === 'ws'));

      cookies.length = 0;
      const plain = track(io(srv.url, { ...fast, upgrade: false }));
      await once(plain, 'connect');
      assert.deepEqual(cookies.filter(([, c]) => c !== undefined), []);
    });

    it('lets the process exit while connected with autoUnref', async () => {
      let connected = false;
      const srv = track(await factory.start({}, (io) => io.on('connection', () => (connected = true))));
      const clientModule = new URL('../../src/client/index.ts', import.meta.url).href;
      const code = `import { io } from ${JSON.stringify(clientModule)};
        const keepAlive = setInterval(() => {}, 1000); // holds the process until connected
        const s = io(${JSON.stringify(srv.url)}, { autoUnref: true });
        s.on('connect', () => { console.log('connected'); setTimeout(() => clearInterval(keepAlive), 100); });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill();
          reject(new Error('the client process did not exit'));
        }, 8000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(exitCode, 0);
      assert.match(out, /connected/);
      assert.equal(connected, true);
    });
  });
}
