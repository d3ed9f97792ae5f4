import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSocketPacket, PacketType, type Packet } from '../../protocol/index.js';
import type { AdapterNamespace, AdapterSocket, WriteOptions } from '../adapter.js';
import type { Handshake } from '../socket-types.js';
import { MemoryAdapter } from './memory.js';

interface FakeSocket extends AdapterSocket {
  writes: Array<{ encoded: Array<string | Uint8Array>; opts: WriteOptions }>;
  disconnected?: boolean;
}

function setup(recovery?: object) {
  const encodes: Packet[] = [];
  const sockets = new Map<string, FakeSocket>();
  let ids = 0;
  const nsp: AdapterNamespace & { sockets: Map<string, FakeSocket> } = {
    name: '/chat',
    sockets,
    get adapter() {
      return adapter;
    },
    server: {
      encoder: {
        encode(packet: Packet) {
          encodes.push(packet);
          return encodeSocketPacket(packet);
        },
      },
      opts: recovery ? { connectionStateRecovery: recovery } : {},
    },
    nextAckId: () => ids++,
    receiveServerSideEmit() {},
    get _ids() {
      return ids;
    },
    set _ids(v: number) {
      ids = v;
    },
    _onServerSideEmit() {},
  };
  const adapter = new MemoryAdapter(nsp);
  const add = (id: string, rooms: string[] = []): FakeSocket => {
    const socket: FakeSocket = {
      id,
      handshake: {} as Handshake,
      get rooms() {
        return adapter.socketRooms(id) ?? new Set<string>();
      },
      data: undefined,
      connected: true,
      recovered: false,
      privateSessionId: undefined,
      writes: [],
      acks: new Map(),
      client: { writeToEngine: (encoded, opts) => void socket.writes.push({ encoded, opts }) },
      notifyOutgoingListeners() {},
      join: (r) => adapter.addAll(id, new Set(Array.isArray(r) ? r : [r])),
      leave: (r) => adapter.del(id, r),
      disconnect: () => (socket.disconnected = true),
    };
    sockets.set(id, socket);
    adapter.addAll(id, new Set([id, ...rooms]));
    return socket;
  };
  return { adapter, nsp, add, encodes };
}

const event = (...data: unknown[]): Packet => ({ type: PacketType.EVENT, nsp: '/', data });

