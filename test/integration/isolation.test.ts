/**
 * Errors of application code never take the server down: at every boundary where the server calls user code
 * (listeners, middlewares, `connection` handlers, ack callbacks, `serverSideEmit` handlers, adapters, dynamic
 * namespace functions), a throw or a rejected promise is caught, reported to `io.onError` listeners (or logged
 * under `socketeer:server`), the socket concerned stays connected and the other clients are untouched.
 * `crashOnError: true` lets the error escape as socket.io does (checked in a child process).
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import createDebug from 'debug';
import { io as socketeerClient, type Socket as OurClientSocket } from '../../src/client/index.js';
import { MemoryAdapter, type HandlerErrorContext, type Room, type Socket, type SocketId } from '../../src/server/index.js';
import { startServer, waitFor, type Harness } from './helpers.js';

// anything escaping to the process fails the test running when it fires (checked after each test)
const escaped: Array<[string, unknown]> = [];
process.on('uncaughtException', (err) => escaped.push(['uncaughtException', err]));
process.on('unhandledRejection', (err) => escaped.push(['unhandledRejection', err]));
afterEach(() => {
  const found = escaped.splice(0);
  assert.deepEqual(found.map(([kind, err]) => `${kind}: ${(err as Error)?.message ?? err}`), []);
});

type Reported = Array<{ message: string; context: HandlerErrorContext }>;

/** A server whose reported errors are collected. */
async function serve(opts: Parameters<typeof startServer>[0] = {}): Promise<{ h: Harness; reported: Reported }> {
  const h = await startServer(opts);
  const reported: Reported = [];
  h.io.onError((err, context) => reported.push({ message: err.message, context }));
  return { h, reported };
}

/** Resolves once `predicate()` holds (polled; generous deadline). */
async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets a few rounds of ticks and timers pass (errors escaping asynchronously have fired by then). */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 50));
}

/**
 * Checks that the failing client is still connected and served, and that another client still gets broadcasts.
 * Each server in these tests answers `echo` with an ack.
 */
async function stillServed(
  h: Harness,
  failing: { emitWithAck(ev: string, ...args: any[]): Promise<any>; connected: boolean },
  auth: object = {},
): Promise<void> {
  assert.equal(failing.connected, true);
  assert.equal(await failing.emitWithAck('echo', 'still here'), 'still here');
  const other = h.client('/', { auth });
  await waitFor(other, 'connect');
  const news = waitFor(other, 'news');
  h.io.emit('news', 42);
  assert.deepEqual(await news, [42]);
}

function echo(socket: Socket): void {
  socket.on('echo', (x: unknown, cb: (x: unknown) => void) => cb(x));
}

