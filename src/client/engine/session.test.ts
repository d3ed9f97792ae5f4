import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byteLength } from './session.js';

describe('byteLength (maxPayload accounting)', () => {
  it('counts UTF-8 bytes of text', () => {
    assert.equal(byteLength('abc'), 3);
    assert.equal(byteLength('é'), 2);
    assert.equal(byteLength('€'), 3);
    assert.equal(byteLength('😀'), 4);
    for (const s of ['', 'héllo wörld', '日本語', 'a😀b€']) assert.equal(byteLength(s), Buffer.byteLength(s), s);
  });

  it('counts binary as its base64 size (×1.33, rounded up)', () => {
    assert.equal(byteLength(new Uint8Array(3)), 4);
    assert.equal(byteLength(new ArrayBuffer(100)), 133);
  });
});
