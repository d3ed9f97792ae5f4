import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtExpiry, LongTimer, MAX_TIMER_DELAY, toExpiry } from './expiry.js';
import * as wire from '../../protocol/credentials.js';
import * as clientAuth from '../../client/auth/index.js';
import * as serverAuth from './index.js';

test('toExpiry: Dates, milliseconds, JWT seconds, none', () => {
  assert.equal(toExpiry(new Date(1700000000123)), 1700000000123);
  assert.equal(toExpiry(1700000000123), 1700000000123);
  assert.equal(toExpiry(1700000000), 1700000000000);
  assert.equal(toExpiry(null), null);
  assert.equal(toExpiry(undefined), null);
  assert.throws(() => toExpiry(new Date('nope')), TypeError);
  assert.throws(() => toExpiry(Number.NaN), TypeError);
});

test('jwtExpiry reads the exp claim', () => {
  const claims = Buffer.from(JSON.stringify({ sub: '42', exp: 1700000000 })).toString('base64url');
  assert.equal(jwtExpiry(`eyJhbGciOiJIUzI1NiJ9.${claims}.sig`), 1700000000000);
  const noExp = Buffer.from(JSON.stringify({ sub: '42' })).toString('base64url');
  assert.equal(jwtExpiry(`h.${noExp}.s`), null);
  assert.equal(jwtExpiry('garbage'), null);
  assert.equal(jwtExpiry('a.%%%.c'), null);
});

test('LongTimer fires at the given time, chains delays beyond the setTimeout limit, and stops', async () => {
  // the timer does not keep the process alive: this one does, during the test
  const keepAlive = setInterval(() => {}, 1000);
  const timer = new LongTimer();
  const fired = await new Promise<number>((resolve) => {
    const at = Date.now() + 30;
    timer.start(at, () => resolve(Date.now() - at));
  });
  assert.ok(fired >= -2 && fired < 100);
  let far = false;
  timer.start(Date.now() + MAX_TIMER_DELAY * 3, () => (far = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(far, false, 'a delay beyond 2^31-1 ms does not fire at once');
  timer.stop();
  let stopped = false;
  timer.start(Date.now() + 10, () => (stopped = true));
  timer.stop();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(stopped, false);
  clearInterval(keepAlive);
});

test('the extension names on the wire (one declaration, re-exported by both sides)', () => {
  assert.equal(wire.ANNOUNCE_KEY, '$credentials');
  assert.equal(wire.EXTENSION_VERSION, 1);
  assert.equal(wire.REFRESH_EVENT, '$credentials:refresh');
  assert.equal(wire.ERROR_EVENT, '$credentials:error');
  assert.equal(wire.REVERIFY_EVENT, '$credentials:reverify');
  assert.equal(wire.REASON_EXPIRED, 'credentials expired');
  assert.equal(wire.REASON_REFUSED, 'credentials refused');
  for (const name of ['ANNOUNCE_KEY', 'EXTENSION_VERSION', 'REFRESH_EVENT', 'ERROR_EVENT'] as const) {
    assert.equal(clientAuth[name], wire[name]);
  }
  for (const [name, value] of Object.entries(wire)) {
    if (name in serverAuth) assert.equal((serverAuth as Record<string, unknown>)[name], value);
  }
});
