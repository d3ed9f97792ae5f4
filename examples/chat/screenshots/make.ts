/**
 * Makes the README's screenshots of the demo, with live traffic:
 *
 * - `dashboard.png`: the dashboard (its figures from `socketeer/metrics`) while two signed-in pages chat,
 *   one on WebSocket and one on long-polling, and a terminal client is connected;
 * - `cli.png`: a `socketeer connect` session on the chat with a token, run in tmux, captured with its colours
 *   and rendered as a terminal page;
 * - `dashboard-cluster.png`: the same dashboard on 3 nodes over Redis (`startCluster`, needs `redis-server`),
 *   each node's figures read from its own metrics.
 *
 * ```sh
 * npx tsx examples/chat/screenshots/make.ts      # needs /usr/bin/chromium and tmux
 * ```
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startChat } from '../app.js';
import { startCluster } from '../cluster.js';
import { submitSignIn } from './sign-in.js';

const OUT = fileURLToPath(new URL('./', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SESSION = `socketeer-shot-${process.pid}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends chat messages from the pages, alternately, until `stop()` is called.
 * @returns `stop()`, which resolves once the last message is sent
 */
function chatter(pages: Page[]): () => Promise<void> {
  const lines = ['anyone up for lunch?', 'the deploy went fine', 'polling works too', 'see the rates chart', 'ok!'];
  let chatting = true;
  const traffic = (async () => {
    for (let i = 0; chatting; i++) {
      await say(pages[i % pages.length]!, `${lines[i % lines.length]} (${i + 1})`);
      await sleep(250 + (i % 5) * 100);
    }
  })();
  return () => {
    chatting = false;
    return traffic;
  };
}

/** Waits for `fn` to be true, polling (generous deadline: the machine may be loaded). */
async function until(fn: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function signIn(browser: Browser, url: string, name: string, query = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(url + '/' + query);
  await submitSignIn(page, name);
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-t', SESSION);

/** Types a line into the tmux session. */
function type(line: string): void {
  tmux('send-keys', '-t', SESSION, '-l', line);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

const COLORS = ['#1e1e1e', '#f87171', '#4ade80', '#facc15', '#60a5fa', '#e879f9', '#22d3ee', '#e5e7eb'];
const BRIGHT = ['#6b7280', '#fca5a5', '#86efac', '#fde68a', '#93c5fd', '#f0abfc', '#67e8f9', '#ffffff'];

/** Renders text with ANSI SGR sequences (as `tmux capture-pane -e` gives) as HTML spans. */
function ansiToHtml(text: string): string {
  let html = '';
  let style: { color?: string; bold?: boolean; dim?: boolean } = {};
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    const m = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!m) {
      if (!part) continue;
      const css = [style.color ? `color:${style.color}` : '', style.bold ? 'font-weight:700' : '', style.dim ? 'opacity:.6' : ''].filter(Boolean).join(';');
      html += css ? `<span style="${css}">${esc(part)}</span>` : esc(part);
      continue;
    }
    const codes = (m[1] || '0').split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === 0) style = {};
      else if (c === 1) style.bold = true;
      else if (c === 2) style.dim = true;
      else if (c === 22) style.bold = style.dim = false;
      else if (c >= 30 && c <= 37) style.color = COLORS[c - 30];
      else if (c >= 90 && c <= 97) style.color = BRIGHT[c - 90];
      else if (c === 39) delete style.color;
      else if (c === 38 && codes[i + 1] === 5) {
        const n = codes[i + 2] ?? 7;
        style.color = n < 8 ? COLORS[n] : n < 16 ? BRIGHT[n - 8] : undefined;
        i += 2;
      }
    }
  }
  return html;
}

