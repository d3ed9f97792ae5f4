/**
 * The non-interactive run of `socketeer connect` (scripts and CI): once connected, the `--emit` events in order
 * (each waiting for its acknowledgement with `--ack`), then the `--exit-on` conditions, under the `--timeout`
 * deadline; resolves with the exit code (see `EXIT` in `args.ts`). Owns the rules that decide when a run is over.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Must never import `src/server/` or
 * `src/engine/`.
 */
import { EXIT, type ConnectCommand, type ExitCondition } from './args.js';
import type { Printer } from './output.js';
import type { CliSession } from './session.js';

/**
 * Runs a session without a prompt and resolves with the exit code, after closing the connection.
 *
 * - `--exit-on` given: exit 0 once one of the conditions is met and the emits are done (`connect_error` and
 *   `disconnect` end the run at once, since nothing more can happen).
 * - no `--exit-on`, some `--emit`: exit 0 once they are done (acknowledged, with `--ack`).
 * - neither: print until the connection ends (exit 4) or the process is interrupted.
 * - `connect_error` not expected: exit 1; a disconnect not expected: exit 4; `--timeout` first: exit 3.
 * @example
 * ```ts
 * const code = await runScripted(cmd, session, printer);
 * process.exit(code);
 * ```
 */
export function runScripted(cmd: ConnectCommand, session: CliSession, printer: Printer): Promise<number> {
  return new Promise((resolve) => {
    const expects = (kind: ExitCondition['kind'], event?: string): boolean =>
      cmd.exitOn.some((c) => c.kind === kind && (c.kind !== 'event' || c.event === event));
    let finished = false;
    let conditionMet = false;
    let emitsStarted = false;
    let emitsDone = cmd.emits.length === 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = cmd.timeout !== undefined ? Date.now() + cmd.timeout : undefined;

    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', interrupted);
      void session.close().then(() => resolve(code));
    };
    const check = (): void => {
      if (!emitsDone) return;
      if (cmd.exitOn.length ? conditionMet : cmd.emits.length > 0) finish(EXIT.ok);
    };
    const interrupted = (): void => finish(130);
    process.on('SIGINT', interrupted);

    if (deadline !== undefined) {
      timer = setTimeout(() => {
        const waiting = !session.socket.connected
          ? 'the connection'
          : !emitsDone
            ? 'the acknowledgements'
            : cmd.exitOn.map((c) => (c.kind === 'event' ? 'event:' + c.event : c.kind)).join(' or ');
        printer.print({ type: 'timeout', message: `${cmd.timeout} ms elapsed waiting for ${waiting}` });
        finish(EXIT.timeout);
      }, cmd.timeout);
    }

    const runEmits = async (): Promise<void> => {
      for (const { event, args } of cmd.emits) {
        if (finished) return;
        if (!cmd.ack) {
          session.emit(event, args);
          continue;
        }
        const left = deadline !== undefined ? Math.max(1, deadline - Date.now()) : undefined;
        const outcome = await session.emitWithAck(event, args, left);
        if (!outcome.ok) {
          finish(EXIT.timeout);
          return;
        }
      }
      emitsDone = true;
      check();
    };

    session.listen({
      connect: () => {
        if (expects('connect')) conditionMet = true;
        if (!emitsStarted) {
          emitsStarted = true;
          void runEmits();
        }
        check();
      },
      connectError: (_err, final) => {
        if (expects('connect_error')) finish(EXIT.ok);
        else if (final) finish(EXIT.connectError);
      },
      disconnect: (_reason, final) => {
        if (expects('disconnect')) finish(EXIT.ok);
        else if (final) finish(EXIT.disconnected);
      },
      event: (event) => {
        if (expects('event', event)) {
          conditionMet = true;
          check();
        }
      },
    });
    session.start();
  });
}
