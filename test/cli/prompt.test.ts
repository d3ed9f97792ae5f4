/**
 * The interactive prompt of `socketeer connect`, driven in a real terminal (tmux, a server of its own per test):
 * the handshake and incoming events printed above the prompt, `emit` with JSON arguments, `ack` waiting for the
 * acknowledgement, the history (arrow up, kept across runs in the history file), `help`, `disconnect`, `connect`,
 * `quit`. Deadlines are generous: the terminal is polled until it shows what is expected.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliMain, root, Terminal, waitFor } from './helpers.js';
import { startTestServer, type TestServer } from './fixture.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

describe('socketeer connect: the interactive prompt in a terminal', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the session, emits, waits for acks, keeps a history, disconnects, reconnects and quits', { timeout: 300_000 }, async () => {
    const history = join(dir, 'history');
    const cli = [process.execPath, '--import', 'tsx', cliMain, 'connect', server.url, '--token', 'tty-1'].map(quote).join(' ');
    // run twice: the second run starts with the first one's history
    const command = `cd ${quote(root)} && export SOCKETEER_HISTORY=${quote(history)} DEBUG=; ${cli}; echo "EXIT1=$?"; ${cli}; echo "EXIT2=$?"; sleep 600`;
    const term = new Terminal();
    try {
      await term.start(command);
      await term.waitFor(/open +sid=\S+ transport=polling upgrades=\["websocket"\] pingInterval=\d+ pingTimeout=\d+/, 90_000);
      await term.waitFor(/connect +id=\S+ namespace=\//);
      await term.waitFor(/event +welcome \{"id":"[^"]+"\}/);
      assert.deepEqual(server.handshakes.find((h) => h.auth['token'] === 'tty-1')?.auth, { token: 'tty-1' });

      await term.line('emit note "hi there" {"a": [1, 2]} 7 word');
      await waitFor(() => server.events.some((e) => e.event === 'note'), 60_000, () => JSON.stringify(server.events));
      assert.deepEqual(server.events.find((e) => e.event === 'note')!.args, ['hi there', { a: [1, 2] }, 7, 'word']);

      await term.line('ack sum 20 22');
      await term.waitFor(/ack +sum 42/);

      // an event arriving while the prompt waits prints above it, and the prompt comes back
      server.broadcast('news', { headline: 'extra' });
      const shown = await term.waitFor(/event +news \{"headline":"extra"\}\n>/);
      assert.ok(shown.trimEnd().endsWith('>'), shown);

      // history: arrow up gives the last line again
      await term.send('Up');
      await term.waitFor(/> ack sum 20 22$/m);
      await term.send('Enter');
      const twice = await term.waitFor(/(ack +sum 42[\s\S]*){2}/);
      assert.equal(count(twice, /ack +sum 42/), 2);

      await term.line('help');
      await term.waitFor(/ack <event> \[args/);
      await term.line('frobnicate');
      await term.waitFor(/unknown command "frobnicate": try help/);
      await term.line('emit note {"broken": ');
      await term.waitFor(/invalid JSON/);

      await term.line('disconnect');
      await term.waitFor(/disconnect +io client disconnect/);
      await term.line('connect');
      const again = await term.waitFor(/(connect +id=\S+ namespace=\/[\s\S]*){2}/);
      assert.equal(count(again, /connect +id=\S+ namespace=\//), 2);

      await term.line('quit');
      await term.waitFor(/EXIT1=0/);
      assert.match(readFileSync(history, 'utf8'), /^emit note "hi there" \{"a": \[1, 2\]\} 7 word\nack sum 20 22\nack sum 20 22\nhelp\n/);

      // the second run: its history starts with the first run's last command
      await term.waitFor(/(connect +id=\S+ namespace=\/[\s\S]*){3}/, 90_000);
      await term.send('Up');
      await term.waitFor(/> quit$/m);
      await term.send('Enter');
      await term.waitFor(/EXIT2=0/);
    } finally {
      await term.kill();
    }
  });

  it('against the official socket.io server: connect_error is final at the prompt; emit and ack work', { timeout: 200_000 }, async () => {
    const official = await startTestServer(true);
    const term = new Terminal();
    try {
      const refused = [process.execPath, '--import', 'tsx', cliMain, 'connect', official.url, '--token', 'bad'].map(quote).join(' ');
      const cli = [process.execPath, '--import', 'tsx', cliMain, 'connect', official.url, '--transport', 'websocket'].map(quote).join(' ');
      await term.start(`cd ${quote(root)} && export SOCKETEER_HISTORY= DEBUG=; ${refused}; echo "REFUSED=$?"; ${cli}; echo "EXIT=$?"; sleep 600`);
      await term.waitFor(/connect_error +not authorized data=\{"code":"E_TOKEN","retry":false\}/, 90_000);
      // a refusal does not end the prompt: quit does
      await term.line('quit');
      await term.waitFor(/REFUSED=0/);
      await term.waitFor(/connect +id=\S+ namespace=\//, 90_000);
      await term.line('ack sum 1 2');
      await term.waitFor(/ack +sum 3/);
      await term.line('emit note [1, {"x": null}]');
      await waitFor(() => official.events.some((e) => e.event === 'note'), 60_000);
      assert.deepEqual(official.events.find((e) => e.event === 'note')!.args, [[1, { x: null }]]);
      await term.line('quit');
      await term.waitFor(/EXIT=0/);
    } finally {
      await term.kill();
      await official.close();
    }
  });

  it('Ctrl-D at the prompt quits with exit code 0', { timeout: 200_000 }, async () => {
    const cli = [process.execPath, '--import', 'tsx', cliMain, 'connect', server.url + '/admin'].map(quote).join(' ');
    const term = new Terminal();
    try {
      await term.start(`cd ${quote(root)} && export SOCKETEER_HISTORY= DEBUG=; ${cli}; echo "EXIT=$?"; sleep 600`);
      await term.waitFor(/connect +id=\S+ namespace=\/admin/, 90_000);
      await term.send('C-d');
      await term.waitFor(/EXIT=0/);
    } finally {
      await term.kill();
    }
  });
});
