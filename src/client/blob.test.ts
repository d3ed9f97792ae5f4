import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasBlob, readBlobs } from './blob.js';

describe('Blob payloads', () => {
  it('finds Blobs at any depth, not in plain data nor buffers', () => {
    assert.equal(hasBlob(['x', { a: [1, new Blob(['b'])] }]), true);
    assert.equal(hasBlob(new Blob([])), true);
    assert.equal(hasBlob(['x', { a: [1, Buffer.from('b')] }, null, 3]), false);
    assert.equal(hasBlob('text'), false);
  });

  it('replaces Blobs by their bytes without touching the input', async () => {
    const blob = new Blob([new Uint8Array([1, 2]), 'c']);
    const date = new Date(0);
    const input = ['ev', { file: blob, when: date, list: [blob, 5] }];
    const out = (await readBlobs(input)) as any[];
    assert.equal(input[1] && (input[1] as any).file, blob);
    assert.ok(out[1].file instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(out[1].file)], [1, 2, 99]);
    assert.deepEqual([...new Uint8Array(out[1].list[0])], [1, 2, 99]);
    assert.equal(out[1].list[1], 5);
    assert.equal(out[1].when, date); // objects without Blobs are kept as they are
  });

  it('returns payloads without Blobs as they are', async () => {
    const input = ['ev', { a: 1 }];
    assert.equal(await readBlobs(input), input);
  });
});
