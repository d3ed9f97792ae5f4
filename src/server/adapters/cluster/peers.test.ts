import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerTracker } from './peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('heartbeats make a peer known; other messages only refresh known peers; own messages are ignored', () => {
  const peers = new PeerTracker('me', 1000);
  peers.note('a', false);
  peers.note('me', true);
  peers.note(42, true);
  assert.deepEqual([...peers.fresh()], []);
  peers.note('a', true);
  peers.note('b', true);
  assert.deepEqual([...peers.fresh()].sort(), ['a', 'b']);
  peers.remove('b');
  assert.deepEqual([...peers.fresh()], ['a']);
});

test('a peer silent for longer than the timeout is stale, until heard of again', async () => {
  const peers = new PeerTracker('me', 200);
  peers.note('a', true);
  peers.note('b', true);
  await sleep(250);
  peers.note('b', false);
  assert.deepEqual(peers.stale(), ['a']);
  assert.deepEqual([...peers.fresh()], ['b']);
  peers.note('a', false);
  assert.deepEqual(peers.stale(), []);
});
