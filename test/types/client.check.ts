/**
 * Type-level tests of the client's typed events, checked by `tsc` (never run): every
 * `@ts-expect-error` line must be a compile error, every other line must compile.
 */
import { io, Manager, Socket, type DisconnectDescription, type ExtendedError } from '../../src/client/index.js';

interface ServerToClient {
  news: (title: string, count: number) => void;
  withAck: (q: string, cb: (answer: number) => void) => void;
}

interface ClientToServer {
  join: (room: string) => void;
  ask: (q: string, cb: (answer: { ok: boolean }) => void) => void;
  noAck: () => void;
}

declare function expectType<T>(value: T): void;

export function typedSocket(): void {
  const socket: Socket<ServerToClient, ClientToServer> = io('http://localhost');

  // listening
  socket.on('news', (title, count) => {
    expectType<string>(title);
    expectType<number>(count);
  });
  socket.on('withAck', (q, cb) => {
    expectType<string>(q);
    cb(42);
    // @ts-expect-error the ack takes a number
    cb('42');
  });
  // @ts-expect-error wrong listener parameter type
  socket.on('news', (title: number) => title);
  // @ts-expect-error unknown event
  socket.on('unknown', () => {});

  // reserved events
  socket.on('connect', () => {});
  socket.on('connect_error', (err) => expectType<ExtendedError>(err));
  socket.on('disconnect', (reason, description) => {
    expectType<Socket.DisconnectReason>(reason);
    expectType<DisconnectDescription | undefined>(description);
  });
  // @ts-expect-error connect has no argument
  socket.on('connect', (x: string) => x);

  // emitting
  socket.emit('join', 'room');
  socket.emit('ask', 'q?', (answer) => expectType<{ ok: boolean }>(answer));
  // @ts-expect-error missing argument
  socket.emit('join');
  // @ts-expect-error wrong argument type
  socket.emit('join', 1);
  // @ts-expect-error unknown event
  socket.emit('nope');
  // @ts-expect-error listen-only event
  socket.emit('news', 'a', 1);

  // timeout(): the ack gets an error first
  socket.timeout(1000).emit('ask', 'q?', (err, answer) => {
    expectType<Error>(err);
    expectType<{ ok: boolean }>(answer);
  });
  // @ts-expect-error the error-first signature is required with timeout()
  socket.timeout(1000).emit('ask', 'q?', (answer: { ok: boolean }) => answer);

  // emitWithAck resolves with the ack's argument
  const p = socket.emitWithAck('ask', 'q?');
  expectType<Promise<{ ok: boolean }>>(p);
  // @ts-expect-error wrong argument type
  void socket.emitWithAck('ask', 5);

  // flags keep the types
  socket.volatile.emit('join', 'r');
  socket.compress(false).emit('join', 'r');
  // @ts-expect-error still typed after a flag
  socket.volatile.emit('join', 3);

  // properties
  expectType<boolean>(socket.connected);
  expectType<boolean>(socket.disconnected);
  expectType<boolean>(socket.active);
  expectType<boolean>(socket.recovered);
  expectType<string | undefined>(socket.id);
  expectType<Manager<ServerToClient, ClientToServer>>(socket.io);
  // @ts-expect-error read-only namespace
  socket.nsp = '/x';
}

export function untypedSocket(): void {
  const socket = io();
  socket.emit('anything', 1, 'two', { three: 3 });
  socket.on('whatever', (...args: unknown[]) => args);
  const manager = new Manager('http://localhost', { reconnectionDelayMax: 10000, transports: ['websocket'] });
  const admin = manager.socket('/admin', { auth: (cb) => cb({ token: 'x' }) });
  admin.connect();
  manager.on('reconnect_attempt', (attempt) => expectType<number>(attempt));
  // @ts-expect-error reconnect_attempt gets a number
  manager.on('reconnect_attempt', (attempt: string) => attempt);
  // @ts-expect-error unknown option type
  io({ reconnectionDelay: 'soon' });
}
