/**
 * `socketeer connect` scripted by its flags, end to end: the CLI (run from the sources) against a Socketeer server
 * and against the official socket.io server, both started by the test on 127.0.0.1 — the handshake outcome, auth,
 * headers, cookies and query seen by the server's middleware, `connect_error` with its data (exit 1), emits with
 * acknowledgements, `--exit-on`, `--json`, the exit codes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { records, runCli } from './helpers.js';
import { startTestServer, type TestServer } from './fixture.js';

for (const official of [false, true]) {
  describe(`socketeer connect, scripted, against ${official ? 'the official socket.io server' : 'a Socketeer server'}`, { concurrency: 2 }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(official);
    });
    after(() => server.close());

    it('--token, --header, --cookie, --query reach the middleware; --exit-on connect exits 0; --json records', async () => {
      const res = await runCli([
        'connect', server.url, '--token', 'tok-1', '--header', 'x-api-key: key-1', '-H', 'x-trace:t1',
        '--cookie', 'session=s1', '--cookie', 'theme=dark', '--query', 'room=lobby', '--exit-on', 'connect', '--json',
      ]);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const seen = server.handshakes.find((h) => h.auth['token'] === 'tok-1');
      assert.ok(seen, 'handshake seen by the middleware');
      assert.deepEqual(seen.auth, { token: 'tok-1' });
      assert.equal(seen.headers['x-api-key'], 'key-1');
      assert.equal(seen.headers['x-trace'], 't1');
      assert.equal(seen.headers['cookie'], 'session=s1; theme=dark');
      assert.equal(seen.query['room'], 'lobby');
      const recs = records(res.stdout);
      const open = recs.find((r) => r['type'] === 'open');
      assert.ok(open, res.stdout);
      assert.equal(typeof open['sid'], 'string');
      assert.equal(open['transport'], 'polling');
      assert.deepEqual(open['upgrades'], ['websocket']);
      assert.equal(typeof open['pingInterval'], 'number');
      assert.equal(typeof open['pingTimeout'], 'number');
      const connect = recs.find((r) => r['type'] === 'connect');
      assert.ok(connect && typeof connect['id'] === 'string' && connect['namespace'] === '/', res.stdout);
      for (const r of recs) assert.ok(!Number.isNaN(Date.parse(String(r['time']))), 'timestamped');
    });

    it('--auth <json> on a namespace; connect_error prints message and data, exit code 1', async () => {
      const res = await runCli(['connect', server.url, '--namespace', 'admin', '--auth', '{"token":"bad","user":"ann"}']);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stdout, /connect_error +not authorized data=\{"code":"E_TOKEN","retry":false\}/);
      const seen = server.handshakes.find((h) => h.auth['user'] === 'ann');
      assert.ok(seen);
      assert.equal(seen.namespace, '/admin');
      const json = await runCli(['connect', server.url + '/admin', '--token', 'bad', '--json']);
      assert.equal(json.code, 1);
      const err = records(json.stdout).find((r) => r['type'] === 'connect_error');
      assert.deepEqual(err && { message: err['message'], data: err['data'] }, { message: 'not authorized', data: { code: 'E_TOKEN', retry: false } });
    });

    it('--exit-on connect_error makes a refusal the expected outcome (exit 0)', async () => {
      const res = await runCli(['connect', server.url, '--token', 'bad', '--exit-on', 'connect_error']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
    });

    it('--emit with --ack waits for each acknowledgement and prints it; plain --emit reaches the server', async () => {
      const res = await runCli(['connect', server.url, '--emit', 'sum', '[2, 40]', '--emit', 'sum', '[1,1]', '--ack', '--json', '--timeout', '60000']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const acks = records(res.stdout).filter((r) => r['type'] === 'ack');
      assert.deepEqual(acks.map((r) => r['args']), [[42], [2]]);
      const plain = await runCli(['connect', server.url, '--emit', 'note', '["hello",{"n":1}]', '--emit', 'note', '"single"', '--transport', 'websocket']);
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.match(plain.stdout, /emit +note "hello" \{"n":1\}/);
      const notes = server.events.filter((e) => e.event === 'note').map((e) => e.args);
      assert.deepEqual(notes, [['hello', { n: 1 }], ['single']]);
    });

    it('--exit-on event:<name> prints the event with its arguments; --transport websocket opens without upgrade', async () => {
      const res = await runCli(['connect', server.url, '--exit-on', 'event:welcome', '--transport', 'websocket', '--json', '-H', 'x-ws: upgrade-1', '--token', 'ws-1']);
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.equal(server.handshakes.find((h) => h.auth['token'] === 'ws-1')?.headers['x-ws'], 'upgrade-1', 'headers on the WebSocket handshake');
      const recs = records(res.stdout);
      const open = recs.find((r) => r['type'] === 'open')!;
      assert.equal(open['transport'], 'websocket');
      assert.deepEqual(open['upgrades'], []);
      const connect = recs.find((r) => r['type'] === 'connect')!;
      const welcome = recs.find((r) => r['type'] === 'event')!;
      assert.deepEqual(welcome['args'], [{ id: connect['id'] }]);
      assert.equal(welcome['event'], 'welcome');
    });

    it('a disconnect by the server: exit 0 with --exit-on disconnect, else 4; the reason printed', async () => {
      const expected = await runCli(['connect', server.url, '--emit', 'kick', '--exit-on', 'disconnect']);
      assert.equal(expected.code, 0, expected.stdout + expected.stderr);
      assert.match(expected.stdout, /disconnect +io server disconnect/);
      const unexpected = await runCli(['connect', server.url, '--emit', 'kick', '--exit-on', 'event:never', '--json']);
      assert.equal(unexpected.code, 4, unexpected.stdout + unexpected.stderr);
      assert.equal(records(unexpected.stdout).find((r) => r['type'] === 'disconnect')?.['reason'], 'io server disconnect');
    });

    it('--timeout before the condition: exit 3', async () => {
      const res = await runCli(['connect', server.url, '--exit-on', 'event:never', '--timeout', '2000', '--json']);
      assert.equal(res.code, 3, res.stdout + res.stderr);
      assert.ok(records(res.stdout).some((r) => r['type'] === 'timeout'));
    });
  });
}

describe('socketeer: usage, help, version, an unreachable server', () => {
  it('bad usage exits 2 with a message', async () => {
    for (const args of [[], ['connect'], ['connect', 'http://x', '--transport', 'carrier-pigeon'], ['connect', 'http://x', '--auth', '{nope'], ['bogus'], ['connect', 'http://x', '--ack'], ['connect', 'http://x', '--exit-on', 'soon']]) {
      const res = await runCli(args);
      if (args.length === 0) {
        assert.equal(res.code, 0);
        assert.match(res.stdout, /usage:/);
        continue;
      }
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stdout} ${res.stderr}`);
      assert.match(res.stderr, /socketeer: .+\n\(socketeer --help/);
    }
  });

  it('--help, connect --help, --version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /socketeer connect <url>/);
    assert.match(help.stdout, /exit codes: 0 done, 1 connect_error/);
    const connectHelp = await runCli(['connect', '--help']);
    assert.match(connectHelp.stdout, /--exit-on <condition>/);
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  it('nothing listening: connect_error, exit 1', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const res = await runCli(['connect', `http://127.0.0.1:${port}`, '--json']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.ok(records(res.stdout).some((r) => r['type'] === 'connect_error'));
  });
});
