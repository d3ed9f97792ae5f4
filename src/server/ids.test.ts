import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateId, generateOffset } from './ids.js';

describe('ids', () => {
  it('generateId: 20 url-safe characters, unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = generateId();
      assert.match(id, /^[A-Za-z0-9_-]{20}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 5000);
  });

  it('generateOffset: unique within the process, even within one millisecond', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(generateOffset());
    assert.equal(seen.size, 5000);
  });
});
