/**
 * Presence on one server (memory adapter): real server on 127.0.0.1, official socket.io-client and our client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server, type Socket, PresenceError, type PresenceDiff } from '../index.js';
import { io as ours, Presence as ClientPresence } from '../../client/index.js';

const until = async (cond: () => boolean, what: string, timeout = 10_000): Promise<void> => {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('presence on one server', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  const serverSockets = new Map<string, Socket>();
  const clients: Array<{ close(): unknown }> = [];

  before(async () => {
    http = createServer();
    io = new Server(http, { presence: { diffInterval: 20, maxMetaSize: 64, maxEntriesPerSocket: 3 } });
    io.on('connection', (socket) => {
      serverSockets.set(String(socket.handshake.query.name), socket);
      const { user, room } = socket.handshake.query;
      if (typeof user === 'string' && typeof room === 'string') io.presence.track(socket, room, user, { tab: socket.id.slice(0, 4) });
      if (socket.handshake.query.follow) io.presence.follow(socket, String(socket.handshake.query.follow));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const c of clients) c.close();
    await io.close();
  });

  async function connect(name: string, query: Record<string, string> = {}): Promise<ClientSocket> {
    const socket = ioc(url, { query: { name, ...query }, transports: ['websocket'], forceNew: true });
    clients.push(socket);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await until(() => serverSockets.has(name), `server socket ${name}`);
    return socket;
  }

  it('tracks, lists and counts; several tabs of one key are one entry with several metas', async () => {
    const diffs: PresenceDiff[] = [];
    const off = io.presence.subscribe('r1', (d) => diffs.push(d));
    await connect('a1', { user: 'ann', room: 'r1' });
    await connect('a2', { user: 'ann', room: 'r1' });
    await connect('b1', { user: 'bob', room: 'r1' });
    io.presence.flush();
    assert.equal(io.presence.count('r1'), 2);
    assert.equal(io.presence.count('r1', { local: true }), 2);
    assert.deepEqual(io.presence.rooms().includes('r1'), true);
    const list = io.presence.list('r1');
    assert.deepEqual(Object.keys(list).sort(), ['ann', 'bob']);
    assert.equal(list.ann!.metas.length, 2);
    assert.ok(list.ann!.metas.every((m) => typeof m.ref === 'string' && typeof m.tab === 'string'));
    assert.ok(serverSockets.get('a1')!.rooms.has('r1'), 'track joins the room');
    const joined = diffs.flatMap((d) => Object.entries(d.joins).flatMap(([k, { metas }]) => metas.map(() => k)));
    assert.deepEqual(joined.sort(), ['ann', 'ann', 'bob']);
    off();
  });

  it('leaving the room and disconnecting untrack; update is a leave and a join of the key', async () => {
    const diffs: PresenceDiff[] = [];
    const off = io.presence.subscribe('r1', (d) => diffs.push(d));
    serverSockets.get('b1')!.leave('r1');
    io.presence.flush();
    assert.deepEqual(Object.keys(io.presence.list('r1')), ['ann']);
    assert.deepEqual(Object.keys(diffs[0]!.leaves), ['bob']);
    const a2 = serverSockets.get('a2')!;
    const old = io.presence.list('r1').ann!.metas.find((m) => m.tab === a2.id.slice(0, 4))!;
    io.presence.update(a2, 'r1', { tab: 'away' });
    io.presence.flush();
    assert.deepEqual(diffs[1]!.leaves.ann!.metas, [old]);
    assert.equal(diffs[1]!.joins.ann!.metas[0]!.tab, 'away');
    assert.equal(io.presence.list('r1').ann!.metas.length, 2);
    a2.disconnect(true);
    io.presence.flush();
    assert.equal(io.presence.list('r1').ann!.metas.length, 1);
    io.presence.untrack(serverSockets.get('a1')!, 'r1');
    io.presence.flush();
    assert.deepEqual(io.presence.list('r1'), {});
    assert.equal(io.presence.count('r1'), 0);
    assert.ok(!io.presence.rooms().includes('r1'));
    off();
  });

  it('a thousand changes within the interval are one diff per room', async () => {
    const s = serverSockets.get('a1')!;
    const diffs: PresenceDiff[] = [];
    const off = io.presence.subscribe((d) => diffs.push(d));
    // three rooms per socket is the limit here: track/untrack the same rooms over and over
    for (let i = 0; i < 1000; i++) {
      io.presence.track(s, 'burst', `k${i}`);
      if (i < 999) io.presence.untrack(s, 'burst');
    }
    await until(() => diffs.length > 0, 'the diff');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(diffs.length, 1, 'one diff');
    assert.deepEqual(Object.keys(diffs[0]!.joins), ['k999'], 'joins and leaves within the interval cancel out');
    assert.deepEqual(diffs[0]!.leaves, {});
    io.presence.untrack(s);
    off();
  });

  it('the official socket.io-client follows with presence_state then presence_diff', async () => {
    const watcher = await connect('w', { follow: 'r2' });
    const events: Array<[string, any]> = [];
    watcher.on('presence_state', (p) => events.push(['state', p]));
    watcher.on('presence_diff', (p) => events.push(['diff', p]));
    await until(() => events.length === 1, 'presence_state');
    assert.deepEqual(events[0], ['state', { room: 'r2', state: {} }]);
    await connect('c1', { user: 'cat', room: 'r2' });
    await until(() => events.length === 2, 'presence_diff');
    assert.equal(events[1]![0], 'diff');
    assert.equal(events[1]![1].room, 'r2');
    assert.deepEqual(Object.keys(events[1]![1].joins), ['cat']);
    serverSockets.get('c1')!.disconnect(true);
    await until(() => events.length === 3, 'the leave');
    assert.deepEqual(Object.keys(events[2]![1].leaves), ['cat']);
  });

  it('our client helper keeps a synced map and emits join, change and leave', async () => {
    const socket = ours(url, { query: { name: 'h', follow: 'r3' }, transports: ['websocket'], forceNew: true });
    clients.push(socket);
    const members = new ClientPresence<{ tab: string }>(socket, 'r3');
    const seen: string[] = [];
    members.on('join', (key) => seen.push(`join:${key}`));
    members.on('change', (key, metas) => seen.push(`change:${key}:${metas.length}`));
    members.on('leave', (key) => seen.push(`leave:${key}`));
    await until(() => members.synced, 'state');
    await connect('d1', { user: 'dan', room: 'r3' });
    await until(() => seen.length === 1, 'join');
    await connect('d2', { user: 'dan', room: 'r3' });
    await until(() => seen.length === 2, 'second tab');
    assert.equal(members.get('dan')!.length, 2);
    serverSockets.get('d1')!.disconnect(true);
    await until(() => seen.length === 3, 'tab closed');
    serverSockets.get('d2')!.disconnect(true);
    await until(() => seen.length === 4, 'leave');
    assert.deepEqual(seen, ['join:dan', 'change:dan:2', 'change:dan:1', 'leave:dan']);
    assert.equal(members.count(), 0);
    members.close();
  });

  it('limits and bad input get a PresenceError with a code', async () => {
    const s = await connect('lim');
    const code = (fn: () => void): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof PresenceError);
        return err.code;
      }
      return 'none';
    };
    assert.equal(code(() => io.presence.track(s as any, 'x', 'k')), 'not-connected');
    const srv = serverSockets.get('lim')!;
    assert.equal(code(() => io.presence.track(srv, 'x', 'k', { big: 'y'.repeat(100) })), 'meta-too-large');
    assert.equal(code(() => io.presence.track(srv, 'x', 'k', [] as any)), 'invalid-meta');
    assert.equal(code(() => io.presence.track(srv, 'x', 'k', { ref: 'mine' })), 'invalid-meta');
    assert.equal(code(() => io.presence.track(srv, 'x', 'k', { n: 1n } as any)), 'invalid-meta');
    assert.equal(code(() => io.presence.track(srv, 'x', '')), 'invalid-key');
    assert.equal(code(() => io.presence.track(srv, 'x', 'k'.repeat(257))), 'invalid-key');
    assert.equal(code(() => io.presence.track(srv, '', 'k')), 'invalid-room');
    assert.equal(code(() => io.presence.update(srv, 'x', {})), 'not-tracked');
    for (const room of ['x', 'y', 'z']) io.presence.track(srv, room, 'k');
    assert.equal(code(() => io.presence.track(srv, 'x', 'k')), 'already-tracked');
    assert.equal(code(() => io.presence.track(srv, 'w', 'k')), 'too-many-entries');
    assert.equal(io.presence.count('w'), 0);
    io.presence.untrack(srv, 'z');
    io.presence.track(srv, 'w', 'k');
    assert.equal(io.presence.count('w'), 1);
  });

  it('a throwing subscriber is reported and the others still get the diff', async () => {
    const errors: Error[] = [];
    const offError = io.onError((err) => errors.push(err));
    const got: PresenceDiff[] = [];
    const off1 = io.presence.subscribe('r4', () => {
      throw new Error('listener bug');
    });
    const off2 = io.presence.subscribe('r4', (d) => got.push(d));
    await connect('e1', { user: 'eve', room: 'r4' });
    io.presence.flush();
    assert.equal(got.length, 1);
    assert.equal(errors[0]?.message, 'listener bug');
    off1();
    off2();
    offError();
  });
});