function terminalPage(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 24px; background: #e5e7eb; font-family: system-ui, sans-serif; }
.term { display: inline-block; border-radius: 10px; overflow: hidden; box-shadow: 0 10px 30px rgba(0,0,0,.25); background: #111827; }
.bar { background: #374151; color: #d1d5db; font-size: 13px; padding: 8px 14px; display: flex; gap: 8px; align-items: center; }
.bar i { width: 12px; height: 12px; border-radius: 50%; display: inline-block; }
pre { margin: 0; padding: 14px 18px; color: #e5e7eb; font: 13px/1.45 "DejaVu Sans Mono", "Liberation Mono", monospace; white-space: pre; }
</style></head><body><div class="term" id="term"><div class="bar"><i style="background:#f87171"></i><i style="background:#facc15"></i><i style="background:#4ade80"></i><span>${title}</span></div><pre>${body}</pre></div></body></html>`;
}

const chat = await startChat({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const alice = await signIn(browser, chat.url, 'alice');
  const bob = await signIn(browser, chat.url, 'bob', '?transport=polling');

  // the terminal client: bob's token, on WebSocket
  const bobUser = (await chat.auth.getUser('bob'))!;
  const { token } = await chat.auth.issueToken(bobUser);
  tmux('new-session', '-d', '-s', SESSION, '-x', '150', '-y', '22', '-c', ROOT, 'env', 'PS1=$ ', 'SOCKETEER_HISTORY=', 'bash', '--norc', '--noprofile');
  type(`alias socketeer='node --import tsx src/cli/main.ts'; export URL=${chat.url} TOKEN=${token}; clear`);
  await sleep(500);
  type('socketeer connect "$URL" --token "$TOKEN" --transport websocket');
  await until(() => /connect\s+id=/.test(pane()), 'the CLI to connect');
  type('ack room:join "general"');
  await until(() => /ack\s+room:join/.test(pane()), 'the join ack');
  await say(alice, 'hello from the browser');
  await until(() => /event\s+message/.test(pane()), 'the message to reach the terminal');
  type('ack message {"room":"general","text":"hello from the terminal"}');
  await until(() => /ack\s+message/.test(pane()), 'the message ack');
  await alice.waitForSelector('#messages li.message .text:text("hello from the terminal")');

  // the session so far (the client stays connected: the dashboard lists it)
  const captured = tmux('capture-pane', '-p', '-e', '-t', SESSION)
    .split('\n')
    .filter((l) => !l.startsWith('$ alias'))
    .join('\n')
    .trimEnd();
  const page = await browser.newPage({ viewport: { width: 1500, height: 700 } });
  await page.setContent(terminalPage('socketeer connect — the chat demo, with a token', ansiToHtml(captured)));
  await page.locator('#term').screenshot({ path: OUT + 'cli.png' });
  writeFileSync(OUT + 'cli.txt', captured.replace(/\x1b\[[0-9;]*m/g, '').replace(/TOKEN=\S+/g, 'TOKEN=…') + '\n');

  // live traffic for the dashboard's charts
  const dashboard = await alice.context().newPage();
  await dashboard.setViewportSize({ width: 1440, height: 900 });
  await dashboard.goto(chat.url + '/dashboard');
  await dashboard.waitForSelector('#board:not([hidden])');
  await alice.evaluate(() => {
    // one anonymous handshake, refused by the token check (shown by reason)
    const s = (window as unknown as { io(o: object): { on(e: string, f: () => void): void; close(): void } }).io({ forceNew: true, reconnection: false, auth: {} });
    s.on('connect_error', () => s.close());
  });
  await dashboard.waitForSelector('#refusals g[data-label="NO_TOKEN"]');
  // both pages chat until the shot is taken, so that the rates are not zero on it
  const stop = chatter([alice, bob]);
  await sleep(20_000);
  await until(() => dashboard.evaluate(() => document.getElementById('k-in')!.textContent !== '0'), 'a rate on the dashboard');
  await dashboard.screenshot({ path: OUT + 'dashboard.png', fullPage: true });
  await stop();

  type('quit');
  console.log(`wrote ${OUT}dashboard.png, ${OUT}cli.png`);
} finally {
  try {
    tmux('kill-session', '-t', SESSION);
  } catch {
    // already gone
  }
  await chat.close();
}

// the dashboard on 3 nodes
const cluster = await startCluster({ port: 0 });
try {
  const alice = await signIn(browser, cluster.url, 'alice');
  const bob = await signIn(browser, cluster.url, 'bob', '?transport=polling');
  const dashboard = await alice.context().newPage();
  await dashboard.setViewportSize({ width: 1440, height: 900 });
  await dashboard.goto(cluster.url + '/dashboard');
  await dashboard.waitForSelector('#nodes-panel:not([hidden])');
  await dashboard.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 3);
  const stop = chatter([alice, bob]);
  await sleep(15_000);
  await until(() => dashboard.evaluate(() => document.getElementById('k-in')!.textContent !== '0'), 'a rate on the dashboard');
  await dashboard.screenshot({ path: OUT + 'dashboard-cluster.png', fullPage: true });
  await stop();
  console.log(`wrote ${OUT}dashboard-cluster.png`);
} finally {
  await cluster.close();
  await browser.close();
}
