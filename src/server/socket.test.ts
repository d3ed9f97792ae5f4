/**
 * Unit tests of the server-side socket, against fakes of its two contracts: a {@link SocketLink} recording the
 * packets written, a {@link SocketHost} (with a real memory adapter) recording what is reported.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSocketPacket, PacketType, type Packet } from '../protocol/index.js';
import type { Session, WriteOptions } from './adapter.js';
import { MemoryAdapter } from './adapters/memory.js';
import type { EngineSocket } from '../engine/socket.js';
import type { HandlerErrorKind } from './handler-errors.js';
import type { Namespace } from './namespace.js';
import { PROTOCOL_V4, PROTOCOL_V5, type ProtocolVersion } from './protocol-version.js';
import { Socket, type SocketHost, type SocketLink, type SocketRef } from './socket.js';
import type { DisconnectReason } from './socket-types.js';

interface Reported {
  err: unknown;
  kind: HandlerErrorKind;
  event: string | undefined;
}

function fakeLink(protocol: ProtocolVersion = PROTOCOL_V5) {
  const written: Array<{ packet: Packet; opts: WriteOptions | undefined }> = [];
  const removed: SocketRef[] = [];
  let disconnectedAll = 0;
  const conn = {
    id: 'eio-1',
    request: { headers: { origin: 'https://example.com' }, url: '/socket.io/?EIO=4&transport=polling&x=1', socket: {} },
    remoteAddress: '127.0.0.1',
    protocol: protocol.engineProtocol,
    readyState: 'open',
    transport: { name: 'polling', writable: true },
  };
  const link: SocketLink & { written: typeof written; removed: SocketRef[]; disconnectedAll(): number } = {
    id: 'eio-1',
    conn: conn as unknown as EngineSocket,
    request: conn.request as unknown as SocketLink['request'],
    protocol,
    writePacket(packet, opts) {
      written.push({ packet, opts });
    },
    writeToEngine() {
      return true;
    },
    removeSocket(socket) {
      removed.push(socket);
    },
    disconnectAll() {
      disconnectedAll++;
    },
    written,
    removed,
    disconnectedAll: () => disconnectedAll,
  };
  return link;
}

function fakeHost(name = '/', recoveryEnabled = false) {
  const reported: Reported[] = [];
  const removed: SocketRef[] = [];
  let ids = 0;
  const host = {
    name,
    sockets: new Map(),
    server: {
      encoder: { encode: encodeSocketPacket },
      opts: recoveryEnabled ? { connectionStateRecovery: { maxDisconnectionDuration: 1000 } } : {},
    },
    _ids: 0,
    _onServerSideEmit() {},
    adapter: undefined as unknown as MemoryAdapter,
    errors: {
      report(err: unknown, kind: HandlerErrorKind, _nsp: string, _socket?: unknown, event?: string) {
        reported.push({ err, kind, event });
      },
    },
    recoveryEnabled,
    nextAckId: () => ids++,
    receiveServerSideEmit() {},
    removeSocket(socket: SocketRef) {
      removed.push(socket);
    },
    reported,
    removed,
  };
  host.adapter = new MemoryAdapter(host);
  return host satisfies SocketHost;
}

function newSocket(opts: { protocol?: ProtocolVersion; nsp?: string; recovery?: boolean; auth?: Record<string, unknown>; session?: Session } = {}) {
  const link = fakeLink(opts.protocol);
  const host = fakeHost(opts.nsp, opts.recovery);
  // the socket uses only the SocketHost members of its namespace
  const socket = new Socket(host as unknown as Namespace, link, opts.auth ?? {}, opts.session);
  return { socket, link, host };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('server Socket', () => {
  describe('accept and refuse, v5 vs v4', () => {
    it('v5: a generated id, CONNECT with { sid }, own room joined', () => {
      const { socket, link } = newSocket();
      socket.accept();
      assert.equal(socket.connected, true);
      assert.equal(socket.id.length, 20);
      assert.deepEqual(link.written.map((w) => w.packet), [{ type: PacketType.CONNECT, nsp: '/', data: { sid: socket.id } }]);
      assert.deepEqual([...socket.rooms], [socket.id]);
    });

    it('v5 with recovery: CONNECT with { sid, pid }', () => {
      const { socket, link } = newSocket({ recovery: true });
      socket.accept();
      const data = link.written[0]!.packet.data as { sid: string; pid: string };
      assert.equal(data.sid, socket.id);
      assert.equal(typeof data.pid, 'string');
    });

    it('v4: the id derives from the Engine.IO id, CONNECT without payload, query merged into the handshake', () => {
      const { socket, link } = newSocket({ protocol: PROTOCOL_V4, nsp: '/admin', auth: { token: 't' } });
      socket.accept();
      assert.equal(socket.id, '/admin#eio-1');
      assert.deepEqual(link.written[0]!.packet, { type: PacketType.CONNECT, nsp: '/admin' });
      assert.equal(socket.handshake.query.token, 't');
      assert.equal(socket.handshake.query.x, '1');
      assert.deepEqual(socket.handshake.auth, { token: 't' });
    });

    it('v4 on the main namespace: the Engine.IO id itself', () => {
      const { socket } = newSocket({ protocol: PROTOCOL_V4 });
      assert.equal(socket.id, 'eio-1');
    });

    it('v5: the handshake query is the request query only, auth apart', () => {
      const { socket } = newSocket({ auth: { token: 't' } });
      assert.equal(socket.handshake.query.token, undefined);
      assert.equal(socket.handshake.xdomain, true);
      assert.equal(socket.handshake.address, '127.0.0.1');
    });

    it('refuse: CONNECT_ERROR { message, data } (v5) or data/message (v4); the namespace forgets the socket', () => {
      const v5 = newSocket();
      v5.socket.refuse(Object.assign(new Error('nope'), { data: { code: 1 } }));
      assert.deepEqual(v5.link.written[0]!.packet, { type: PacketType.CONNECT_ERROR, nsp: '/', data: { message: 'nope', data: { code: 1 } } });
      assert.deepEqual(v5.host.removed, [v5.socket]);
      const v4 = newSocket({ protocol: PROTOCOL_V4 });
      v4.socket.refuse(new Error('nope'));
      assert.equal(v4.link.written[0]!.packet.data, 'nope');
    });

    it('a recovered socket keeps its id, rooms and data, and sends the missed events before CONNECT', () => {
      const session: Session = { sid: 'old-sid', pid: 'old-pid', rooms: ['r1'], data: { a: 1 }, missedPackets: [['missed', 1]] };
      const { socket, link } = newSocket({ recovery: true, session });
      assert.equal(socket.recovered, true);
      assert.deepEqual(socket.data, { a: 1 });
      socket.accept();
      assert.deepEqual([...socket.rooms].sort(), ['old-sid', 'r1']);
      assert.deepEqual(
        link.written.map((w) => w.packet),
        [
          { type: PacketType.EVENT, nsp: '/', data: ['missed', 1] },
          { type: PacketType.CONNECT, nsp: '/', data: { sid: 'old-sid', pid: 'old-pid' } },
        ],
      );
    });
  });

  describe('dispatch', () => {
    it('fires the listener on a later tick, after the catch-all listeners', async () => {
      const { socket } = newSocket();
      socket.accept();
      const seen: unknown[] = [];
      socket.onAny((event, ...args) => seen.push(['any', event, ...args]));
      socket.on('hello', (...args: unknown[]) => seen.push(['hello', ...args]));
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['hello', 1, 'two'] });
      assert.deepEqual(seen, [['any', 'hello', 1, 'two']]);
      await tick();
      assert.deepEqual(seen, [['any', 'hello', 1, 'two'], ['hello', 1, 'two']]);
    });

    it('an event after the socket left is not delivered', async () => {
      const { socket } = newSocket();
      socket.accept();
      let called = 0;
      socket.on('hello', () => called++);
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['hello'] });
      socket.handlePacket({ type: PacketType.DISCONNECT, nsp: '/' });
      await tick();
      assert.equal(called, 0);
    });

    it('a listener that throws is reported, the socket stays connected', async () => {
      const { socket, host } = newSocket();
      socket.accept();
      socket.on('boom', () => {
        throw new Error('boom');
      });
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['boom'] });
      await tick();
      assert.equal(host.reported.length, 1);
      assert.equal(host.reported[0]!.kind, 'listener');
      assert.equal(host.reported[0]!.event, 'boom');
      assert.equal(socket.connected, true);
    });
  });

  describe('acknowledgements', () => {
    it('incoming: the listener answers once, as an ACK with the id of the EVENT', async () => {
      const { socket, link } = newSocket();
      socket.accept();
      socket.on('question', (n: number, ack: (answer: number) => void) => {
        ack(n * 2);
        ack(0);
      });
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', id: 7, data: ['question', 21] });
      await tick();
      assert.deepEqual(link.written.at(-1)!.packet, { type: PacketType.ACK, nsp: '/', id: 7, data: [42] });
      assert.equal(link.written.filter((w) => w.packet.type === PacketType.ACK).length, 1);
    });

    it('outgoing: the callback gets the client ACK; the id comes from the namespace', () => {
      const { socket, link } = newSocket();
      socket.accept();
      const answers: unknown[] = [];
      socket.emit('question', 'x', (answer: unknown) => answers.push(answer));
      socket.emit('question', 'y', (answer: unknown) => answers.push(answer));
      const events = link.written.filter((w) => w.packet.type === PacketType.EVENT).map((w) => w.packet);
      assert.deepEqual(events.map((p) => p.id), [0, 1]);
      assert.equal(socket.acks.size, 2);
      socket.handlePacket({ type: PacketType.ACK, nsp: '/', id: 1, data: ['for y'] });
      socket.handlePacket({ type: PacketType.ACK, nsp: '/', id: 1, data: ['again'] });
      assert.deepEqual(answers, ['for y']);
      assert.equal(socket.acks.size, 1);
    });

    it('outgoing with a timeout: the callback gets an error first, then (err, answer)', async () => {
      const { socket } = newSocket();
      socket.accept();
      const results: unknown[][] = [];
      socket.timeout(5).emit('late', (...args: unknown[]) => results.push(args));
      socket.timeout(1000).emit('early', (...args: unknown[]) => results.push(args));
      socket.handlePacket({ type: PacketType.ACK, nsp: '/', id: 1, data: ['ok'] });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(results[0], [null, 'ok']);
      assert.equal((results[1]![0] as Error).message, 'operation has timed out');
      assert.equal(socket.acks.size, 0);
    });

    it('emitWithAck resolves with the answer', async () => {
      const { socket, link } = newSocket();
      socket.accept();
      const answer = socket.emitWithAck('question');
      const id = link.written.at(-1)!.packet.id!;
      socket.handlePacket({ type: PacketType.ACK, nsp: '/', id, data: ['yes'] });
      assert.equal(await answer, 'yes');
    });
  });

  describe('packet middlewares', () => {
    it('run in order before the listeners; next(err) drops the event and fires error', async () => {
      const { socket } = newSocket();
      socket.accept();
      const order: string[] = [];
      const errors: string[] = [];
      socket.use(([event], next) => {
        order.push('mw1:' + event);
        next();
      });
      socket.use(([event], next) => {
        order.push('mw2:' + event);
        next(event === 'bad' ? new Error('refused') : undefined);
      });
      socket.on('error', (err) => errors.push(err.message));
      socket.on('good', () => order.push('good'));
      socket.on('bad', () => order.push('bad'));
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['good'] });
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['bad'] });
      await tick();
      assert.deepEqual(order, ['mw1:good', 'mw2:good', 'mw1:bad', 'mw2:bad', 'good']);
      assert.deepEqual(errors, ['refused']);
    });

    it('a second next() is ignored', async () => {
      const { socket } = newSocket();
      socket.accept();
      let called = 0;
      socket.use((_event, next) => {
        next();
        next();
      });
      socket.on('once', () => called++);
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['once'] });
      await tick();
      await tick();
      assert.equal(called, 1);
    });

    it('a middleware that throws (or rejects) is reported and its event dropped', async () => {
      const { socket, host } = newSocket();
      socket.accept();
      let called = 0;
      socket.use(([event]) => {
        if (event === 'throws') throw new Error('thrown');
        return Promise.reject(new Error('rejected'));
      });
      socket.on('throws', () => called++);
      socket.on('rejects', () => called++);
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['throws'] });
      socket.handlePacket({ type: PacketType.EVENT, nsp: '/', data: ['rejects'] });
      await tick();
      assert.equal(called, 0);
      assert.deepEqual(
        host.reported.map((r) => [r.kind, r.event, (r.err as Error).message]),
        [
          ['socket-middleware', 'throws', 'thrown'],
          ['socket-middleware', 'rejects', 'rejected'],
        ],
      );
    });
  });

  describe('disconnect reasons', () => {
    function track(socket: Socket) {
      const events: Array<[string, DisconnectReason]> = [];
      socket.on('disconnecting', (reason) => events.push(['disconnecting', reason]));
      socket.on('disconnect', (reason) => events.push(['disconnect', reason]));
      return events;
    }

    it('a DISCONNECT from the client: client namespace disconnect; the rooms, the namespace and the connection forget it', () => {
      const { socket, link, host } = newSocket();
      socket.accept();
      socket.join('room');
      const events = track(socket);
      socket.handlePacket({ type: PacketType.DISCONNECT, nsp: '/' });
      assert.deepEqual(events, [
        ['disconnecting', 'client namespace disconnect'],
        ['disconnect', 'client namespace disconnect'],
      ]);
      assert.equal(socket.connected, false);
      assert.deepEqual(link.removed, [socket]);
      assert.deepEqual(host.removed, [socket]);
      assert.equal(host.adapter.rooms.size, 0);
    });

    it('socket.disconnect(): a DISCONNECT packet, then server namespace disconnect', () => {
      const { socket, link } = newSocket();
      socket.accept();
      const events = track(socket);
      socket.disconnect();
      assert.deepEqual(link.written.at(-1)!.packet, { type: PacketType.DISCONNECT, nsp: '/' });
      assert.deepEqual(events.map((e) => e[1]), ['server namespace disconnect', 'server namespace disconnect']);
      socket.disconnect();
      assert.equal(events.length, 2);
    });

    it('socket.disconnect(true) closes the whole connection', () => {
      const { socket, link } = newSocket();
      socket.accept();
      socket.disconnect(true);
      assert.equal(link.disconnectedAll(), 1);
    });

    it('leaveNamespace gives its reason; _onclose is the same', () => {
      const a = newSocket();
      a.socket.accept();
      const events = track(a.socket);
      a.socket.leaveNamespace('transport close', 'details');
      assert.deepEqual(events.map((e) => e[1]), ['transport close', 'transport close']);
      const b = newSocket();
      b.socket.accept();
      const eventsB = track(b.socket);
      b.socket._onclose('ping timeout');
      assert.deepEqual(eventsB.map((e) => e[1]), ['ping timeout', 'ping timeout']);
    });

    it('with recovery, the session is saved for a recoverable reason only', async () => {
      const saved: string[] = [];
      for (const reason of ['transport close', 'client namespace disconnect'] as const) {
        const { socket, host } = newSocket({ recovery: true });
        host.adapter.persistSession = (session) => {
          saved.push(reason + ':' + session.sid);
        };
        socket.accept();
        socket.leaveNamespace(reason);
      }
      assert.equal(saved.length, 1);
      assert.match(saved[0]!, /^transport close:/);
    });

    it('a socket that left joins no room', () => {
      const { socket, host } = newSocket();
      socket.accept();
      socket.disconnect();
      socket.join('late');
      assert.equal(host.adapter.rooms.size, 0);
    });
  });
});
