/**
 * Client against a real server: connection, transports, headers, query, auth, errors,
 * namespaces and multiplexing, disconnect reasons.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { io, Manager, WebSocket as WebSocketTransport, XHR, type Socket } from '../../src/client/index.js';
import { once, sleep, until } from './helpers.js';
import { startProxy } from './proxy.js';
import { serverFactories, type TestServer } from './servers.js';

const fast = { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 50 };

for (const factory of serverFactories()) {
  describe(`client connection (${factory.name})`, () => {
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

    it('connects over polling, then upgrades to WebSocket', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.emit('welcome', s.id, s.conn.transport.name))));
      const socket = track(io(srv.url, fast));
      const [id, transport] = await once(socket, 'welcome');
      assert.equal(socket.connected, true);
      assert.equal(socket.disconnected, false);
      assert.equal(socket.id, id);
      assert.equal(transport, 'polling');
      assert.notEqual(socket.io.engine.id, socket.id);
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      assert.equal(socket.io.engine.transport!.name, 'websocket');
    });

    it('connects with WebSocket only, never polling', async () => {
      const urls: string[] = [];
      const srv = track(await factory.start({}, undefined, (req) => (urls.push(req.url!), false)));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'] }));
      await once(socket, 'connect');
      assert.equal(socket.io.engine.transport!.name, 'websocket');
      assert.equal(urls.filter((u) => u.includes('transport=polling')).length, 0);
    });

    it('accepts transport classes and skips unsupported names (webtransport)', async () => {
      const srv = track(await factory.start());
      const a = track(io(srv.url, { ...fast, transports: [WebSocketTransport] }));
      await once(a, 'connect');
      assert.equal(a.io.engine.transport!.name, 'websocket');
      assert.deepEqual(a.io.engine.transports, ['websocket']);
      const b = track(io(srv.url, { ...fast, transports: ['webtransport', XHR], upgrade: false }));
      await once(b, 'connect');
      assert.equal(b.io.engine.transport!.name, 'polling');
      assert.deepEqual(b.io.engine.transports, ['polling']);
    });

    it('sends extraHeaders on every polling request and the WebSocket upgrade (Node.js)', async () => {
      const seen: Array<[string, string | undefined]> = [];
      const record = (req: IncomingMessage) => {
        if (req.url!.startsWith('/socket.io/')) seen.push([req.url!.includes('websocket') ? 'ws' : req.method!, req.headers['x-token'] as string]);
      };
      let middlewareSaw: unknown;
      const srv = track(
        await factory.start(
          {},
          (io, http) => {
            http.on('upgrade', record);
            io.use((s: any, next: () => void) => {
              middlewareSaw = s.handshake.headers['x-token'];
              next();
            });
          },
          (req) => (record(req), false),
        ),
      );
      const socket = track(io(srv.url, { ...fast, extraHeaders: { 'x-token': 'secret' } }));
      await once(socket, 'connect');
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      assert.equal(middlewareSaw, 'secret');
      assert.ok(seen.some(([m]) => m === 'GET'));
      assert.ok(seen.some(([m]) => m === 'POST'));
      assert.ok(seen.some(([m]) => m === 'ws'));
      assert.deepEqual(seen.filter(([, h]) => h !== 'secret'), []);
    });

    it('sends extraHeaders with WebSocket only', async () => {
      let upgradeHeader: unknown;
      let middlewareSaw: unknown;
      const srv = track(
        await factory.start({}, (io, http) => {
          http.on('upgrade', (req: IncomingMessage) => (upgradeHeader = req.headers['x-token']));
          io.use((s: any, next: () => void) => {
            middlewareSaw = s.handshake.headers['x-token'];
            next();
          });
        }),
      );
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], extraHeaders: { 'x-token': 'ws-secret' } }));
      await once(socket, 'connect');
      assert.equal(upgradeHeader, 'ws-secret');
      assert.equal(middlewareSaw, 'ws-secret');
    });

    it('applies transportOptions per transport (v2-style polling.extraHeaders)', async () => {
      const seen: Array<[string, unknown]> = [];
      const srv = track(
        await factory.start(
          {},
          (_io, http) => http.on('upgrade', (req: IncomingMessage) => seen.push(['ws', req.headers['x-poll']])),
          (req) => (req.url!.startsWith('/socket.io/') && seen.push([req.method!, req.headers['x-poll']]), false),
        ),
      );
      const socket = track(io(srv.url, { ...fast, transportOptions: { polling: { extraHeaders: { 'x-poll': 'yes' } } } }));
      await once(socket, 'connect');
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      assert.deepEqual(seen.filter(([m]) => m !== 'ws').map(([, h]) => h).filter((h) => h !== 'yes'), []);
      assert.deepEqual(seen.filter(([m]) => m === 'ws').map(([, h]) => h), [undefined]);
    });

    it('puts query (option and URL) on the handshake', async () => {
      const queries: any[] = [];
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => queries.push(s.handshake.query))));
      const a = track(io(srv.url, { ...fast, query: { room: 'a b', n: 1 } }));
      await once(a, 'connect');
      const b = track(io(srv.url + '/?from=url', { ...fast }));
      await once(b, 'connect');
      await until(() => queries.length === 2);
      assert.equal(queries[0].room, 'a b');
      assert.equal(queries[0].n, '1');
      assert.equal(queries[0].EIO, '4');
      assert.equal(queries[1].from, 'url');
    });

    it('sends auth as an object', async () => {
      let auth: unknown;
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => (auth = s.handshake.auth))));
      const socket = track(io(srv.url, { ...fast, auth: { token: 'abc' } }));
      await once(socket, 'connect');
      await until(() => auth !== undefined);
      assert.deepEqual(auth, { token: 'abc' });
    });

    it('evaluates an auth function at every connection attempt', async () => {
      const tokens: unknown[] = [];
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => {
            tokens.push(s.handshake.auth.token);
            if (tokens.length === 1) setTimeout(() => s.conn.close(), 10);
          }),
        ),
      );
      let calls = 0;
      const socket = track(io(srv.url, { ...fast, auth: (cb) => cb({ token: `t${++calls}` }) }));
      await once(socket, 'connect');
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'transport close');
      await once(socket, 'connect');
      assert.deepEqual(tokens, ['t1', 't2']);
      assert.equal(calls, 2);
    });

    it('reports connect_error with the middleware data and does not retry on its own', async () => {
      let attempts = 0;
      const srv = track(
        await factory.start({}, (io) =>
          io.use((_s: any, next: (err?: Error) => void) => {
            attempts++;
            const err = new Error('not authorized') as Error & { data?: unknown };
            err.data = { code: 401, detail: ['x'] };
            next(err);
          }),
        ),
      );
      const socket = track(io(srv.url, fast));
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, 'not authorized');
      assert.deepEqual(err.data, { code: 401, detail: ['x'] });
      assert.equal(socket.active, false);
      await sleep(150);
      assert.equal(attempts, 1);
      socket.connect();
      await once(socket, 'connect_error');
      assert.equal(attempts, 2);
    });

    it('reports an unknown namespace', async () => {
      const srv = track(await factory.start());
      const socket = track(io(srv.url + '/nope', fast));
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, 'Invalid namespace');
    });

    it('multiplexes namespaces over one Manager, unless forceNew or multiplex: false', async () => {
      const seen: string[] = [];
      const srv = track(
        await factory.start({}, (io) => {
          io.on('connection', (s: any) => seen.push('/:' + s.conn.id));
          io.of('/admin').on('connection', (s: any) => seen.push('/admin:' + s.conn.id));
        }),
      );
      const main = track(io(srv.url, { reconnectionDelay: 20 }));
      const admin = track(io(srv.url + '/admin', { reconnectionDelay: 20 }));
      assert.equal(main.io, admin.io);
      await Promise.all([once(main, 'connect'), once(admin, 'connect')]);
      assert.equal(admin.nsp, '/admin');
      await until(() => seen.length === 2);
      assert.equal(seen[0]!.split(':')[1], seen[1]!.split(':')[1]); // one Engine.IO session
      const again = track(io(srv.url)); // same namespace again: a new Manager
      assert.notEqual(again.io, main.io);
      const forced = track(io(srv.url + '/admin', { forceNew: true }));
      assert.notEqual(forced.io, main.io);
      const single = track(io(srv.url + '/admin', { multiplex: false }));
      assert.notEqual(single.io, main.io);
      await Promise.all([once(again, 'connect'), once(forced, 'connect'), once(single, 'connect')]);
      // the session closes once its last namespace socket is gone
      main.disconnect();
      assert.equal(admin.io.engine.readyState, 'open');
      const engine = admin.io.engine;
      admin.disconnect();
      assert.notEqual(engine.readyState, 'open');
      await until(() => engine.readyState === 'closed');
    });

    it('creates sockets through a Manager and opens it with a callback', async () => {
      const srv = track(await factory.start({}, (io) => io.of('/chat').on('connection', () => {})));
      const manager = new Manager(srv.url, { autoConnect: false, reconnectionDelay: 20 });
      const opened = new Promise<unknown>((resolve) => manager.open(resolve));
      assert.equal(await opened, undefined);
      const chat = track(manager.socket('/chat'));
      chat.connect();
      await once(chat, 'connect');
      assert.equal(chat.io, manager);
    });

    it('reports a failed open to the open callback and emits error', async () => {
      const manager = new Manager('http://127.0.0.1:1', { autoConnect: false, reconnection: false });
      const errorEvent = once(manager, 'error');
      const err = await new Promise<any>((resolve) => manager.open(resolve));
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'xhr poll error');
      await errorEvent;
    });

    it('disconnect reasons: io client disconnect, io server disconnect', async () => {
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => s.on('kick me', () => s.disconnect())),
        ),
      );
      const a = track(io(srv.url, fast));
      await once(a, 'connect');
      const clientSide = once(a, 'disconnect');
      a.disconnect();
      assert.deepEqual(await clientSide, ['io client disconnect', undefined]);
      assert.equal(a.connected, false);
      assert.equal(a.id, undefined);

      const b = track(io(srv.url, fast));
      await once(b, 'connect');
      b.emit('kick me');
      const [reason] = await once(b, 'disconnect');
      assert.equal(reason, 'io server disconnect');
      assert.equal(b.active, false);
      await sleep(100);
      assert.equal(b.connected, false); // no automatic reconnection
      b.connect();
      await once(b, 'connect');
    });

    it('disconnect reason transport close, then reconnects', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('drop', () => s.conn.close()))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'] }));
      await once(socket, 'connect');
      socket.emit('drop');
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'transport close');
      await once(socket, 'connect');
    });

    it('disconnect reason transport error when the polling request fails', async () => {
      const srv = track(await factory.start());
      const proxy = await startProxy(srv.port);
      const socket = track(io(proxy.url, { ...fast, upgrade: false }));
      await once(socket, 'connect');
      proxy.cut();
      const [reason, description] = await once(socket, 'disconnect');
      assert.equal(reason, 'transport error');
      assert.equal(description.message, 'xhr poll error');
      await once(socket, 'connect');
      socket.disconnect();
      await proxy.close();
    });

    it('disconnect reason parse error on a malformed packet', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('garbage', () => s.conn.write('not a packet')))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'] }));
      await once(socket, 'connect');
      socket.emit('garbage');
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'parse error');
      await once(socket, 'connect'); // reconnects
    });

    for (const transports of [['polling'], ['websocket']]) {
      it(`detects a silent server with the heartbeat (ping timeout, ${transports[0]})`, async () => {
        const srv = track(await factory.start({ pingInterval: 200, pingTimeout: 200 }));
        const proxy = await startProxy(srv.port);
        const socket = track(io(proxy.url, { ...fast, transports, reconnection: false }));
        const pinged = once(socket.io, 'ping', 3000); // heartbeats flow
        await once(socket, 'connect');
        await pinged;
        proxy.freeze();
        const started = Date.now();
        const [reason] = await once(socket, 'disconnect', 3000);
        assert.equal(reason, 'ping timeout');
        // pingInterval + pingTimeout after the last ping at most
        assert.ok(Date.now() - started <= 400 + 250, `detected after ${Date.now() - started}ms`);
        await proxy.close();
      });
    }

    it('fires the Manager events: open, ping, close, reconnect_attempt, reconnect_error, reconnect', async () => {
      const srv = track(await factory.start({ pingInterval: 50, pingTimeout: 200 }));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'] }));
      const manager = socket.io;
      const events: string[] = [];
      for (const ev of ['open', 'close', 'reconnect_attempt', 'reconnect_error', 'reconnect'] as const) {
        manager.on(ev, () => events.push(ev));
      }
      await once(socket, 'connect');
      await once(manager, 'ping');
      await srv.close();
      await once(manager, 'reconnect_error', 2000);
      await srv.restart();
      const [attempt] = await once(manager, 'reconnect', 2000);
      assert.ok(attempt >= 2);
      await until(() => socket.connected);
      assert.deepEqual(events.slice(0, 2), ['open', 'close']);
      assert.ok(events.includes('reconnect_attempt'));
      assert.deepEqual(events.slice(-2), ['open', 'reconnect']);
    });

    it('gives up after reconnectionAttempts with reconnect_failed', async () => {
      const srv = track(await factory.start());
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], reconnectionAttempts: 2 }));
      await once(socket, 'connect');
      const attempts: number[] = [];
      socket.io.on('reconnect_attempt', (n) => attempts.push(n));
      await srv.close();
      await once(socket.io, 'reconnect_failed', 3000);
      assert.deepEqual(attempts, [1, 2]);
      await srv.restart();
    });

    it('times out an open that gets no handshake (timeout option)', async () => {
      const { createServer } = await import('node:net');
      const blackhole = createServer(() => {});
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
      const port = (blackhole.address() as { port: number }).port;
      const socket = io(`http://127.0.0.1:${port}`, { ...fast, timeout: 100, reconnection: false });
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, 'timeout');
      socket.disconnect();
      blackhole.close();
    });

    it('throws on reserved event names', async () => {
      const socket = io('http://127.0.0.1:1', { ...fast, autoConnect: false });
      for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
        assert.throws(() => (socket.emit as any)(name), new RegExp(`"${name}" is a reserved event name`));
      }
    });
  });
}
