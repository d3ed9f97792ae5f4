// `npm start` restarted under a signed-in page (Chromium): the process is stopped and started again on the same
// data folder (SQLite). The page reconnects by itself, still signed in (the refresh session and the token secret
// were kept), the history is intact, and the members showed as offline while the server was down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, signIn, type UserPage } from './chat-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'socketeer-chat-restart-'));
let port = 0;
let server: ChildProcess | null = null;
let browser: Browser;
let alice: UserPage;

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port: p } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return p;
}

/** Starts `examples/chat/server.ts` (what `npm start` runs) on `port` and `dataDir`; resolves once it listens. */
async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Socketeer chat on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the chat exited with ${code}: ${out}`)));
  });
  return child;
}

/** Stops the server the way Ctrl-C or a service manager does (SIGTERM), and waits for the process to end. */
async function stopServer(): Promise<void> {
  const child = server!;
  server = null;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, 'the chat stops cleanly on SIGTERM');
}

// a start of the process (tsx, the client bundles) may take long on a busy machine: generous bounds
const SLOW = { timeout: 300_000 };

before(async () => {
  port = await freePort();
  server = await startServer();
  browser = await launchChromium();
}, SLOW);

after(async () => {
  await browser?.close();
  if (server) await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a restart keeps the page signed in and the history; members show offline while the server is down', SLOW, async () => {
  const url = `http://127.0.0.1:${port}`;
  alice = await signIn(browser, url, 'alice');
  const { page } = alice;
  page.setDefaultTimeout(60_000);
  const lines = ['before the restart 1', 'before the restart 2', 'before the restart 3'];
  for (const line of lines) {
    await page.fill('#input', line);
    await page.press('#input', 'Enter');
  }
  await page.waitForFunction((n) => document.querySelectorAll('#messages li.message[data-state="delivered"]').length === n, lines.length);
  const online = await page.$eval('.member[data-user="alice"] .online', (e) => getComputedStyle(e).backgroundColor);

  await stopServer();
  await page.waitForSelector('#conn[data-state="disconnected"]');
  const whileDown = await page.$eval('.member[data-user="alice"] .online', (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(whileDown, online, 'the member is not shown online while the server is down');
  await screenshot(page, 'chat-restart-down');

  server = await startServer();
  // the page reconnects by itself (the client's reconnection), with a token from the kept refresh session
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.waitForFunction((c) => getComputedStyle(document.querySelector('.member[data-user="alice"] .online')!).backgroundColor === c, online);
  assert.equal(await page.isVisible('#signin'), false, 'still signed in');
  assert.equal(await page.locator('text=Please sign in').count(), 0);
  // the token the new process verifies was signed by the old one: a message goes through
  await page.fill('#input', 'after the restart');
  await page.press('#input', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('#messages li.message[data-state="delivered"]').length === 4);

  // a new page load: signed in from the refresh cookie, the whole history from the data folder
  await page.reload();
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.waitForSelector('#messages li.message .text:text("after the restart")');
  assert.equal(await page.isVisible('#signin'), false, 'still signed in after a reload');
  assert.deepEqual(await page.$$eval('#messages li.message .text', (t) => t.map((e) => e.textContent)), [...lines, 'after the restart']);
  assert.deepEqual(alice.errors, []);
  await screenshot(page, 'chat-restart-after');
});
