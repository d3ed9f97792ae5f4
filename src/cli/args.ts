/**
 * The command line of `socketeer`: turns `process.argv` into a typed command (`connect`, `serve`, help, version)
 * and says what is wrong with a bad one (exit code 2). Pure: reads no file, opens no socket.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Must never import `src/engine/` nor the
 * client's or server's internals; this module imports nothing of `src/` at all.
 */

/** The exit codes of `socketeer` (documented in `docs/cli.md`). */
export const EXIT = {
  /** done: the `--exit-on` condition met, the emits done, or `quit` */
  ok: 0,
  /** the server refused the connection (`connect_error`), or it could not be reached */
  connectError: 1,
  /** bad usage: unknown option, missing value, malformed JSON */
  usage: 2,
  /** `--timeout` elapsed first (connection, acknowledgement or `--exit-on` condition) */
  timeout: 3,
  /** disconnected before the `--exit-on` condition was met */
  disconnected: 4,
} as const;

/** A line of the run's `--exit-on` conditions. */
export type ExitCondition =
  | { kind: 'connect' }
  | { kind: 'connect_error' }
  | { kind: 'disconnect' }
  | { kind: 'event'; event: string };

/** One `--emit` of a scripted run. */
export interface ScriptedEmit {
  event: string;
  args: unknown[];
}

/** `socketeer connect <url> …` */
export interface ConnectCommand {
  command: 'connect';
  url: string;
  namespace: string | undefined;
  auth: Record<string, unknown> | undefined;
  headers: Record<string, string>;
  query: Record<string, string>;
  cookies: string[];
  transport: 'polling' | 'websocket' | undefined;
  path: string | undefined;
  /** ms; undefined: no deadline */
  timeout: number | undefined;
  emits: ScriptedEmit[];
  ack: boolean;
  exitOn: ExitCondition[];
  json: boolean;
  reconnect: boolean;
  /** never start the prompt, even on a terminal */
  noPrompt: boolean;
}

/** `socketeer serve …` */
export interface ServeCommand {
  command: 'serve';
  echo: boolean;
  port: number;
  host: string | undefined;
  cors: boolean;
  path: string | undefined;
  json: boolean;
}

/** What the command line asks for. */
export type Command = ConnectCommand | ServeCommand | { command: 'help'; topic?: string } | { command: 'version' };

/** A bad command line: the message is printed with a hint to `--help`, and the exit code is 2. */
export class UsageError extends Error {
  /**
   * @param message what is wrong, for the user
   * @example
   * ```ts
   * throw new UsageError('--port needs a number');
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads argv tokens one at a time, with `--name=value` split into name and value. */
class Tokens {
  private i = 0;
  private pending: string | undefined;

  constructor(private readonly argv: readonly string[]) {}

  next(): string | undefined {
    if (this.pending !== undefined) {
      const v = this.pending;
      this.pending = undefined;
      return v;
    }
    const token = this.argv[this.i++];
    if (token !== undefined && /^--[^=]+=/.test(token)) {
      const eq = token.indexOf('=');
      this.pending = token.slice(eq + 1);
      return token.slice(0, eq);
    }
    return token;
  }

