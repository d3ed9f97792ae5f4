// `npm start` as a process (examples/chat/server.ts): its defaults a user meets first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs the demo's server with `env` until it prints its first line or exits.
 * @returns its output so far and, if it exited, its exit code; `stop()` ends it
 */
async function run(env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null; dataDir: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'socketeer-chat-server-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '', REDIS_URL: '', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Users:')) resolve(null);
    });
    exited.then(resolve);
  });
  return {
    stdout,
    stderr,
    code,
    dataDir,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// a start of the process (tsx) may take long on a busy machine
const SLOW = { timeout: 300_000 };

test('a taken port is said in one line, and the process exits with code 1', SLOW, async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const { port } = taken.address() as { port: number };
  try {
    const r = await run({ PORT: String(port) });
    await r.stop();
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Port ${port} on 127.0.0.1 is already in use: stop the other server or start with PORT=<another port>.\n`);
    assert.equal(r.stdout, '');
  } finally {
    taken.close();
  }
});

test('it listens on 127.0.0.1 by default, names its data folder and says how to let other machines in', SLOW, async () => {
  const r = await run({ PORT: '0' });
  await r.stop();
  assert.equal(r.code, null, r.stderr);
  assert.match(r.stdout, /^Socketeer chat on http:\/\/127\.0\.0\.1:\d+ {2}\(dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard\) {2}\[data: (.*)\]\n/);
  assert.equal(/\[data: (.*)\]/.exec(r.stdout)![1], r.dataDir);
  assert.match(r.stdout, /HOST=0\.0\.0\.0 lets other machines in/);
});
