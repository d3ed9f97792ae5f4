import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, type Packet } from '../protocol/index.js';
import { Emitter } from './emitter.js';
import type { Manager } from './manager.js';
import { Socket, type OutgoingPacket, type SocketHost, type SocketHostEvents } from './socket.js';

/** A connection that records what the Socket asks of it (the Socket's whole view of its Manager). */
class FakeHost extends Emitter<{}, {}, SocketHostEvents> implements SocketHost {
  engine = { transport: { writable: true }, hasPingExpired: () => false };
  readyState: 'opening' | 'open' | 'closed' = 'open';
  reconnecting = false;
  autoConnect = true;
  opened = 0;
  sent: OutgoingPacket[] = [];
  released: Socket<any, any>[] = [];
  timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];

  open(): this {
    this.opened++;
    return this;
  }
  sendPacket(packet: OutgoingPacket): void {
    this.sent.push(packet);
  }
  release(socket: Socket<any, any>): void {
    this.released.push(socket);
  }
  setTimeoutFn(fn: () => void, ms: number): unknown {
    const timer = { fn, ms, cleared: false };
    this.timers.push(timer);
    return timer;
  }
  clearTimeoutFn(timer: unknown): void {
    (timer as { cleared: boolean }).cleared = true;
  }
  openSession(): void {
    this.readyState = 'open';
    this.emitReserved('open');
  }
  deliver(packet: Packet): void {
    this.emitReserved('packet', packet);
  }
  fireTimers(): void {
    for (const t of this.timers.splice(0)) if (!t.cleared) t.fn();
  }
}

function connected(opts: ConstructorParameters<typeof Socket>[2] = {}): { host: FakeHost; socket: Socket } {
  const host = new FakeHost();
  const socket = new Socket(host as unknown as Manager, '/chat', opts);
  host.deliver({ type: PacketType.CONNECT, nsp: '/chat', data: { sid: 'abc' } });
  return { host, socket };
}

test('connects through the host: opens it, sends CONNECT with auth, connected on the reply', () => {
  const host = new FakeHost();
  const socket = new Socket(host as unknown as Manager, '/chat', { auth: { token: 't' } });
  assert.equal(host.opened, 1);
  assert.deepEqual(host.sent, [{ type: PacketType.CONNECT, nsp: '/chat', data: { token: 't' } }]);
  let connects = 0;
  socket.on('connect', () => connects++);
  host.deliver({ type: PacketType.CONNECT, nsp: '/other', data: { sid: 'zzz' } });
  assert.equal(socket.connected, false, 'another namespace');
  host.deliver({ type: PacketType.CONNECT, nsp: '/chat', data: { sid: 'abc' } });
  assert.equal(socket.connected, true);
  assert.equal(socket.id, 'abc');
  assert.equal(connects, 1);
});

test('no autoConnect: nothing happens until connect(); a reconnecting host is not opened again', () => {
  const host = new FakeHost();
  host.autoConnect = false;
  host.readyState = 'opening';
  host.reconnecting = true;
  const socket = new Socket(host as unknown as Manager, '/');
  assert.equal(host.opened, 0);
  socket.connect();
  assert.equal(host.opened, 0);
  assert.deepEqual(host.sent, []);
  host.openSession();
  assert.deepEqual(host.sent, [{ type: PacketType.CONNECT, nsp: '/', data: undefined }]);
});

test('emit, ack, and catch-all listeners both ways', () => {
  const { host, socket } = connected();
  const seenIn: unknown[][] = [];
  const seenOut: unknown[][] = [];
  socket.onAny((...args) => seenIn.push(args));
  socket.onAnyOutgoing((...args) => seenOut.push(args));
  let answer: unknown;
  socket.emit('ask', 'q', (a: unknown) => (answer = a));
  const sent = host.sent.at(-1)!;
  assert.equal(sent.type, PacketType.EVENT);
  assert.equal(sent.nsp, '/chat');
  assert.deepEqual(sent.data, ['ask', 'q']);
  assert.deepEqual(seenOut, [['ask', 'q']]);
  host.deliver({ type: PacketType.ACK, nsp: '/chat', id: sent.id!, data: [42] });
  assert.equal(answer, 42);
  host.deliver({ type: PacketType.EVENT, nsp: '/chat', data: ['news', 'hi'] });
  assert.deepEqual(seenIn, [['news', 'hi']]);
  // the live array, as socket.io-client returns it
  const list = socket.listenersAny();
  assert.equal(list, socket.listenersAny());
  assert.equal(list.length, 1);
});

test('ack timeout uses the host timers', () => {
  const { host, socket } = connected();
  let err: unknown;
  socket.timeout(500).emit('slow', (e: unknown) => (err = e));
  assert.equal(host.timers.length, 1);
  assert.equal(host.timers[0]!.ms, 500);
  host.fireTimers();
  assert.match(String((err as Error).message), /timed out/);
});

test('retries: the queue sends again after a timeout, then acks', () => {
  const { host, socket } = connected({ retries: 2, ackTimeout: 100 });
  let result: unknown[] | undefined;
  socket.emit('save', 'doc', (...args: unknown[]) => (result = args));
  const events = () => host.sent.filter((p) => p.type === PacketType.EVENT);
  assert.equal(events().length, 1);
  host.fireTimers();
  assert.equal(events().length, 2, 'sent again');
  const last = events().at(-1)!;
  host.deliver({ type: PacketType.ACK, nsp: '/chat', id: last.id!, data: ['ok'] });
  assert.deepEqual(result, [null, 'ok']);
});

test('disconnect: DISCONNECT packet, the socket is released to its host, disconnect event', () => {
  const { host, socket } = connected();
  let reason: unknown;
  socket.on('disconnect', (r) => (reason = r));
  socket.disconnect();
  assert.equal(host.sent.at(-1)!.type, PacketType.DISCONNECT);
  assert.deepEqual(host.released, [socket]);
  assert.equal(reason, 'io client disconnect');
  assert.equal(socket.active, false);
});
