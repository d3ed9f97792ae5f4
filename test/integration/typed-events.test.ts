/**
 * Typed events: the event maps of `Server<…>` flow to every `on`/`emit`/`emitWithAck`/`timeout().emit`.
 * The `@ts-expect-error` lines are checked by `tsc` (a wrong usage that compiles fails the typecheck);
 * the runtime test exercises the same typed server with the reference client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server, type Socket, type Namespace, type RemoteSocket } from '../../src/server/index.js';

interface ClientToServerEvents {
  hello: (name: string, ack: (greeting: string) => void) => void;
  count: (n: number) => void;
}

interface ServerToClientEvents {
  tick: (n: number) => void;
  ask: (question: string, cb: (answer: number) => void) => void;
}

interface InterServerEvents {
  ping: (cb: (pong: string) => void) => void;
  note: (text: string) => void;
}

interface SocketData {
  user: string;
}

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Never called: its body is only type-checked. */
function typeChecks(io: TypedServer): void {
  io.on('connection', (socket) => {
    const s: Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = socket;
    void s;
    socket.on('hello', (name, ack) => {
      const n: string = name;
      ack(n);
      // @ts-expect-error the ack takes a string
      ack(1);
    });
    // @ts-expect-error the listener of "count" takes a number
    socket.on('count', (n: string) => void n);
    // @ts-expect-error unknown event
    socket.on('unknown', () => {});
    socket.on('disconnect', (reason) => {
      const r: string = reason;
      void r;
    });
    socket.emit('tick', 1);
    // @ts-expect-error wrong argument type
    socket.emit('tick', 'x');
    // @ts-expect-error unknown event
    socket.emit('nope');
    socket.emit('ask', 'q', (answer) => {
      const a: number = answer;
      void a;
    });
    socket.timeout(10).emit('ask', 'q', (err, answer) => {
      const e: Error = err;
      const a: number = answer;
      void e, a;
    });
    const answer: Promise<number> = socket.emitWithAck('ask', 'q');
    void answer;
    // @ts-expect-error "tick" has no acknowledgement
    void socket.emitWithAck('tick');
    socket.data.user = 'alice';
    // @ts-expect-error user is a string
    socket.data.user = 1;
    socket.to('room').emit('tick', 2);
    socket.broadcast.timeout(10).emit('ask', 'q', (err, answers) => {
      const a: number[] = answers;
      void err, a;
    });
  });
  io.emit('tick', 1);
  // @ts-expect-error a broadcast without timeout cannot take an ack
  io.emit('ask', 'q', () => {});
  // @ts-expect-error wrong argument type
  io.to('room').emit('tick', 'x');
  io.timeout(10).emit('ask', 'q', (err, answers) => {
    const e: Error = err;
    const a: number[] = answers;
    void e, a;
  });
  const many: Promise<number[]> = io.timeout(10).emitWithAck('ask', 'q');
  void many;
  io.serverSideEmit('note', 'hi');
  io.serverSideEmit('ping', (err, responses) => {
    const r: string[] = responses;
    void err, r;
  });
  const pongs: Promise<string[]> = io.serverSideEmitWithAck('ping');
  void pongs;
  // @ts-expect-error wrong argument type
  io.serverSideEmit('note', 1);
  io.on('note', (text) => {
    const t: string = text;
    void t;
  });
  io.on('new_namespace', (nsp) => {
    const n: Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = nsp;
    void n;
  });
  io.use((socket, next) => {
    socket.data.user = socket.handshake.auth.user;
    next(Object.assign(new Error('x'), { data: { code: 1 } }));
  });
  void io.fetchSockets().then((sockets) => {
    const first: RemoteSocket<ServerToClientEvents, SocketData> | undefined = sockets[0];
    const user: string | undefined = first?.data.user;
    first?.emit('tick', 1);
    // @ts-expect-error wrong argument type
    first?.emit('tick', 'x');
    void user;
  });
}
void typeChecks;

describe('typed events', () => {
  it('a typed server works end to end with the reference client', async () => {
    const http = createServer();
    const io: TypedServer = new Server(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    io.use((socket, next) => {
      socket.data.user = String(socket.handshake.auth.user);
      next();
    });
    io.on('connection', (socket) => {
      socket.on('hello', (name, ack) => ack(`hi ${name}, I am serving ${socket.data.user}`));
      socket.on('count', (n) => socket.emit('tick', n + 1));
    });
    const client: ClientSocket<ServerToClientEvents, ClientToServerEvents> = ioc(`http://127.0.0.1:${port}`, {
      forceNew: true,
      reconnection: false,
      auth: { user: 'bob' },
    });
    try {
      const greeting = await client.emitWithAck('hello', 'bob');
      assert.equal(greeting, 'hi bob, I am serving bob');
      const tick = new Promise<number>((resolve) => client.once('tick', resolve));
      client.emit('count', 41);
      assert.equal(await tick, 42);
      client.on('ask', (q, cb) => cb(q.length));
      assert.deepEqual(await io.timeout(1000).emitWithAck('ask', 'four'), [4]);
    } finally {
      client.disconnect();
      await io.close();
    }
  });
});
