/**
 * Code written for `socket.io` compiles and runs against Socketeer with only the import changed: the usual
 * patterns of the socket.io documentation, type-checked by `tsc` and run end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { io as ioc } from 'socket.io-client';
import { waitFor } from './helpers.js';
import { Server, Socket, Namespace, type DisconnectReason, type ExtendedError, type ServerOptions } from '../../src/server/index.js';

/** The application, as a socket.io user would write it. */
function app(io: Server, log: string[]): void {
  io.engine.generateId = (_req: IncomingMessage) => 'custom-' + Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  io.engine.on('initial_headers', (headers: Record<string, string>, req: IncomingMessage) => {
    headers['x-session-seen'] = String(!!req.headers['user-agent']);
  });
  io.engine.on('connection_error', (err: { req: IncomingMessage; code: number; message: string; context: unknown }) => {
    log.push(`connection_error:${err.code}:${err.message}`);
  });
  io.of('/').adapter.on('create-room', (room: string) => {
    if (room === 'lobby') log.push('create-room:lobby');
  });
  const authMiddleware = (socket: Socket, next: (err?: ExtendedError) => void) => {
    const token = socket.handshake.auth.token ?? socket.handshake.headers['x-token'];
    if (token !== 'secret') {
      const err: ExtendedError = new Error('unauthorized');
      err.data = { content: 'please retry later' };
      return next(err);
    }
    socket.data.username = 'alice';
    next();
  };
  io.use(authMiddleware);
  io.on('connection', (socket: Socket) => {
    log.push(`connection:${socket.data.username}:${socket.conn.id.startsWith('custom-')}`);
    socket.join('lobby');
    socket.conn.once('upgrade', () => log.push(`upgrade:${socket.conn.transport.name}`));
    socket.on('chat message', (msg: string, callback?: (res: { status: string }) => void) => {
      io.to('lobby').emit('chat message', `${socket.data.username}: ${msg}`);
      callback?.({ status: 'ok' });
    });
    socket.on('disconnect', (reason: DisconnectReason) => log.push(`disconnect:${reason}`));
    const count = io.of('/').sockets.size;
    const viaEngine = io.engine.clientsCount;
    socket.emit('stats', { count, viaEngine, ua: typeof socket.request.headers['user-agent'] });
  });
  const admin: Namespace = io.of('/admin');
  admin.on('connection', (socket) => socket.emit('hello admin'));
}

describe('drop-in for socket.io', () => {
  it('a typical application runs unchanged', async () => {
    const http = createServer();
    const opts: Partial<ServerOptions> = { cors: { origin: '*' }, pingInterval: 500 };
    const io = new Server(http, opts);
    const log: string[] = [];
    app(io, log);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const refused = ioc(url, { forceNew: true, reconnection: false, auth: { token: 'wrong' } });
    const client = ioc(url, { forceNew: true, reconnection: false, auth: { token: 'secret' } });
    try {
      const [err] = await waitFor<[Error & { data?: unknown }]>(refused, 'connect_error');
      assert.equal(err.message, 'unauthorized');
      assert.deepEqual(err.data, { content: 'please retry later' });
      const [stats] = await waitFor(client, 'stats');
      assert.deepEqual(stats, { count: 1, viaEngine: 2, ua: 'string' });
      const echoed = waitFor(client, 'chat message');
      const res = await client.timeout(2000).emitWithAck('chat message', 'hello');
      assert.deepEqual(res, { status: 'ok' });
      assert.deepEqual(await echoed, ['alice: hello']);
      const upgraded = new Promise<void>((resolve) => {
        const check = () => (log.includes('upgrade:websocket') ? resolve() : setTimeout(check, 10));
        check();
      });
      await upgraded;
      const disconnected = new Promise<void>((resolve) => {
        io.of('/').sockets.forEach((s) => s.on('disconnect', () => resolve()));
      });
      client.disconnect();
      await disconnected;
      assert.deepEqual(log, [
        'connection:alice:true',
        'create-room:lobby',
        'upgrade:websocket',
        'disconnect:client namespace disconnect',
      ]);
    } finally {
      refused.close();
      client.close();
      await io.close();
    }
  });
});
