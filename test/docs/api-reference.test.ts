// The API reference (`npm run docs`) builds from the doc comments with warnings treated as errors: a public
// symbol referring to an undocumented type, or a broken {@link}, fails here rather than at release time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

test('npm run docs: the API reference builds with no warning', { timeout: 240_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'socketeer-api-'));
  try {
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(process.execPath, [typedoc, '--out', out], { cwd: root, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
      });
    });
    assert.equal(result.code, 0, result.output);
    assert.ok((await stat(join(out, 'index.html'))).isFile());
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
