/**
 * The live-server fuzz, briefly (150 inputs over WebSocket and polling); `npm run fuzz` runs it long.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzServer, startFuzzServer } from './server.js';

test('fuzz: random and mutated input to a live server over WebSocket and polling (EIO 3 and 4)', async () => {
  const fuzz = await startFuzzServer();
  try {
    const count = Number(process.env.FUZZ_SERVER_RUNS) || 150;
    const seed = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
    const sent = await fuzzServer(fuzz, count, seed, 4, 100);
    assert.equal(sent, count);
    assert.deepEqual(fuzz.failures, []);
  } finally {
    await fuzz.close();
  }
});