describe('error isolation', () => {
  for (const [name, listener] of [
    [
      'throws',
      () => {
        throw new Error('listener failed');
      },
    ],
    [
      'returns a rejected promise',
      async () => {
        throw new Error('listener failed');
      },
    ],
  ] as const) {
    it(`an event listener that ${name}: reported, the socket stays connected, the expected ack gets no reply`, async () => {
      const { h, reported } = await serve();
      try {
        let serverSocket: Socket | undefined;
        h.io.on('connection', (socket) => {
          serverSocket = socket;
          echo(socket);
          socket.on('boom', listener);
        });
        const c = h.client();
        await waitFor(c, 'connect');
        await assert.rejects(c.timeout(300).emitWithAck('boom', 1), /operation has timed out/);
        await until(() => reported.length === 1, 'the report');
        assert.equal(reported[0]!.message, 'listener failed');
        assert.deepEqual({ ...reported[0]!.context, socket: reported[0]!.context.socket?.id }, {
          kind: 'listener',
          nsp: '/',
          socket: serverSocket!.id,
          event: 'boom',
        });
        await stillServed(h, c);
        await settle();
      } finally {
        await h.close();
      }
    });
  }

  it('a catch-all listener that throws: reported, the event still reaches its listeners', async () => {
    const { h, reported } = await serve();
    try {
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.onAny((ev) => {
          if (ev === 'boom') throw new Error('any failed');
        });
        socket.on('boom', (cb: (x: string) => void) => cb('handled'));
      });
      const c = h.client();
      await waitFor(c, 'connect');
      assert.equal(await c.emitWithAck('boom'), 'handled');
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.event]),
        [['any failed', 'listener', 'boom']],
      );
      await stillServed(h, c);
    } finally {
      await h.close();
    }
  });

  it('a disconnect listener that throws: reported, the socket leaves its rooms, the others go on', async () => {
    const { h, reported } = await serve();
    try {
      const left: string[] = [];
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.join('r');
        socket.on('disconnecting', () => {
          throw new Error('disconnecting failed');
        });
        socket.on('disconnect', (reason) => {
          left.push(reason);
          throw new Error('disconnect failed');
        });
      });
      const c = h.client();
      await waitFor(c, 'connect');
      c.disconnect();
      await until(() => reported.length === 2, 'two reports');
      assert.deepEqual(left, ['client namespace disconnect']);
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.event]),
        [
          ['disconnecting failed', 'listener', 'disconnecting'],
          ['disconnect failed', 'listener', 'disconnect'],
        ],
      );
      assert.equal(h.io.sockets.adapter.rooms.get('r'), undefined);
      assert.equal(h.io.sockets.sockets.size, 0);
      const again = h.client();
      await waitFor(again, 'connect');
      await stillServed(h, again);
    } finally {
      await h.close();
    }
  });

  describe('connection middleware that fails: connect_error as with next(err)', () => {
    for (const [client, open] of [
      ['socket.io-client', (h: Harness, auth: object) => h.client('/', { auth })],
      [
        'Socketeer client',
        (h: Harness, auth: object) => socketeerClient(h.url, { forceNew: true, reconnection: false, auth }) as unknown as OurClientSocket,
      ],
    ] as const) {
      it(`throws synchronously (${client})`, async () => {
        const { h, reported } = await serve();
        const ours: OurClientSocket[] = [];
        try {
          let expected = '';
          h.io.use((socket, next) => {
            // a typical bug: no token was sent
            try {
              (socket.handshake.auth as any).token.length;
            } catch (e) {
              expected = (e as Error).message;
            }
            if ((socket.handshake.auth as any).token.length > 0) next();
          });
          h.io.on('connection', echo);
          const c = open(h, {});
          if (client === 'Socketeer client') ours.push(c as OurClientSocket);
          const [err] = await waitFor<[Error & { data?: unknown }]>(c, 'connect_error');
          assert.match(expected, /undefined/);
          assert.equal(err.message, expected);
          assert.equal(err.data, undefined);
          assert.deepEqual(
            reported.map((r) => [r.message, r.context.kind, r.context.nsp]),
            [[expected, 'middleware', '/']],
          );
          assert.equal(h.io.sockets.sockets.size, 0);
          const good = open(h, { token: 'abc' });
          if (client === 'Socketeer client') ours.push(good as OurClientSocket);
          await waitFor(good, 'connect');
          await stillServed(h, good, { token: 'def' });
          await settle();
        } finally {
          for (const c of ours) c.disconnect();
          await h.close();
        }
      });

      it(`rejects, with data (${client})`, async () => {
        const { h, reported } = await serve();
        const ours: OurClientSocket[] = [];
        try {
          h.io.use(async (socket) => {
            await new Promise((r) => setTimeout(r, 1));
            if (!socket.handshake.auth.token) throw Object.assign(new Error('no token'), { data: { code: 'NO_TOKEN' } });
          });
          h.io.use((_socket, next) => next());
          h.io.on('connection', echo);
          const c = open(h, {});
          if (client === 'Socketeer client') ours.push(c as OurClientSocket);
          const [err] = await waitFor<[Error & { data?: unknown }]>(c, 'connect_error');
          assert.equal(err.message, 'no token');
          assert.deepEqual(err.data, { code: 'NO_TOKEN' });
          assert.deepEqual(
            reported.map((r) => [r.message, r.context.kind]),
            [['no token', 'middleware']],
          );
          await settle();
        } finally {
          for (const c of ours) c.disconnect();
          await h.close();
        }
      });
    }

    it('gives the client what next(err) gives it (same CONNECT_ERROR)', async () => {
      const { h } = await serve();
      try {
        h.io.of('/next').use((_s, next) => next(Object.assign(new Error('refused'), { data: { a: 1 } })));
        h.io.of('/throw').use(() => {
          throw Object.assign(new Error('refused'), { data: { a: 1 } });
        });
        const viaNext = h.client('/next');
        const viaThrow = h.client('/throw');
        const [a] = await waitFor<[Error & { data?: unknown }]>(viaNext, 'connect_error');
        const [b] = await waitFor<[Error & { data?: unknown }]>(viaThrow, 'connect_error');
        assert.deepEqual([b.message, b.data], [a.message, a.data]);
        assert.deepEqual([b.message, b.data], ['refused', { a: 1 }]);
      } finally {
        await h.close();
      }
    });

    it('that throws after calling next: reported only, the socket connects', async () => {
      const { h, reported } = await serve();
      try {
        h.io.use((_s, next) => {
          next();
          throw new Error('late failure');
        });
        h.io.on('connection', echo);
        const c = h.client();
        await waitFor(c, 'connect');
        await until(() => reported.length === 1, 'the report');
        assert.equal(reported[0]!.context.kind, 'middleware');
        await stillServed(h, c);
      } finally {
        await h.close();
      }
    });

    it('that calls next twice: the second call is ignored (one connection, one socket)', async () => {
      const { h } = await serve();
      try {
        h.io.use((_s, next) => {
          next();
          next();
        });
        let connections = 0;
        h.io.on('connection', (socket) => {
          connections++;
          echo(socket);
        });
        const c = h.client();
        await waitFor(c, 'connect');
        assert.equal(await c.emitWithAck('echo', 'once'), 'once');
        assert.equal(connections, 1);
        assert.equal(h.io.sockets.sockets.size, 1);
        await stillServed(h, c);
      } finally {
        await h.close();
      }
    });
  });

  for (const [name, handler] of [
    [
      'throws',
      () => {
        throw new Error('connection failed');
      },
    ],
    [
      'rejects',
      async () => {
        await Promise.resolve();
        throw new Error('connection failed');
      },
    ],
  ] as const) {
    it(`a connection handler that ${name}: reported, the socket stays connected`, async () => {
      const { h, reported } = await serve();
      try {
        h.io.on('connection', echo);
        h.io.on('connection', handler);
        const c = h.client();
        await waitFor(c, 'connect');
        await until(() => reported.length === 1, 'the report');
        assert.equal(reported[0]!.message, 'connection failed');
        assert.equal(reported[0]!.context.kind, 'connection');
        assert.equal(reported[0]!.context.event, 'connection');
        assert.equal(reported[0]!.context.socket?.id, c.id);
        await stillServed(h, c);
      } finally {
        await h.close();
      }
    });
  }

  it('a packet middleware (socket.use) that throws or rejects: reported, the event dropped', async () => {
    const { h, reported } = await serve();
    try {
      const handled: string[] = [];
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.use(([ev], next) => {
          if (ev === 'sync') throw new Error('use failed');
          next();
        });
        socket.use(async ([ev], next) => {
          if (ev === 'async') throw new Error('use rejected');
          next();
        });
        socket.onAny((ev) => void (ev !== 'echo' && handled.push(ev)));
        socket.on('sync', () => handled.push('listener:sync'));
        socket.on('async', () => handled.push('listener:async'));
      });
      const c = h.client();
      await waitFor(c, 'connect');
      c.emit('sync');
      c.emit('async');
      await until(() => reported.length === 2, 'two reports');
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.event]),
        [
          ['use failed', 'socket-middleware', 'sync'],
          ['use rejected', 'socket-middleware', 'async'],
        ],
      );
      await stillServed(h, c);
      assert.deepEqual(handled, ['sync', 'async']);
    } finally {
      await h.close();
    }
  });

  it("socket.use next(err): the 'error' listener gets it, one that throws is reported; without one, nothing escapes", async () => {
    const { h, reported } = await serve();
    try {
      const errors: string[] = [];
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.use(([ev], next) => (ev === 'forbidden' ? next(new Error('not allowed')) : next()));
        if (socket.handshake.auth.listen) {
          socket.on('error', (err) => {
            errors.push(err.message);
            throw new Error('error listener failed');
          });
        }
      });
      const withListener = h.client('/', { auth: { listen: true } });
      const without = h.client();
      await Promise.all([waitFor(withListener, 'connect'), waitFor(without, 'connect')]);
      withListener.emit('forbidden');
      await until(() => reported.length === 1, 'the report');
      assert.deepEqual(errors, ['not allowed']);
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.event]),
        [['error listener failed', 'listener', 'error']],
      );
      // a refusal (a rate limit's, for example) is not a failure: socket.io would throw it, it is only logged
      without.emit('forbidden');
      await stillServed(h, without);
      await stillServed(h, withListener);
      assert.equal(reported.length, 1);
      await settle();
    } finally {
      await h.close();
    }
  });

  it('ack callbacks that throw or reject (emit, timeout().emit, broadcast with ack): reported, the socket stays', async () => {
    const { h, reported } = await serve();
    try {
      let serverSocket!: Socket;
      h.io.on('connection', (socket) => {
        serverSocket = socket;
        echo(socket);
      });
      const c = h.client();
      c.on('q', (n: number, cb: (n: number) => void) => cb(n));
      await waitFor(c, 'connect');
      serverSocket.emit('q', 1, () => {
        throw new Error('ack 1 failed');
      });
      await until(() => reported.length === 1, 'report 1');
      serverSocket.timeout(2000).emit('q', 2, async () => {
        throw new Error('ack 2 failed');
      });
      await until(() => reported.length === 2, 'report 2');
      h.io.timeout(2000).emit('q', 3, () => {
        throw new Error('ack 3 failed');
      });
      await until(() => reported.length === 3, 'report 3');
      // a timeout with no answer calls the callback from a timer
      serverSocket.timeout(10).emit('silent', () => {
        throw new Error('ack 4 failed');
      });
      await until(() => reported.length === 4, 'report 4');
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind]),
        [
          ['ack 1 failed', 'ack'],
          ['ack 2 failed', 'ack'],
          ['ack 3 failed', 'ack'],
          ['ack 4 failed', 'ack'],
        ],
      );
      assert.equal(reported[0]!.context.socket, serverSocket);
      await stillServed(h, c);
    } finally {
      await h.close();
    }
  });

  it('serverSideEmit handlers and their ack callbacks that throw or reject: reported', async () => {
    // an adapter delivering server-side events back to this server, as a cluster adapter does on the others
    class Loopback extends MemoryAdapter {
      override serverSideEmit(packet: any[]): void {
        setImmediate(() => this.nsp.receiveServerSideEmit(packet));
      }
    }
    const { h, reported } = await serve({ adapter: Loopback as any });
    try {
      h.io.on('sync' as any, () => {
        throw new Error('handler failed');
      });
      h.io.on('async' as any, async () => {
        throw new Error('handler rejected');
      });
      h.io.on('answer' as any, (cb: (err: null, x: number) => void) => cb(null, 1));
      h.io.serverSideEmit('sync' as any);
      h.io.serverSideEmit('async' as any);
      h.io.serverSideEmit('answer' as any, () => {
        throw new Error('ack failed');
      });
      await until(() => reported.length === 3, 'three reports');
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.event]).sort(),
        [
          ['ack failed', 'server-side-emit', 'answer'],
          ['handler failed', 'server-side-emit', 'sync'],
          ['handler rejected', 'server-side-emit', 'async'],
        ],
      );
      h.io.on('connection', echo);
      const c = h.client();
      await waitFor(c, 'connect');
      await stillServed(h, c);
    } finally {
      await h.close();
    }
  });

  for (const mode of ['throws', 'rejects'] as const) {
    it(`an adapter whose addAll ${mode} at CONNECT: reported, the socket connected anyway`, async () => {
      class Failing extends MemoryAdapter {
        override addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
          super.addAll(id, rooms);
          if (rooms.has(id)) {
            if (mode === 'throws') throw new Error('adapter down');
            return Promise.reject(new Error('adapter down'));
          }
        }
      }
      const { h, reported } = await serve({ adapter: Failing as any });
      try {
        h.io.on('connection', echo);
        const c = h.client();
        await waitFor(c, 'connect');
        await until(() => reported.length === 1, 'the report');
        assert.deepEqual([reported[0]!.message, reported[0]!.context.kind, reported[0]!.context.socket?.id], ['adapter down', 'adapter', c.id]);
        await stillServed(h, c);
      } finally {
        await h.close();
      }
    });
  }

  it('a dynamic namespace function that throws or rejects: reported, the name refused as invalid', async () => {
    const { h, reported } = await serve();
    try {
      h.io.of((name, _auth, next) => {
        if (name === '/sync-bug') throw new Error('predicate failed');
        next(null, name === '/fine');
      });
      h.io.of(async (name, _auth, next) => {
        if (name === '/async-bug') throw new Error('predicate rejected');
        next(null, false);
      });
      h.io.on('connection', echo);
      const a = h.client('/sync-bug');
      const b = h.client('/async-bug');
      const [ea] = await waitFor<[Error]>(a, 'connect_error');
      const [eb] = await waitFor<[Error]>(b, 'connect_error');
      assert.equal(ea.message, 'Invalid namespace');
      assert.equal(eb.message, 'Invalid namespace');
      assert.deepEqual(
        reported.map((r) => [r.message, r.context.kind, r.context.nsp]).sort(),
        [
          ['predicate failed', 'namespace-predicate', '/sync-bug'],
          ['predicate rejected', 'namespace-predicate', '/async-bug'],
        ],
      );
      const fine = h.client('/fine');
      await waitFor(fine, 'connect');
      const main = h.client();
      await waitFor(main, 'connect');
      await stillServed(h, main);
    } finally {
      await h.close();
    }
  });

  it("a throwing listener of the engine's connection event: the session goes on, the socket connects", async () => {
    const { h } = await serve();
    try {
      let calls = 0;
      h.io.engine.on('connection', () => {
        calls++;
        throw new Error('engine listener failed');
      });
      h.io.on('connection', echo);
      const c = h.client();
      await waitFor(c, 'connect');
      assert.equal(calls, 1);
      assert.equal(await c.emitWithAck('echo', 'through'), 'through');
      await settle();
    } finally {
      await h.close();
    }
  });

  it('onError: several listeners, a throwing one is contained, the returned function removes a listener', async () => {
    const h = await startServer();
    try {
      const first: string[] = [];
      const second: string[] = [];
      const offThrowing = h.io.onError(() => {
        throw new Error('hook failed');
      });
      const offFirst = h.io.onError((err) => first.push(err.message));
      h.io.onError((err) => second.push(err.message));
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.on('boom', (n: number) => {
          throw new Error(`boom ${n}`);
        });
      });
      const c = h.client();
      await waitFor(c, 'connect');
      c.emit('boom', 1);
      await until(() => second.length === 1, 'the second listener');
      assert.deepEqual(first, ['boom 1']);
      offFirst();
      offThrowing();
      c.emit('boom', 2);
      await until(() => second.length === 2, 'the second listener again');
      assert.deepEqual(first, ['boom 1']);
      assert.deepEqual(second, ['boom 1', 'boom 2']);
      await stillServed(h, c);
      await settle();
    } finally {
      await h.close();
    }
  });

  it('without an onError listener, the error is logged under socketeer:server with its stack', async () => {
    const lines: string[] = [];
    const previousLog = createDebug.log;
    const previousNamespaces = createDebug.disable();
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    createDebug.enable('socketeer:server');
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => {
        echo(socket);
        socket.on('boom', function namedListener() {
          throw new Error('logged failure');
        });
      });
      const c = h.client();
      await waitFor(c, 'connect');
      c.emit('boom');
      await until(() => lines.some((l) => l.includes('logged failure')), 'the log line');
      const line = lines.find((l) => l.includes('logged failure'))!;
      assert.match(line, /socketeer:server/);
      assert.match(line, /listener/);
      assert.match(line, /event boom/);
      assert.match(line, /namedListener/);
      await stillServed(h, c);
    } finally {
      createDebug.log = previousLog;
      createDebug.enable(previousNamespaces);
      await h.close();
    }
  });

  describe('crashOnError: true lets the error escape as socket.io does (child process)', () => {
    const fixture = fileURLToPath(new URL('./isolation-crash.fixture.ts', import.meta.url));
    const run = (mode: string, crash: boolean) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, crash ? 'crash' : 'no-crash'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 100000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });

    it('a throwing listener: uncaughtException; a rejecting one or a throwing middleware: unhandledRejection; without it, no crash', async () => {
      // one child process each, all at once
      const [sync, async, middleware, none] = await Promise.all([
        run('listener', true),
        run('async-listener', true),
        run('middleware', true),
        run('async-listener', false),
      ]);
      assert.equal(sync.code, 7, sync.out);
      assert.match(sync.out, /uncaughtException: fixture failure/);
      assert.equal(async.code, 8, async.out);
      assert.match(async.out, /unhandledRejection: fixture failure/);
      assert.equal(middleware.code, 8, middleware.out);
      assert.match(middleware.out, /unhandledRejection: fixture failure/);
      assert.equal(none.code, 0, none.out);
      assert.match(none.out, /served after the failure/);
    });
  });
});