  /** The value of option `name` (the next token, which may start with `-` only when given as `--name=value`). */
  value(name: string): string {
    const inline = this.pending !== undefined;
    const v = this.next();
    if (v === undefined || (!inline && v.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    return v;
  }

  /**
   * The next token when it is a JSON value (the optional second value of `--emit`), else nothing: an option or
   * the URL stays where it is. A token that starts like JSON but is not is taken, for a clear error.
   */
  optionalJson(): string | undefined {
    if (this.pending !== undefined) return undefined;
    const token = this.argv[this.i];
    if (token === undefined || token.startsWith('--')) return undefined;
    let json = /^\s*[[{"]/.test(token);
    try {
      JSON.parse(token);
      json = true;
    } catch {
      // not JSON: taken only when it looks like JSON
    }
    if (!json) return undefined;
    this.i++;
    return token;
  }

  /** True when a `--name=value` value is waiting (given to a flag that takes none). */
  hasInline(): boolean {
    return this.pending !== undefined;
  }
}

/**
 * Parses a JSON text given on the command line.
 * @param what the option, for the message
 * @example
 * ```ts
 * parseJson('--auth', '{"token":"abc"}'); // { token: 'abc' }
 * ```
 */
export function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${what}: invalid JSON ${JSON.stringify(text)} (${(err as Error).message})`);
  }
}

function pair(what: string, text: string, sep: string): [string, string] {
  const at = text.indexOf(sep);
  if (at <= 0) throw new UsageError(`${what} expects name${sep}value, got ${JSON.stringify(text)}`);
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

function positiveInt(what: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || (!allowZero && n === 0)) throw new UsageError(`${what} needs a whole number, got ${JSON.stringify(text)}`);
  return n;
}

function exitCondition(text: string): ExitCondition {
  if (text === 'connect' || text === 'connect_error' || text === 'disconnect') return { kind: text };
  if (text.startsWith('event:') && text.length > 'event:'.length) return { kind: 'event', event: text.slice('event:'.length) };
  throw new UsageError(`--exit-on expects connect, connect_error, disconnect or event:<name>, got ${JSON.stringify(text)}`);
}

function parseConnect(tokens: Tokens): ConnectCommand {
  const cmd: ConnectCommand = {
    command: 'connect',
    url: '',
    namespace: undefined,
    auth: undefined,
    headers: {},
    query: {},
    cookies: [],
    transport: undefined,
    path: undefined,
    timeout: undefined,
    emits: [],
    ack: false,
    exitOn: [],
    json: false,
    reconnect: false,
    noPrompt: false,
  };
  let token: string | undefined;
  let urlArg: string | undefined;
  while ((token = tokens.next()) !== undefined) {
    const flag = (): void => {
      if (tokens.hasInline()) throw new UsageError(`${token} takes no value`);
    };
    switch (token) {
      case '--namespace':
      case '-n': {
        const v = tokens.value(token);
        cmd.namespace = v.startsWith('/') ? v : '/' + v;
        break;
      }
      case '--auth': {
        if (cmd.auth) throw new UsageError('--auth and --token: give one of them, once');
        const v = parseJson('--auth', tokens.value(token));
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError('--auth expects a JSON object');
        cmd.auth = v as Record<string, unknown>;
        break;
      }
      case '--token':
        if (cmd.auth) throw new UsageError('--auth and --token: give one of them, once');
        cmd.auth = { token: tokens.value(token) };
        break;
      case '--header':
      case '-H': {
        const [k, v] = pair('--header', tokens.value(token), ':');
        cmd.headers[k] = v;
        break;
      }
      case '--query': {
        const [k, v] = pair('--query', tokens.value(token), '=');
        cmd.query[k] = v;
        break;
      }
      case '--cookie': {
        const [k, v] = pair('--cookie', tokens.value(token), '=');
        cmd.cookies.push(`${k}=${v}`);
        break;
      }
      case '--transport': {
        const v = tokens.value(token);
        if (v !== 'polling' && v !== 'websocket') throw new UsageError(`--transport expects polling or websocket, got ${JSON.stringify(v)}`);
        cmd.transport = v;
        break;
      }
      case '--path':
        cmd.path = tokens.value(token);
        break;
      case '--timeout':
        cmd.timeout = positiveInt('--timeout', tokens.value(token));
        break;
      case '--emit': {
        const event = tokens.value(token);
        const raw = tokens.optionalJson();
        const value = raw === undefined ? [] : parseJson(`--emit ${event}`, raw);
        cmd.emits.push({ event, args: Array.isArray(value) ? value : [value] });
        break;
      }
      case '--ack':
        flag();
        cmd.ack = true;
        break;
      case '--exit-on':
        cmd.exitOn.push(exitCondition(tokens.value(token)));
        break;
      case '--json':
        flag();
        cmd.json = true;
        break;
      case '--reconnect':
        flag();
        cmd.reconnect = true;
        break;
      case '--no-prompt':
        flag();
        cmd.noPrompt = true;
        break;
      default:
        if (token.startsWith('-')) throw new UsageError(`unknown option ${token} for connect`);
        if (urlArg !== undefined) throw new UsageError(`one URL only (got ${JSON.stringify(urlArg)} and ${JSON.stringify(token)})`);
        urlArg = token;
    }
  }
  if (urlArg === undefined) throw new UsageError('connect needs a URL, e.g. socketeer connect http://localhost:3000');
  if (!/^(https?|wss?):\/\//i.test(urlArg)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(urlArg)) throw new UsageError(`unsupported URL ${JSON.stringify(urlArg)}: http(s) or ws(s) expected`);
    urlArg = 'http://' + urlArg;
  }
  cmd.url = urlArg;
  if (cmd.ack && cmd.emits.length === 0) throw new UsageError('--ack applies to --emit: give at least one --emit');
  return cmd;
}

function parseServe(tokens: Tokens): ServeCommand {
  const cmd: ServeCommand = { command: 'serve', echo: false, port: 3000, host: undefined, cors: false, path: undefined, json: false };
  let token: string | undefined;
  while ((token = tokens.next()) !== undefined) {
    const flag = (): void => {
      if (tokens.hasInline()) throw new UsageError(`${token} takes no value`);
    };
    switch (token) {
      case '--echo':
        flag();
        cmd.echo = true;
        break;
      case '--cors':
        flag();
        cmd.cors = true;
        break;
      case '--json':
        flag();
        cmd.json = true;
        break;
      case '--port':
      case '-p':
        cmd.port = positiveInt('--port', tokens.value(token), true);
        if (cmd.port > 65535) throw new UsageError('--port: at most 65535');
        break;
      case '--host':
        cmd.host = tokens.value(token);
        break;
      case '--path':
        cmd.path = tokens.value(token);
        break;
      default:
        throw new UsageError(`unknown ${token.startsWith('-') ? 'option' : 'argument'} ${token} for serve`);
    }
  }
  return cmd;
}

/**
 * Parses the arguments after `socketeer` (`process.argv.slice(2)`).
 * @throws UsageError on a bad command line
 * @example
 * ```ts
 * const cmd = parseArgs(['connect', 'http://localhost:3000', '--token', 'abc', '--emit', 'hello', '["world"]']);
 * // { command: 'connect', url: 'http://localhost:3000', auth: { token: 'abc' }, emits: [{ event: 'hello', args: ['world'] }], … }
 * ```
 */
export function parseArgs(argv: readonly string[]): Command {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { command: 'help', ...(argv[1] !== undefined ? { topic: argv[1] } : {}) };
  }
  if (first === '--version' || first === '-v' || first === 'version') return { command: 'version' };
  const rest = argv.slice(1);
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', topic: first };
  if (first === 'connect') return parseConnect(new Tokens(rest));
  if (first === 'serve') return parseServe(new Tokens(rest));
  throw new UsageError(`unknown command ${JSON.stringify(first)}`);
}
