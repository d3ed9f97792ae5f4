#!/usr/bin/env node
/**
 * The `socketeer` command (the package's `bin`): `socketeer connect <url>` (a client printing what happens, with
 * a prompt or scripted by flags), `socketeer serve` (a local test server), `--help`, `--version`. Owns the
 * dispatch of a command line and the exit codes; the rest is in the modules beside it.
 *
 * The CLI (`src/cli/`) is the top layer: nothing in `src/` imports it. It uses the client and the server through
 * their public entries only, and must never import `src/engine/`.
 */
import { EXIT, parseArgs, UsageError, type Command } from './args.js';
import { helpText } from './help.js';
import { Printer } from './output.js';
import { runPrompt } from './prompt.js';
import { runScripted } from './scripted.js';
import { startServe } from './serve.js';
import { CliSession } from './session.js';
import { packageVersion } from './version.js';

async function run(argv: readonly string[]): Promise<number | undefined> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`socketeer: ${err.message}\n(socketeer --help for the usage)\n`);
    return EXIT.usage;
  }
  switch (cmd.command) {
    case 'help':
      process.stdout.write(helpText(cmd.topic));
      return EXIT.ok;
    case 'version':
      process.stdout.write(packageVersion() + '\n');
      return EXIT.ok;
    case 'serve': {
      const printer = new Printer({ json: cmd.json });
      const serve = await startServe(cmd, printer);
      const stop = (): void => {
        void serve.close().then(() => process.exit(EXIT.ok));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return undefined; // runs until interrupted
    }
    case 'connect': {
      const printer = new Printer({ json: cmd.json });
      const session = new CliSession(cmd, printer);
      const interactive =
        !cmd.noPrompt && !cmd.json && cmd.emits.length === 0 && cmd.exitOn.length === 0 && !!process.stdin.isTTY && !!process.stdout.isTTY;
      if (!interactive) return runScripted(cmd, session, printer);
      session.start();
      return runPrompt(cmd, session, printer);
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    // exit once what was written has gone out (stdout may be a pipe)
    if (code !== undefined) process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`socketeer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
