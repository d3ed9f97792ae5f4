/**
 * Unit tests of the connection (routing packets to sockets), against a fake engine connection, a fake
 * {@link ConnectionHost} and fake namespaces whose `admit` creates recording sockets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { encodeSocketPacket, PacketType, type Packet } from '../protocol/index.js';
import { Connection, type ConnectionHost } from './connection.js';
import { ProbeSlot } from './probe.js';
import type { EngineConnection } from './engine.js';
import type { Namespace } from './namespace.js';
import type { SocketLink } from './socket-link.js';
import type { DisconnectReason } from './socket-types.js';

class FakeConn extends EventEmitter {
  readonly id = 'eio-1';
  readonly request = { headers: {}, url: '/socket.io/' };
  readonly remoteAddress = '127.0.0.1';
  readyState = 'open';
  readonly transport = { name: 'polling', writable: true };
  readonly sent: Array<string | Uint8Array> = [];
  closed = 0;
  constructor(readonly protocol: number) {
    super();
  }
  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed++;
    this.readyState = 'closed';
  }
}

interface FakeSocket {
  nsp: { name: string };
  auth: Record<string, unknown>;
  packets: Packet[];
  errors: string[];
  left: Array<[DisconnectReason, unknown]>;
  handlePacket(packet: Packet): void;
  handleError(err: Error): void;
  leaveNamespace(reason: DisconnectReason, description?: unknown): void;
  disconnect(): void;
}

function setup(opts: { protocol?: number; namespaces?: string[]; connectTimeout?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const names = new Set(opts.namespaces ?? ['/', '/admin']);
  const fakeNamespace = (name: string) => ({
    name,
    admit(link: SocketLink, auth: Record<string, unknown>, fn: (socket: FakeSocket) => void) {
      const socket: FakeSocket = {
        nsp: { name },
        auth,
        packets: [],
        errors: [],
        left: [],
        handlePacket(packet) {
          this.packets.push(packet);
        },
        handleError(err) {
          this.errors.push(err.message);
        },
        leaveNamespace(reason, description) {
          this.left.push([reason, description]);
        },
        disconnect() {
          link.writePacket({ type: PacketType.DISCONNECT, nsp: name });
        },
      };
      sockets.push(socket);
      fn(socket);
    },
  });
  const host: ConnectionHost = {
    encoder: { encode: encodeSocketPacket },
    parser: undefined,
    decoderOptions: {},
    probes: new ProbeSlot(),
    connectTimeout: () => opts.connectTimeout ?? 1000,
    resolveNamespace(name, _auth, fn) {
      fn(names.has(name) ? (fakeNamespace(name) as unknown as Namespace) : false);
    },
  };
  const conn = new FakeConn(opts.protocol ?? 4);
  const connection = new Connection(host, conn as unknown as EngineConnection);
  return { conn, connection, sockets };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Connection', () => {
  it('a CONNECT joins the namespace with its payload; the packets of that namespace reach its socket on a later tick', async () => {
    const { conn, sockets } = setup();
    conn.emit('message', '0/admin,{"token":"t"}');
    assert.equal(sockets.length, 1);
    assert.deepEqual(sockets[0]!.auth, { token: 't' });
    conn.emit('message', '2/admin,["hello",1]');
    assert.equal(sockets[0]!.packets.length, 0);
    await tick();
    assert.deepEqual(sockets[0]!.packets, [{ type: PacketType.EVENT, nsp: '/admin', data: ['hello', 1] }]);
  });

  it('a CONNECT to an unknown namespace: CONNECT_ERROR "Invalid namespace", the connection stays', () => {
    const { conn } = setup();
    conn.emit('message', '0/nope,');
    assert.deepEqual(conn.sent, ['4/nope,{"message":"Invalid namespace"}']);
    assert.equal(conn.closed, 0);
  });

  it('a packet for a namespace not joined, or a second CONNECT: closed with forced server close', () => {
    const a = setup();
    a.conn.emit('message', '0');
    a.conn.emit('message', '2/admin,["x"]');
    assert.equal(a.conn.closed, 1);
    assert.deepEqual(a.sockets[0]!.left, [['forced server close', undefined]]);
    const b = setup();
    b.conn.emit('message', '0');
    b.conn.emit('message', '0');
    assert.equal(b.conn.closed, 1);
  });

  it('a packet that cannot be decoded: the sockets get the error, then leave with parse error', () => {
    const { conn, sockets } = setup();
    conn.emit('message', '0');
    conn.emit('message', '9x');
    assert.equal(sockets[0]!.errors.length, 1);
    assert.equal(sockets[0]!.left[0]![0], 'parse error');
    assert.equal(conn.closed, 1);
  });

  it('the engine closing: every socket leaves with its reason and description; nothing more is written', () => {
    const { conn, connection, sockets } = setup();
    conn.emit('message', '0');
    conn.emit('message', '0/admin,');
    conn.readyState = 'closed';
    conn.emit('close', 'transport close', 'details');
    assert.deepEqual(sockets.map((s) => s.left), [[['transport close', 'details']], [['transport close', 'details']]]);
    const sent = conn.sent.length;
    connection.writePacket({ type: PacketType.EVENT, nsp: '/', data: ['late'] });
    assert.equal(conn.sent.length, sent);
    assert.equal(conn.listenerCount('message'), 0);
  });

  it('disconnectAll: a DISCONNECT per namespace, then the connection closes', () => {
    const { conn, connection } = setup();
    conn.emit('message', '0');
    conn.emit('message', '0/admin,');
    conn.sent.length = 0;
    connection.disconnectAll();
    assert.deepEqual(conn.sent, ['1', '1/admin,']);
    assert.equal(conn.closed, 1);
  });

  it('no namespace joined within connectTimeout: closed', async () => {
    const { conn } = setup({ connectTimeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(conn.closed, 1);
  });

  it('a socket.io v2 (Engine.IO 3) connection joins / at once; the query of a namespace is its payload', () => {
    const { conn, sockets } = setup({ protocol: 3 });
    assert.deepEqual(sockets.map((s) => s.nsp.name), ['/']);
    conn.emit('message', '0/admin?token=1,');
    assert.deepEqual(sockets.map((s) => [s.nsp.name, s.auth]), [['/', {}], ['/admin', { token: '1' }]]);
  });

  it('writeToEngine: each part sent; a volatile packet dropped while the transport is busy', () => {
    const { conn, connection } = setup();
    connection.writeToEngine(['a', 'b'], {});
    connection.writeToEngine('c', {});
    (conn.transport as { writable: boolean }).writable = false;
    connection.writeToEngine(['d'], { volatile: true });
    assert.deepEqual(conn.sent, ['a', 'b', 'c']);
  });

  it('writeToEngine: false while the connection is over its high-water mark, a volatile packet dropped then', () => {
    const { conn, connection } = setup();
    assert.equal(connection.writeToEngine('a', {}), true);
    (conn as unknown as { writableNeedDrain: boolean }).writableNeedDrain = true;
    assert.equal(conn.transport.writable, true, 'the transport itself is idle');
    assert.equal(connection.writeToEngine('b', {}), false, 'sent, and reported full');
    assert.equal(connection.writeToEngine('c', { volatile: true }), false);
    assert.equal(connection.writable, false);
    (conn as unknown as { writableNeedDrain: boolean }).writableNeedDrain = false;
    assert.equal(connection.writeToEngine('d', { volatile: true }), true);
    assert.deepEqual(conn.sent, ['a', 'b', 'd']);
  });
});
