import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createServer } from 'node:http';
import { io as officialIo, type Socket as ClientSocket } from 'socket.io-client';
import { OwnRoom } from './own-room.js';
import { Server } from './index.js';

describe('OwnRoom', () => {
  it('reads as Set { id }', () => {
    const map = new Map<string, Set<string>>();
    const own = new OwnRoom('a', map) as unknown as Set<string>;
    map.set('a', own);
    assert.ok(own instanceof Set);
    assert.equal(own.size, 1);
    assert.equal(own.has('a'), true);
    assert.equal(own.has('b'), false);
    assert.deepEqual([...own], ['a']);
    assert.deepEqual([...own.keys()], ['a']);
    assert.deepEqual([...own.entries()], [['a', 'a']]);
    const seen: unknown[] = [];
    own.forEach((v, k, s) => seen.push(v, k, s === own));
    assert.deepEqual(seen, ['a', 'a', true]);
    assert.deepEqual(new Set(own), new Set(['a']));
    assert.equal(inspect(own), inspect(new Set(['a'])));
    assert.equal(Object.prototype.toString.call(own), '[object Set]');
    assert.equal(map.get('a'), own, 'reading keeps the view');
    assert.equal((own as unknown as OwnRoom<string>).untouched, true);
  });

  it('becomes a real Set in its map on the first write, the old reference following it', () => {
    const map = new Map<string, Set<string>>();
    const own = new OwnRoom('a', map) as unknown as Set<string>;
    map.set('a', own);
    own.add('a');
    assert.equal(map.get('a'), own, 'adding the element it holds writes nothing');
    own.add('room-1');
    const real = map.get('a')!;
    assert.notEqual(real, own);
    assert.equal(Object.getPrototypeOf(real), Set.prototype);
    assert.deepEqual([...real], ['a', 'room-1']);
    assert.equal(own.has('room-1'), true);
    assert.equal(own.size, 2);
    own.delete('a');
    assert.deepEqual([...real], ['room-1']);
    own.clear();
    assert.equal(real.size, 0);
  });

  it('answers the set methods of newer runtimes without writing', () => {
    const map = new Map<string, Set<string>>();
    const own = new OwnRoom('a', map) as unknown as Set<string> & { union?: (o: Set<string>) => Set<string> };
    map.set('a', own);
    if (typeof own.union === 'function') {
      assert.deepEqual(own.union(new Set(['b'])), new Set(['a', 'b']));
      assert.equal(map.get('a'), own);
    }
    assert.equal(typeof own.has, 'function');
  });
});

describe('own rooms in the adapter', () => {
  const http = createServer();
  const io = new Server(http);
  const clients: ClientSocket[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await io.close();
  });

  async function connect(): Promise<ClientSocket> {
    if (!http.listening) await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as { port: number };
    const client = officialIo(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
    clients.push(client);
    await new Promise<void>((r) => client.once('connect', () => r()));
    return client;
  }

  it('a socket in its own room only: both maps hold Set { id }, events in socket.io order, private messages delivered', async () => {
    const events: string[] = [];
    const adapter = io.of('/').adapter;
    const onEvent = (name: string) => (...args: unknown[]): void => void events.push(`${name}:${args.join(',')}`);
    for (const name of ['create-room', 'join-room', 'leave-room', 'delete-room']) adapter.on(name, onEvent(name));
    const client = await connect();
    const id = client.id!;
    const server = io.of('/').sockets.get(id)!;
    assert.deepEqual(events, [`create-room:${id}`, `join-room:${id},${id}`]);
    assert.ok(adapter.rooms.get(id) instanceof OwnRoom, 'no Set per socket for its own room');
    assert.ok(adapter.sids.get(id) instanceof OwnRoom);
    assert.ok(adapter.rooms.get(id) instanceof Set);
    assert.deepEqual([...adapter.rooms.get(id)!], [id]);
    assert.deepEqual([...adapter.sids.get(id)!], [id]);
    assert.deepEqual(server.rooms, new Set([id]));
    assert.deepEqual([...adapter.rooms.keys()], [id]);
    assert.equal(server.rooms, server.rooms, 'socket.rooms is the live set');
    assert.equal(adapter.sids.get(id), server.rooms);
    // a private message through the own room
    const got = new Promise<unknown>((r) => client.once('private', r));
    io.to(id).emit('private', 'hi');
    assert.equal(await got, 'hi');
    // joining another room: real sets
    server.join('room-1');
    assert.equal(Object.getPrototypeOf(adapter.sids.get(id)), Set.prototype);
    assert.deepEqual(server.rooms, new Set([id, 'room-1']));
    assert.deepEqual([...adapter.rooms.get('room-1')!], [id]);
    assert.deepEqual([...adapter.rooms.get(id)!], [id]);
    server.leave('room-1');
    assert.deepEqual(server.rooms, new Set([id]));
    events.length = 0;
    const gone = new Promise<void>((r) => server.once('disconnect', () => r()));
    client.close();
    await gone;
    assert.deepEqual(events, [`leave-room:${id},${id}`, `delete-room:${id}`]);
    assert.equal(adapter.rooms.has(id), false);
    assert.equal(adapter.sids.has(id), false);
  });

  it('leaving its own room and joining it again; disconnect from every room', async () => {
    const client = await connect();
    const id = client.id!;
    const adapter = io.of('/').adapter;
    const server = io.of('/').sockets.get(id)!;
    server.leave('not-joined');
    assert.deepEqual([...adapter.sids.get(id)!], [id], 'leaving a room it is not in changes nothing');
    server.leave(id);
    assert.equal(adapter.rooms.has(id), false);
    assert.deepEqual(server.rooms, new Set());
    server.join([id, 'room-2']);
    assert.deepEqual(server.rooms, new Set([id, 'room-2']));
    const gone = new Promise<void>((r) => server.once('disconnect', () => r()));
    client.close();
    await gone;
    assert.equal(adapter.rooms.has(id), false);
    assert.equal(adapter.rooms.has('room-2'), false);
    assert.equal(adapter.sids.has(id), false);
  });
});
