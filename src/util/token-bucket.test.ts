import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.js';

test('TokenBucket: a burst of `points`, then a refill of points per duration', () => {
  const b = new TokenBucket(3, 1000, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.retryAfter(0), 334);
  assert.equal(b.take(200), false);
  assert.equal(b.take(334), true);
  assert.equal(b.take(334), false);
  // never more than a full bucket, however long the pause
  assert.deepEqual([b.take(100000), b.take(100000), b.take(100000), b.take(100000)], [true, true, true, false]);
  assert.equal(b.retryAfter(200000), 0);
  assert.throws(() => new TokenBucket(0, 1000), RangeError);
});
