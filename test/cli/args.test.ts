/**
 * The command line of `socketeer` (parsing only, no process): options of `connect` and `serve`, the client
 * options they give, the prompt's argument parsing, the human and JSON lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, type ConnectCommand } from '../../src/cli/args.js';
import { describe as describeRecord, toJsonValue } from '../../src/cli/output.js';
import { parseValues, splitCommand } from '../../src/cli/prompt.js';
import { clientOptions, targetUrl } from '../../src/cli/session.js';

const connect = (...args: string[]): ConnectCommand => parseArgs(['connect', ...args]) as ConnectCommand;

describe('socketeer: command line', () => {
  it('connect: every option', () => {
    const cmd = connect(
      'localhost:3000', '--namespace', 'admin', '--auth', '{"user":"ann"}', '--header', 'x-a: 1', '-H', 'x-b:2', '--query', 'q=1',
      '--query=r=2', '--cookie', 'c=3', '--transport', 'websocket', '--path', '/ws', '--timeout', '5000', '--emit', 'a',
      '--emit', 'b', '[1,"x"]', '--emit', 'c', '{"k":1}', '--ack', '--exit-on', 'event:done', '--exit-on', 'disconnect', '--json', '--reconnect',
    );
    assert.equal(cmd.url, 'http://localhost:3000');
    assert.equal(cmd.namespace, '/admin');
    assert.deepEqual(cmd.auth, { user: 'ann' });
    assert.deepEqual(cmd.headers, { 'x-a': '1', 'x-b': '2' });
    assert.deepEqual(cmd.query, { q: '1', r: '2' });
    assert.deepEqual(cmd.emits, [{ event: 'a', args: [] }, { event: 'b', args: [1, 'x'] }, { event: 'c', args: [{ k: 1 }] }]);
    assert.deepEqual(cmd.exitOn, [{ kind: 'event', event: 'done' }, { kind: 'disconnect' }]);
    assert.equal(cmd.ack && cmd.json && cmd.reconnect, true);
    assert.equal(targetUrl(cmd), 'http://localhost:3000/admin');
    assert.deepEqual(clientOptions(cmd), {
      forceNew: true,
      autoConnect: false,
      reconnection: true,
      transports: ['websocket'],
      auth: { user: 'ann' },
      extraHeaders: { 'x-a': '1', 'x-b': '2', Cookie: 'c=3' },
      query: { q: '1', r: '2' },
      path: '/ws',
      timeout: 5000,
    });
  });

  it('connect: the URL may follow an --emit without arguments; a malformed JSON argument is an error', () => {
    const cmd = connect('--emit', 'hello', 'http://h:1', '--emit', 'n', '7');
    assert.equal(cmd.url, 'http://h:1');
    assert.deepEqual(cmd.emits, [{ event: 'hello', args: [] }, { event: 'n', args: [7] }]);
    assert.throws(() => connect('http://h:1', '--emit', 'x', '[1,'), /invalid JSON/);
  });

  it('connect: --token is {token}; a Cookie header and --cookie are joined', () => {
    const cmd = connect('https://h/', '--token', 't', '-H', 'cookie: a=1', '--cookie', 'b=2');
    assert.deepEqual(clientOptions(cmd).auth, { token: 't' });
    assert.deepEqual(clientOptions(cmd).extraHeaders, { cookie: 'a=1; b=2' });
    assert.equal(clientOptions(cmd).reconnection, false);
    assert.deepEqual(clientOptions(cmd).transports, ['polling', 'websocket']);
  });

  it('bad command lines throw UsageError', () => {
    for (const args of [
      ['connect'], ['connect', 'a', 'b'], ['connect', 'ftp://x'], ['connect', 'x', '--token'], ['connect', 'x', '--auth', '[1]'],
      ['connect', 'x', '--token', 'a', '--auth', '{}'], ['connect', 'x', '--header', 'nocolon'], ['connect', 'x', '--timeout', '-1'],
      ['connect', 'x', '--json=yes'], ['serve', '--port', '70000'], ['serve', 'extra'], ['nope'],
    ]) {
      assert.throws(() => parseArgs(args), UsageError, args.join(' '));
    }
  });

  it('help, version, serve', () => {
    assert.deepEqual(parseArgs([]), { command: 'help' });
    assert.deepEqual(parseArgs(['connect', '--help']), { command: 'help', topic: 'connect' });
    assert.deepEqual(parseArgs(['-v']), { command: 'version' });
    assert.deepEqual(parseArgs(['serve', '--echo', '-p', '0', '--cors']), { command: 'serve', echo: true, port: 0, host: undefined, cors: true, path: undefined, json: false });
  });

  it('prompt lines: JSON values with spaces, words as strings', () => {
    assert.deepEqual(parseValues('"hi there" {"a": [1, "]"]} 3 true null word [ ]'), ['hi there', { a: [1, ']'] }, 3, true, null, 'word', []]);
    assert.deepEqual(parseValues('  '), []);
    assert.deepEqual(parseValues('"esc \\" quote"'), ['esc " quote']);
    assert.throws(() => parseValues('{"a":'), UsageError);
    assert.deepEqual(splitCommand('  emit   chat  "x" '), { word: 'emit', rest: 'chat  "x"' });
  });

  it('lines: human and JSON forms of the values', () => {
    assert.equal(describeRecord({ type: 'event', event: 'chat', args: ['hi', { n: 1 }] }), 'chat "hi" {"n":1}');
    assert.equal(describeRecord({ type: 'connect_error', message: 'no', data: { code: 1 } }), 'no data={"code":1}');
    assert.deepEqual(toJsonValue([new Uint8Array([1, 2]), new Error('boom'), undefined]), [{ type: 'Buffer', base64: 'AQI=' }, { message: 'boom' }, null]);
  });
});
