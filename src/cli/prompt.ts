/**
 * The interactive prompt of `socketeer connect` on a terminal: a readline prompt with history (kept across runs
 * in `~/.socketeer_history`, or the file `SOCKETEER_HISTORY` names; empty: none) that reads `emit`, `ack`,
 * `disconnect`, `connect`, `help` and `quit`, while the session's lines print above it. Owns the prompt's
 * commands and the parsing of their JSON arguments.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Must never import `src/server/` or
 * `src/engine/`.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { EXIT, UsageError, type ConnectCommand } from './args.js';
import type { Printer } from './output.js';
import type { CliSession } from './session.js';

/** The prompt's help text. */
export const PROMPT_HELP = [
  'commands:',
  '  emit <event> [args…]   emit an event; each argument is a JSON value (a word that is not JSON is a string)',
  '  ack <event> [args…]    emit and wait for the acknowledgement, printed as "ack"',
  '  disconnect             disconnect the socket (connect opens it again)',
  '  connect                connect again',
  '  help                   this text',
  '  quit                   disconnect and leave (also Ctrl-D, Ctrl-C)',
  'example: emit chat "hello" {"room":"lobby"} 42',
].join('\n');

const HISTORY_SIZE = 500;

/**
 * Splits the arguments of a prompt line into values: JSON values (objects and arrays may contain spaces), and
 * words that are not JSON as strings.
 * @example
 * ```ts
 * parseValues('"hi there" {"a": [1, 2]} 3 hello');   // ['hi there', { a: [1, 2] }, 3, 'hello']
 * ```
 */
export function parseValues(text: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    const open = text[i]!;
    if (open === '{' || open === '[' || open === '"') {
      let depth = 0;
      let inString = false;
      for (; i < text.length; i++) {
        const c = text[i]!;
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') {
            inString = false;
            if (depth === 0) {
              i++;
              break;
            }
          }
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) i++;
    }
    const token = text.slice(start, i);
    try {
      values.push(JSON.parse(token));
    } catch (err) {
      if (open === '{' || open === '[' || open === '"') throw new UsageError(`invalid JSON ${token} (${(err as Error).message})`);
      values.push(token);
    }
  }
  return values;
}

/**
 * A prompt line as a command: the command word, and the rest.
 * @example
 * ```ts
 * splitCommand(' emit chat "hi" '); // { word: 'emit', rest: 'chat "hi"' }
 * ```
 */
export function splitCommand(line: string): { word: string; rest: string } {
  const trimmed = line.trim();
  const at = trimmed.search(/\s/);
  return at < 0 ? { word: trimmed, rest: '' } : { word: trimmed.slice(0, at), rest: trimmed.slice(at + 1).trim() };
}

function historyFile(): string | undefined {
  const configured = process.env['SOCKETEER_HISTORY'];
  if (configured !== undefined) return configured === '' ? undefined : configured;
  return join(homedir(), '.socketeer_history');
}

function loadHistory(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/**
 * Runs the prompt until `quit` (or the end of input) and resolves with the exit code, after closing the
 * connection.
 * @example
 * ```ts
 * session.start();
 * process.exit(await runPrompt(cmd, session, printer));
 * ```
 */
export function runPrompt(cmd: ConnectCommand, session: CliSession, printer: Printer): Promise<number> {
  const file = historyFile();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    prompt: '> ',
    history: loadHistory(file),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  const out = process.stdout;
  printer.wrapWrites((write) => {
    clearLine(out, 0);
    cursorTo(out, 0);
    write();
    rl.prompt(true);
  });
  const say = (message: string): void => printer.print({ type: 'info', message });
  const ackTimeout = cmd.timeout ?? 10_000;

  return new Promise((resolve) => {
    let closing = false;
    const quit = (): void => {
      if (closing) return;
      closing = true;
      printer.wrapWrites(undefined);
      rl.close();
      out.write('\n');
      void session.close().then(() => resolve(EXIT.ok));
    };
    const run = (line: string): void => {
      const { word, rest } = splitCommand(line);
      if (!word) return;
      if (file) {
        try {
          appendFileSync(file, line.trim() + '\n');
        } catch {
          // history is a convenience: an unwritable file is not an error
        }
      }
      switch (word) {
        case 'emit':
        case 'ack': {
          const { word: event, rest: argText } = splitCommand(rest);
          if (!event) return say(`usage: ${word} <event> [json args…]`);
          const args = parseValues(argText);
          if (word === 'emit') session.emit(event, args);
          else void session.emitWithAck(event, args, ackTimeout);
          return;
        }
        case 'disconnect':
          if (!session.socket.connected && !session.socket.active) return say('not connected');
          return session.disconnect();
        case 'connect':
          if (session.socket.connected) return say('already connected');
          return session.start();
        case 'help':
        case '?':
          return say(PROMPT_HELP);
        case 'quit':
        case 'exit':
          return quit();
        default:
          return say(`unknown command ${JSON.stringify(word)}: try help`);
      }
    };
    rl.on('line', (line) => {
      try {
        run(line);
      } catch (err) {
        say((err as Error).message);
      }
      if (!closing) rl.prompt();
    });
    rl.on('SIGINT', quit);
    rl.on('close', quit);
    say('type help for the commands');
    rl.prompt();
  });
}
