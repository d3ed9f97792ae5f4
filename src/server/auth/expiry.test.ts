import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtExpiry, LongTimer, MAX_TIMER_DELAY, toExpiry } from './expiry.js';
import * as serverWire from './wire.js';
import * as clientWire from '../../client/auth/wire.js';

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

test('the client and the server agree on the extension names', () => {
  assert.equal(clientWire.ANNOUNCE_KEY, serverWire.ANNOUNCE_KEY);
  assert.equal(clientWire.EXTENSION_VERSION, serverWire.EXTENSION_VERSION);
  assert.equal(clientWire.REFRESH_EVENT, serverWire.REFRESH_EVENT);
  assert.equal(clientWire.ERROR_EVENT, serverWire.ERROR_EVENT);
});
