/**
 * Client against a real server: events, acks, timeouts, retries, binary, buffering,
 * catch-all listeners, volatile emits.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io, type Socket } from '../../src/client/index.js';
import { once, sleep, until } from './helpers.js';
import { serverFactories, type TestServer } from './servers.js';

const fast = { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 50 };

for (const factory of serverFactories()) {
  describe(`client events (${factory.name})`, () => {
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

    it('round-trips acks both ways, including ack id 0 and multiple arguments', async () => {
      const fromClient: unknown[] = [];
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => {
            s.on('sum', (a: number, b: number, cb: (...r: unknown[]) => void) => cb(a + b, 'ok'));
            s.emit('question', 'name?', (answer: unknown, extra: unknown) => fromClient.push(answer, extra));
          }),
        ),
      );
      const socket = track(io(srv.url, fast));
      socket.on('question', (q: string, cb: (...a: unknown[]) => void) => cb(q.toUpperCase(), { n: 1 }));
      const result = await new Promise((resolve) => socket.emit('sum', 2, 3, (...args: unknown[]) => resolve(args)));
      assert.deepEqual(result, [5, 'ok']);
      assert.equal(await socket.emitWithAck('sum', 10, 20), 30);
      await until(() => fromClient.length === 2);
      assert.deepEqual(fromClient, ['NAME?', { n: 1 }]);
    });

    it('times out acks: timeout(ms).emit and emitWithAck reject, late acks are ignored', async () => {
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => s.on('slow', (ms: number, cb: (v: string) => void) => setTimeout(() => cb('late'), ms))),
        ),
      );
      const socket = track(io(srv.url, fast));
      await once(socket, 'connect');
      const calls: unknown[][] = [];
      socket.timeout(50).emit('slow', 200, (...args: unknown[]) => calls.push(args));
      await sleep(300);
      assert.equal(calls.length, 1);
      assert.equal((calls[0]![0] as Error).message, 'operation has timed out');
      await assert.rejects(socket.timeout(30).emitWithAck('slow', 200), /operation has timed out/);
      // in time: the error argument is null
      const ok = await new Promise<unknown[]>((resolve) => socket.timeout(500).emit('slow', 10, (...args: unknown[]) => resolve(args)));
      assert.deepEqual(ok, [null, 'late']);
      assert.equal(await socket.timeout(500).emitWithAck('slow', 10), 'late');
    });

    it('applies ackTimeout as a default timeout', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('never', () => {}))));
      const socket = track(io(srv.url, { ...fast, ackTimeout: 50 }));
      await once(socket, 'connect');
      await assert.rejects(socket.emitWithAck('never'), /operation has timed out/);
    });

    it('retries unacknowledged emits (at-least-once) and keeps their order', async () => {
      const received: string[] = [];
      let dropped = 0;
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) =>
            s.on('msg', (v: string, cb: (r: string) => void) => {
              received.push(v);
              // ignore the first try of every message: the client must send it again
              if (received.filter((x) => x === v).length === 1) {
                dropped++;
                return;
              }
              cb('ack:' + v);
            }),
          ),
        ),
      );
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], retries: 3, ackTimeout: 250 }));
      const acks = await Promise.all(['a', 'b', 'c'].map((v) => socket.emitWithAck('msg', v)));
      assert.deepEqual(acks, ['ack:a', 'ack:b', 'ack:c']);
      // one message in flight at a time, each sent again until acknowledged
      assert.deepEqual(received, ['a', 'a', 'b', 'b', 'c', 'c']);
      assert.equal(dropped, 3);
    });

    it('fails a retried emit once the retries are exhausted', async () => {
      let tries = 0;
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('never', () => tries++))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], retries: 2, ackTimeout: 50 }));
      const err = await new Promise<any>((resolve) => socket.emit('never', (e: unknown) => resolve(e)));
      assert.equal(err.message, 'operation has timed out');
      await sleep(50);
      assert.equal(tries, 3); // the first try and two retries
    });

    it('keeps retried emits queued across a reconnection and delivers them once acknowledged', async () => {
      const got: string[] = [];
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) =>
            s.on('job', (v: string, cb: (r: string) => void) => {
              got.push(v);
              cb('done:' + v);
            }),
          ),
        ),
      );
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], retries: 5, ackTimeout: 200 }));
      await once(socket, 'connect');
      await srv.close();
      await once(socket, 'disconnect');
      const acks = Promise.all([socket.emitWithAck('job', 'a'), socket.emitWithAck('job', 'b')]);
      await sleep(50);
      await srv.restart();
      assert.deepEqual(await acks, ['done:a', 'done:b']);
      assert.deepEqual(got, ['a', 'b']);
    });

    for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
      it(`sends and receives binary, nested, both ways (${transports.join('+')})`, async () => {
        const srv = track(
          await factory.start({}, (io) =>
            io.on('connection', (s: any) => {
              s.on('echo', (data: any, cb: (d: any) => void) =>
                cb({ got: data, sizes: [data.a.length, data.list[1].length], extra: Buffer.from([9, 8, 7]) }),
              );
              s.emit('push', 'text', Buffer.from([0, 1, 2, 255]), { deep: [new Uint8Array([42])] });
            }),
          ),
        );
        const socket = track(io(srv.url, { ...fast, transports, upgrade: transports.length > 1 }));
        const [text, buf, obj] = await once(socket, 'push');
        assert.equal(text, 'text');
        assert.ok(Buffer.isBuffer(buf));
        assert.deepEqual([...buf], [0, 1, 2, 255]);
        assert.deepEqual([...obj.deep[0]], [42]);
        const reply = await socket.emitWithAck('echo', { a: Buffer.from('héllo'), list: ['x', new Uint8Array([1, 2, 3]).buffer], n: 5 });
        assert.deepEqual(reply.sizes, [6, 3]);
        assert.equal(Buffer.from(reply.got.a).toString(), 'héllo');
        assert.deepEqual([...reply.extra], [9, 8, 7]);
        assert.equal(reply.got.n, 5);
      });
    }

    it('sends Blob arguments as binary, keeping the order of emits', async () => {
      const got: unknown[] = [];
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.onAny((ev: string, ...args: unknown[]) => got.push([ev, ...args])))));
      const socket = track(io(srv.url, fast));
      await once(socket, 'connect');
      socket.emit('first', 1);
      socket.emit('file', new Blob([new Uint8Array([1, 2, 3]), 'hi']), { meta: { blob: new Blob(['x']) }, n: 2 });
      socket.emit('last', 3);
      await until(() => got.length === 3);
      assert.deepEqual(got.map((g: any) => g[0]), ['first', 'file', 'last']);
      const [, blob, obj] = got[1] as any[];
      assert.deepEqual([...blob], [1, 2, 3, 104, 105]);
      assert.equal(Buffer.from(obj.meta.blob).toString(), 'x');
      assert.equal(obj.n, 2);
    });

    it('hands out ArrayBuffers with binaryType arraybuffer', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.emit('bin', Buffer.from([5, 6])))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], autoConnect: false }));
      socket.connect();
      socket.io.engine.binaryType = 'arraybuffer';
      const [data] = await once(socket, 'bin');
      assert.ok(data instanceof ArrayBuffer);
      assert.deepEqual([...new Uint8Array(data)], [5, 6]);
    });

    it('sends binary as base64 with forceBase64 (b64=1 on the handshake and the WebSocket)', async () => {
      const urls: string[] = [];
      const srv = track(
        await factory.start(
          {},
          (io, http) => {
            http.on('upgrade', (req: any) => urls.push(req.url));
            io.on('connection', (s: any) => s.on('up', (b: Buffer, cb: (n: number[], b: Buffer) => void) => cb([...b], Buffer.from([7]))));
          },
          (req) => (urls.push(req.url!), false),
        ),
      );
      const socket = track(io(srv.url, { ...fast, forceBase64: true }));
      await once(socket, 'connect');
      const [bytes] = await new Promise<any[]>((resolve) => socket.emit('up', Buffer.from([1, 2, 3]), (...a: any[]) => resolve(a)));
      assert.deepEqual(bytes, [1, 2, 3]);
      if (socket.io.engine.transport!.name !== 'websocket') await once(socket.io.engine, 'upgrade');
      const reply = await new Promise<any[]>((resolve) => socket.emit('up', Buffer.from([4]), (...a: any[]) => resolve(a)));
      assert.deepEqual(reply[0], [4]);
      assert.deepEqual([...reply[1]], [7]);
      assert.match(urls[0]!, /b64=1/);
      assert.match(urls.find((u) => u.includes('transport=websocket'))!, /b64=1/);
    });

    it('buffers emits while disconnected and delivers events received before connect after it', async () => {
      const got: unknown[] = [];
      const srv = track(
        await factory.start({}, (io) =>
          io.on('connection', (s: any) => {
            s.on('m', (v: unknown) => got.push(v));
          }),
        ),
      );
      const socket = track(io(srv.url, { ...fast, autoConnect: false }));
      socket.emit('m', 1);
      socket.emit('m', 2);
      assert.equal(socket.sendBuffer.length, 2);
      socket.connect();
      await until(() => got.length === 2);
      assert.deepEqual(got, [1, 2]);
      assert.equal(socket.sendBuffer.length, 0);
      // offline: the server goes away, emits are buffered and sent after the reconnection
      await srv.close();
      await once(socket, 'disconnect');
      socket.emit('m', 3);
      socket.emit('m', 4);
      assert.equal(socket.sendBuffer.length, 2);
      await srv.restart();
      await until(() => got.length === 4, 3000, 'buffered emits');
      assert.deepEqual(got, [1, 2, 3, 4]);
    });

    it('drops volatile emits while disconnected', async () => {
      const got: unknown[] = [];
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('v', (x: unknown) => got.push(x)))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'], autoConnect: false }));
      socket.volatile.emit('v', 'dropped');
      socket.emit('v', 'kept');
      socket.connect();
      await once(socket, 'connect');
      await sleep(20); // let the transport drain: volatile emits need a writable transport
      socket.volatile.emit('v', 'sent');
      await until(() => got.length === 2);
      assert.deepEqual(got, ['kept', 'sent']);
    });

    it('calls onAny / prependAny / onAnyOutgoing listeners and removes them', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('ping?', () => s.emit('pong!', 1, 2)))));
      const socket = track(io(srv.url, fast));
      const log: string[] = [];
      const a = (ev: string, ...args: unknown[]) => log.push(`any:${ev}:${args.join(',')}`);
      const b = (ev: string) => log.push(`first:${ev}`);
      const out = (ev: string, ...args: unknown[]) => log.push(`out:${ev}:${args.join(',')}`);
      socket.onAny(a);
      socket.prependAny(b);
      socket.onAnyOutgoing(out);
      socket.prependAnyOutgoing(() => log.push('out-first'));
      assert.deepEqual(socket.listenersAny(), [b, a]);
      assert.equal(socket.listenersAnyOutgoing().length, 2);
      socket.emit('ping?', 'x');
      await once(socket, 'pong!');
      assert.deepEqual(log, ['out-first', 'out:ping?:x', 'first:pong!', 'any:pong!:1,2']);
      socket.offAny(a);
      assert.deepEqual(socket.listenersAny(), [b]);
      socket.offAny();
      socket.offAnyOutgoing(out);
      assert.equal(socket.listenersAnyOutgoing().length, 1);
      socket.offAnyOutgoing();
      assert.deepEqual(socket.listenersAny(), []);
      assert.deepEqual(socket.listenersAnyOutgoing(), []);
    });

    it('fails pending acks with an error on disconnect (error-first callbacks only)', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('hang', () => s.conn.close()))));
      const socket = track(io(srv.url, { ...fast, transports: ['websocket'] }));
      await once(socket, 'connect');
      await assert.rejects(socket.emitWithAck('hang'), /socket has been disconnected/);
    });

    it('sends with send() as the "message" event and honours compress()', async () => {
      const srv = track(await factory.start({}, (io) => io.on('connection', (s: any) => s.on('message', (m: string, cb: (r: string) => void) => cb(m + '!')))));
      const socket = track(io(srv.url, fast));
      const compressFlags: unknown[] = [];
      socket.io.engine.on('packetCreate', (p: any) => compressFlags.push(p.options?.compress));
      const r = await new Promise((resolve) => socket.compress(false).send('hi', resolve));
      assert.equal(r, 'hi!');
      assert.ok(compressFlags.includes(false));
    });
  });
}