describe('MemoryAdapter', () => {
  it('keeps rooms and sids in sync and fires the room events', () => {
    const { adapter } = setup();
    const events: string[] = [];
    for (const name of ['create-room', 'join-room', 'leave-room', 'delete-room']) {
      adapter.on(name, (room: string, id?: string) => events.push(`${name}:${room}${id ? ':' + id : ''}`));
    }
    adapter.addAll('s1', new Set(['a', 'b']));
    adapter.addAll('s2', new Set(['a']));
    assert.deepEqual([...adapter.rooms.get('a')!], ['s1', 's2']);
    assert.deepEqual([...adapter.socketRooms('s1')!], ['a', 'b']);
    adapter.del('s1', 'a');
    adapter.delAll('s2');
    assert.ok(!adapter.rooms.has('a'));
    assert.ok(!adapter.sids.has('s2'));
    assert.deepEqual(events, [
      'create-room:a',
      'join-room:a:s1',
      'create-room:b',
      'join-room:b:s1',
      'join-room:a:s2',
      'leave-room:a:s1',
      'leave-room:a:s2',
      'delete-room:a',
    ]);
  });

  it('broadcast encodes once, reaches each matching socket once, with one shared frame per part', () => {
    const { adapter, add, encodes } = setup();
    const s1 = add('s1', ['a', 'b']);
    const s2 = add('s2', ['b', 'x']);
    const s3 = add('s3');
    adapter.broadcast(event('e', new Uint8Array([1])), { rooms: new Set(['a', 'b']), except: new Set(['x']) });
    assert.equal(encodes.length, 1);
    assert.equal(encodes[0]!.nsp, '/chat');
    assert.equal(s1.writes.length, 1);
    assert.equal(s2.writes.length, 0);
    assert.equal(s3.writes.length, 0);
    const { encoded, opts } = s1.writes[0]!;
    assert.equal(encoded[0], '51-/chat,["e",{"_placeholder":true,"num":0}]');
    assert.equal(opts.parts!.length, 2);
    assert.notEqual(opts.parts![0]!.shared, opts.parts![1]!.shared);
    adapter.broadcast(event('all'), { rooms: new Set() });
    assert.deepEqual(
      [s1, s2, s3].map((s) => s.writes.length),
      [2, 1, 1],
    );
    assert.equal(s2.writes[0]!.opts.parts![0]!.shared, s3.writes[0]!.opts.parts![0]!.shared);
  });

  it('broadcastWithAck sets one ack id for every recipient and reports the client count', () => {
    const { adapter, add, nsp } = setup();
    const s1 = add('s1', ['r']);
    const s2 = add('s2', ['r']);
    add('s3');
    for (let i = 0; i < 5; i++) nsp.nextAckId();
    const counts: number[] = [];
    const ack = () => {};
    adapter.broadcastWithAck(event('q'), { rooms: new Set(['r']) }, (n) => counts.push(n), ack);
    assert.deepEqual(counts, [2]);
    assert.equal(s1.acks.get(5), ack);
    assert.equal(s2.acks.get(5), ack);
    assert.equal(nsp.nextAckId(), 6);
    assert.equal(s1.writes[0]!.encoded[0], '2/chat,5["q"]');
  });

  it('fetchSockets, sockets, addSockets, delSockets, disconnectSockets apply to the selection', async () => {
    const { adapter, add } = setup();
    const s1 = add('s1', ['r']);
    const s2 = add('s2');
    assert.deepEqual((await adapter.fetchSockets({ rooms: new Set(['r']) })).map((s) => s.id), ['s1']);
    assert.deepEqual([...(await adapter.sockets(new Set()))], ['s1', 's2']);
    adapter.addSockets({ rooms: new Set(), except: new Set(['r']) }, ['n1', 'n2']);
    assert.deepEqual([...adapter.socketRooms('s2')!], ['s2', 'n1', 'n2']);
    adapter.delSockets({ rooms: new Set(['n1']) }, ['n2']);
    assert.ok(!adapter.socketRooms('s2')!.has('n2'));
    adapter.disconnectSockets({ rooms: new Set(['r']) }, false);
    assert.equal(s1.disconnected, true);
    assert.equal(s2.disconnected, undefined);
  });

  it('without recovery: no offsets, no sessions', async () => {
    const { adapter, add } = setup();
    const s1 = add('s1');
    const packet = event('e', 1);
    adapter.broadcast(packet, { rooms: new Set() });
    assert.deepEqual(packet.data, ['e', 1]);
    assert.equal(s1.writes[0]!.encoded[0], '2/chat,["e",1]');
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['s1'], data: {} });
    assert.equal(await adapter.restoreSession('p1', 'x'), null);
  });

  it('with recovery: offsets appended to plain events only; restore returns the missed packets of the session rooms', async () => {
    const { adapter, add } = setup({ maxDisconnectionDuration: 1000 });
    add('s1', ['r']);
    const first = event('e', 1);
    adapter.broadcast(first, { rooms: new Set() });
    const offset = (first.data as unknown[])[2] as string;
    assert.equal(typeof offset, 'string');
    const withAck: Packet = { ...event('ack'), id: 3 };
    adapter.broadcast(withAck, { rooms: new Set() });
    assert.deepEqual(withAck.data, ['ack']);
    const vol = event('v');
    adapter.broadcast(vol, { rooms: new Set(), flags: { volatile: true } });
    assert.deepEqual(vol.data, ['v']);
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['s1', 'r'], data: { n: 1 } });
    adapter.broadcast(event('to-r'), { rooms: new Set(['r']) });
    adapter.broadcast(event('to-other'), { rooms: new Set(['other']) });
    adapter.broadcast(event('except-r'), { rooms: new Set(), except: new Set(['r']) });
    adapter.broadcast(event('all'), { rooms: new Set() });
    const session = await adapter.restoreSession('p1', offset);
    assert.ok(session);
    assert.equal(session.sid, 's1');
    assert.deepEqual(session.data, { n: 1 });
    assert.deepEqual(
      session.missedPackets.map((p) => p[0]),
      ['to-r', 'all'],
    );
    assert.equal(await adapter.restoreSession('p1', 'unknown-offset'), null);
    assert.equal(await adapter.restoreSession('unknown', offset), null);
    adapter.close();
  });

  it('serverSideEmit: alone, the ack gets no responses', async () => {
    const { adapter } = setup();
    const res = await new Promise((resolve) => adapter.serverSideEmit(['ev', (err: unknown, r: unknown) => resolve([err, r])]));
    assert.deepEqual(res, [null, []]);
  });
});
