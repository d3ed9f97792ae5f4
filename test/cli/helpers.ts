/**
 * Helpers of the CLI tests: run `socketeer` (src/cli/main.ts through tsx) as a child process, parse its `--json`
 * lines, wait for conditions with generous deadlines, and drive a terminal with tmux.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cliMain = join(root, 'src', 'cli', 'main.ts');
/** The command line that runs the CLI from the sources. */
export const cliCommand = [process.execPath, '--import', 'tsx', cliMain];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI child: no DEBUG output, no history file. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SOCKETEER_HISTORY: '', ...extra };
  delete env['DEBUG'];
  return env;
}

/** Runs the CLI to its end (killed after `limit` ms) and resolves with its exit code and output. */
export function runCli(args: string[], limit = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cliCommand[0]!, [...cliCommand.slice(1), ...args], { cwd: root, env: cliEnv(), timeout: limit }, (err, stdout, stderr) => {
      if (err && err.killed) reject(new Error(`socketeer ${args.join(' ')} did not end in ${limit} ms\n${stdout}\n${stderr}`));
      else resolve({ code: child.exitCode, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** The records of `--json` output. */
export function records(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A long-running CLI (e.g. `serve`): its output so far, and a way to wait for a line. */
export interface RunningCli {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, limit?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function startCli(args: string[]): RunningCli {
  const child = spawn(cliCommand[0]!, [...cliCommand.slice(1), ...args], { cwd: root, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    async waitFor(re, limit = 60_000) {
      let m: RegExpMatchArray | null = null;
      await waitFor(() => !!(m = out.match(re)), limit, () => `no ${re} in:\n${out}`);
      return m!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Polls `cond` every 50 ms until it holds, failing after `limit` ms. */
export async function waitFor(cond: () => boolean, limit = 60_000, what: () => string = () => 'condition'): Promise<void> {
  const end = Date.now() + limit;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A tmux server of its own (`-L <name>`) with one session, for driving the prompt in a terminal. */
export class Terminal {
  private readonly socketName = `socketeer-cli-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private tmux(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('/usr/bin/tmux', ['-L', this.socketName, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      });
    });
  }

  /** Starts `command` (a shell command line) in a 200x50 terminal. */
  start(command: string): Promise<string> {
    if (!existsSync('/usr/bin/tmux')) throw new Error('the prompt tests drive a terminal with /usr/bin/tmux: apt-get install tmux');
    return this.tmux(['-f', '/dev/null', 'new-session', '-d', '-x', '200', '-y', '50', '-s', 'main', command]);
  }

  /** Types `keys` (tmux key names, e.g. `Enter`, `Up`, `C-u`; `literal` text as is). */
  async send(keys: string, literal = false): Promise<void> {
    await this.tmux(['send-keys', '-t', 'main', ...(literal ? ['-l'] : []), keys]);
  }

  /** Types a line and Enter. */
  async line(text: string): Promise<void> {
    await this.send(text, true);
    await this.send('Enter');
  }

  /** The terminal's text (with its scrollback). */
  capture(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-t', 'main', '-S', '-1000']);
  }

  /** Waits until the terminal shows `re`. */
  async waitFor(re: RegExp, limit = 60_000): Promise<string> {
    const end = Date.now() + limit;
    let text = '';
    for (;;) {
      text = await this.capture().catch(() => text);
      if (re.test(text)) return text;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} in the terminal:\n${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  kill(): Promise<void> {
    return this.tmux(['kill-server']).then(
      () => undefined,
      () => undefined,
    );
  }
}
