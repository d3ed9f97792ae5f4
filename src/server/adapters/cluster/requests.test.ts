import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../util/logger.js';
import { RequestTracker, settleWithin, type LiveServers } from './requests.js';

const log = createLogger('socketeer:test');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `done()` (at most 5 s: timers may be late on a busy machine). */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done() && Date.now() < deadline) await sleep(5);
}

function tracker(live: () => Promise<LiveServers>, alive: Set<string> = new Set(), interval = 0) {
  return new RequestTracker({
    uid: 'me', log, membershipCheckInterval: interval, isUp: () => true, liveServers: live, alivePeers: () => new Set(alive),
  });
}

test('a request settles once every expected answer is in', () => {
  const requests = tracker(async () => ({ count: 3, stuck: new Set() }));
  const answers: unknown[] = [];
  let finished: boolean | undefined;
  let published = false;
  requests.send('r1', () => (published = true), {
    expected: 2, collect: (a) => answers.push(a.n), finish: (timedOut) => (finished = timedOut),
  }, 1000);
  assert.equal(published, true);
  assert.equal(requests.has('r1'), true);
  assert.equal(requests.collect('r1', { n: 1 }, 'a'), true);
  assert.equal(finished, undefined);
  assert.equal(requests.collect('r1', { n: 2 }, 'b'), true);
  assert.equal(finished, false);
  assert.deepEqual(answers, [1, 2]);
  assert.equal(requests.has('r1'), false);
  assert.equal(requests.collect('r1', { n: 3 }), false, 'a late answer is not taken');
});

test('a request times out with what arrived; failAll settles the rest as timed out', async () => {
  const requests = tracker(async () => ({ count: 3, stuck: new Set() }));
  const settled: Array<[string, boolean]> = [];
  requests.send('r1', () => {}, { expected: 2, collect: () => {}, finish: (t) => settled.push(['r1', t]) }, 20);
  requests.send('r2', () => {}, { expected: 2, collect: () => {}, finish: (t) => settled.push(['r2', t]) }, 10_000);
  await until(() => settled.length > 0);
  assert.deepEqual(settled, [['r1', true]]);
  requests.failAll();
  assert.deepEqual(settled, [['r1', true], ['r2', true]]);
});

test('the membership check resolves a request once the servers still alive have answered', async () => {
  let count = 3;
  const requests = tracker(async () => ({ count, stuck: new Set() }), new Set(), 10);
  let finished: boolean | undefined;
  requests.send('r1', () => {}, { expected: 2, collect: () => {}, finish: (t) => (finished = t) }, 10_000);
  requests.collect('r1', {}, 'a');
  await sleep(40);
  assert.equal(finished, undefined, 'three servers: one answer is missing');
  count = 2; // the server that did not answer left the bus
  await until(() => finished !== undefined);
  assert.equal(finished, false);
});

test('a stuck server that did not answer is not waited for', async () => {
  const requests = tracker(async () => ({ count: 2, stuck: new Set(['b']) }), new Set(['a', 'b']), 10);
  let finished: boolean | undefined;
  requests.send('r1', () => {}, { expected: 2, collect: () => {}, finish: (t) => (finished = t) }, 10_000);
  requests.collect('r1', {}, 'a');
  await until(() => finished !== undefined);
  assert.equal(finished, false);
});

test('settleWithin: the value, or the fallback on timeout and rejection', async () => {
  assert.equal(await settleWithin(Promise.resolve(1), 50, 0), 1);
  assert.equal(await settleWithin(new Promise<number>(() => {}), 10, 0), 0);
  assert.equal(await settleWithin(Promise.reject(new Error('x')), 50, 0), 0);
});
