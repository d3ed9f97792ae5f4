import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareOffsets, MemorySessionStore, reaches } from './session-store.js';
import { isEphemeral, MessageType } from './messages.js';

describe('cluster session store', () => {
  it('keeps sessions and broadcasts; a restore takes the session with what reaches it after the offset', async () => {
    const store = new MemorySessionStore();
    const o1 = await store.append({ data: ['a'], rooms: [], except: [] });
    await store.append({ data: ['b'], rooms: ['news'], except: [] });
    await store.append({ data: ['c'], rooms: ['sport'], except: [] });
    await store.append({ data: ['d'], rooms: [], except: ['news'] });
    await store.persist({ sid: 's1', pid: 'p1', rooms: ['s1', 'news'], data: null }, 10_000);
    const s = await store.restore('p1', o1);
    assert.deepEqual(s?.missedPackets.map((p) => p[0]), ['b']);
    assert.equal(await store.restore('p1', o1), null, 'restored once');
    await store.persist({ sid: 's2', pid: 'p2', rooms: [], data: null }, 10_000);
    assert.equal(await store.restore('p2', 'unknown'), null);
    await store.persist({ sid: 's3', pid: 'p3', rooms: [], data: null }, 10_000);
    await store.forget('p3');
    assert.equal(await store.restore('p3', o1), null);
  });

  it('offsets, reach, and which messages may skip a log', () => {
    assert.ok(compareOffsets('1700000000000-2', '1700000000000-10') < 0);
    assert.ok(compareOffsets('9', '10') < 0);
    assert.ok(compareOffsets('1700000000001-0', '1700000000000-99') > 0);
    assert.equal(reaches(['s', 'news'], ['news'], []), true);
    assert.equal(reaches(['s', 'news'], [], ['news']), false);
    assert.equal(reaches(['s'], ['news'], []), false);
    assert.equal(isEphemeral({ uid: 'u', nsp: '/', type: MessageType.BROADCAST, data: {} }), false);
    assert.equal(isEphemeral({ uid: 'u', nsp: '/', type: MessageType.BROADCAST, data: { requestId: 'r' } }), true);
    assert.equal(isEphemeral({ uid: 'u', nsp: '/', type: MessageType.SOCKETS_JOIN, data: {} }), false);
    assert.equal(isEphemeral({ uid: 'u', nsp: '/', type: MessageType.FETCH_SOCKETS, data: {} }), true);
  });
});
