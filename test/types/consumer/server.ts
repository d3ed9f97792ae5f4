/**
 * A typical socket.io server, written against the installed package (`socketeer`, `socketeer/redis`,
 * `socketeer/auth`): compiled by test/install/install.test.ts with `tsc` and `skipLibCheck: false`, as an ES
 * module project (`module: nodenext`) and as a CommonJS one (`module: commonjs`). Not part of the
 * repository's own type check (the package it imports is the packed one).
 */
import { createServer } from 'node:http';
import { Server, type Socket, type Namespace, type ExtendedError, type DisconnectReason } from 'socketeer';
import { authenticate, rateLimit } from 'socketeer/auth';
import type { createAdapter } from 'socketeer/redis';

export interface ServerToClientEvents {
  message: (from: string, text: string) => void;
  joined: (room: string, count: number) => void;
  withAck: (question: string, callback: (answer: number) => void) => void;
}

export interface ClientToServerEvents {
  join: (room: string, ack: (res: { ok: boolean; members: number }) => void) => void;
  say: (room: string, text: string) => void;
}

interface InterServerEvents {
  ping: () => void;
}

interface SocketData {
  name: string;
  age: number;
}

type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
  cors: { origin: ['https://example.com'], credentials: true },
  pingInterval: 10_000,
  maxHttpBufferSize: 1e6,
  transports: ['polling', 'websocket'],
  connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
});

// middleware
io.use((socket, next) => {
  const token: unknown = socket.handshake.auth.token;
  if (typeof token !== 'string') {
    const err: ExtendedError = new Error('not authorized');
    err.data = { code: 'NO_TOKEN' };
    return next(err);
  }
  socket.data.name = token;
  next();
});

io.on('connection', (socket: AppSocket) => {
  socket.data.age = 42;
  const name: string = socket.data.name;
  socket.on('join', async (room, ack) => {
    await socket.join(room);
    const members = (await io.in(room).fetchSockets()).length;
    io.to(room).emit('joined', room, members);
    ack({ ok: true, members });
  });
  socket.on('say', (room, text) => {
    socket.to(room).except(socket.id).emit('message', name, text);
    socket.broadcast.volatile.emit('message', name, text);
  });
  socket.emit('withAck', 'how many?', (answer) => {
    const n: number = answer;
    void n;
  });
  socket.timeout(5000).emit('withAck', 'again?', (err, answer) => {
    if (err) return;
    const n: number = answer;
    void n;
  });
  socket.on('disconnect', (reason: DisconnectReason) => {
    console.log(socket.id, reason, socket.rooms.size);
  });
  // @ts-expect-error an event the server does not emit
  socket.emit('unknown');
  // @ts-expect-error a wrong argument type
  socket.emit('message', 'a', 1);
});

const admin: Namespace<ClientToServerEvents, ServerToClientEvents> = io.of('/admin');
admin.use(rateLimit({ points: 10, duration: 1000 }));
authenticate(admin, {
  verify: async ({ token }) => {
    if (token !== 'x') throw new Error('invalid token');
    return { data: { userId: '1' }, expiresAt: Date.now() + 60_000 };
  },
});

io.serverSideEmit('ping');
export async function stats(): Promise<number> {
  const sockets = await io.fetchSockets();
  io.to('room1').to('room2').except('room3').emit('message', 'server', 'hello');
  io.in('room1').socketsJoin('room2');
  return sockets.length + io.engine.clientsCount;
}
export type AdapterFactory = typeof createAdapter;
httpServer.listen(3000);
