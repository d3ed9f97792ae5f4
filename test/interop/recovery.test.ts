/**
 * Client against a real server: reconnection with backoff after a restart on the same port,
 * and connection state recovery.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io, type Socket } from '../../src/client/index.js';
import { once, sleep, until } from './helpers.js';
import { startProxy } from './proxy.js';
import { serverFactories, type TestServer } from './servers.js';

const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 5000, skipMiddlewares: true } };

for (const factory of serverFactories()) {
  describe(`client reconnection and recovery (${factory.name})`, () => {
    const open: Array<Socket | TestServer | { close(): Promise<void> }> = [];
    const track = <T extends Socket | TestServer | { close(): Promise<void> }>(x: T): T => {
      open.push(x);
      return x;
    };
    after(async () => {
      for (const x of open) {
        if ('disconnect' in x) x.disconnect();
        else await x.close();
      }
    });

    it('waits the backoff delays between attempts, then reconnects after the server restarts on the same port', async () => {
      const srv = track(await factory.start());
      const socket = track(
        io(srv.url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 400, randomizationFactor: 0 }),
      );
      await once(socket, 'connect');
      const firstId = socket.id;
      const times: number[] = [];
      let closedAt = 0;
      socket.io.on('close', () => (closedAt = Date.now())); // the first delay starts when the client sees the close
      socket.io.on('reconnect_attempt', () => times.push(Date.now()));
      await srv.close();
      await until(() => times.length === 4, 3000, '4 attempts');
      const gaps = [times[0]! - closedAt, times[1]! - times[0]!, times[2]! - times[1]!, times[3]! - times[2]!];
      const expected = [100, 200, 400, 400];
      // timers may fire late on a loaded machine, never early
      gaps.forEach((gap, i) => assert.ok(gap >= expected[i]! - 5 && gap < expected[i]! + 150, `gap ${i}: ${gap}ms, expected ~${expected[i]}`));
      await srv.restart();
      await once(socket, 'connect', 2000);
      assert.equal(socket.connected, true);
      assert.notEqual(socket.id, firstId);
      assert.equal(socket.recovered, false);
    });

    it('recovers the connection state: missed events arrive, same id, recovered === true', async () => {
      const auths: any[] = [];
      let middlewareCalls = 0;
      const srv = track(
        await factory.start(recovery, (io) => {
          io.use((_s: any, next: () => void) => {
            middlewareCalls++;
            next();
          });
          io.on('connection', (s: any) => {
            auths.push(s.handshake.auth);
            s.join('room');
            s.on('tick', (n: number) => io.to('room').emit('n', n));
          });
        }),
      );
      const proxy = track(await startProxy(srv.port));
      const socket = track(io(proxy.url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 50, auth: { user: 'u1' } }));
      const got: unknown[][] = [];
      socket.on('n', (...args: unknown[]) => got.push(args));
      await once(socket, 'connect');
      assert.equal(socket.recovered, false);
      const firstId = socket.id;
      socket.emit('tick', 1);
      await until(() => got.length === 1);
      // events carry the offset as their last argument
      assert.equal(got[0]![0], 1);
      assert.equal(typeof got[0]![1], 'string');
      proxy.cut();
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'transport close');
      await sleep(30); // let the server notice and save the session
      srv.io.to('room').emit('n', 2);
      srv.io.to('room').emit('n', 3);
      await once(socket, 'connect', 3000);
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, firstId);
      await until(() => got.length === 3);
      assert.deepEqual(got.map((a) => a[0]), [1, 2, 3]);
      // the CONNECT packet carried pid and the offset of the last event seen, merged with auth
      assert.equal(auths.length, 2);
      assert.equal(typeof auths[1].pid, 'string');
      assert.equal(auths[1].offset, got[0]![1]);
      assert.equal(auths[1].user, 'u1');
      assert.equal(middlewareCalls, 1); // skipped on recovery
      socket.emit('tick', 4);
      await until(() => got.length === 4);
      assert.equal(got[3]![0], 4);
    });

    it('sends pid and offset on reconnection and gets a fresh session when recovery is impossible', async () => {
      const auths: any[] = [];
      const srv = track(
        await factory.start(recovery, (io) =>
          io.on('connection', (s: any) => {
            auths.push(s.handshake.auth);
            s.emit('hello', 'x');
          }),
        ),
      );
      const socket = track(io(srv.url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 50, auth: { user: 'u2' } }));
      const [, offset] = await once(socket, 'hello');
      const firstId = socket.id;
      assert.equal(typeof offset, 'string');
      await srv.restart(); // the saved sessions are gone with the old server
      await once(socket, 'connect', 3000);
      assert.equal(socket.recovered, false);
      assert.notEqual(socket.id, firstId);
      await until(() => auths.length === 2);
      assert.deepEqual(auths[0], { user: 'u2' });
      assert.equal(typeof auths[1].pid, 'string');
      assert.equal(auths[1].offset, offset);
      assert.equal(auths[1].user, 'u2');
    });
  });
}
