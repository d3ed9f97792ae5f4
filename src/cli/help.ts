/**
 * The help texts of `socketeer --help`, `socketeer connect --help` and `socketeer serve --help`.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Imports nothing of `src/`.
 */

const MAIN = `socketeer: a command-line client and test server for Socket.IO v4 servers (Socketeer or socket.io)

usage:
  socketeer connect <url> [options]     connect, print what happens, emit from a prompt or from flags
  socketeer serve [--echo] [options]    a local test server
  socketeer --help | <command> --help   help
  socketeer --version                   the version

examples:
  socketeer connect http://localhost:3000 --token abc123
  socketeer connect localhost:3000 --namespace /admin --header "x-api-key: k1" --transport websocket
  socketeer connect http://localhost:3000 --emit join '["lobby"]' --ack --exit-on connect --json
  socketeer serve --echo --port 3000

exit codes: 0 done, 1 connect_error (refused or unreachable), 2 bad usage, 3 timeout,
            4 disconnected before the --exit-on condition, 130 interrupted
`;

const CONNECT = `usage: socketeer connect <url> [options]

The URL's path is the namespace (http://host:3000/admin), unless --namespace gives one.
Prints the handshake (open packet: sid, upgrades, pingInterval, pingTimeout), connect (socket id) or
connect_error (message, data), upgrades, incoming events with their JSON arguments, and disconnects.

connection:
  -n, --namespace <nsp>       the namespace (default: the URL's path, else /)
      --auth <json>           the handshake's auth object, e.g. '{"token":"abc"}'
      --token <t>             same as --auth '{"token":"<t>"}'
  -H, --header <name:value>   an extra HTTP header (repeatable)
      --query <name=value>    a query parameter of the handshake (repeatable)
      --cookie <name=value>   a cookie, sent in the Cookie header (repeatable)
      --transport <t>         polling or websocket only (default: polling, then the upgrade to websocket)
      --path <path>           the server's path (default: /socket.io)
      --timeout <ms>          deadline of the connection, of each acknowledgement, and of a scripted run
      --reconnect             reconnect after a lost connection (default: no)

scripts (no prompt):
      --emit <event> [json]   emit an event once connected; the JSON array gives its arguments (a non-array
                              value is one argument); repeatable, in order
      --ack                   wait for the acknowledgement of each --emit (printed as "ack")
      --exit-on <condition>   connect | connect_error | disconnect | event:<name> (repeatable: any of them);
                              exits 0 once met and the emits are done
      --json                  one JSON object per line: {"time","type",…} (types: open, upgrade, connect,
                              connect_error, event, emit, ack, disconnect, reconnect_attempt, timeout)
      --no-prompt             print events without a prompt even on a terminal

On a terminal without --emit/--exit-on/--json, an interactive prompt (type help):
  emit <event> [args…]  ack <event> [args…]  disconnect  connect  help  quit
Without --exit-on, a scripted run with --emit exits after the emits (and their acks).

exit codes: 0 done, 1 connect_error (refused or unreachable), 2 bad usage, 3 timeout,
            4 disconnected before the --exit-on condition, 130 interrupted
`;

const SERVE = `usage: socketeer serve [--echo] [options]

A local Socketeer server that prints every connection, event and disconnect, on every namespace.
  --echo           send each event back to its sender, and acknowledge it with the same arguments
  -p, --port <n>   the port (default 3000; 0: any free port, printed)
  --host <host>    the interface (default: all)
  --cors           allow every origin (with credentials), for browser pages served elsewhere
  --path <path>    the server's path (default: /socket.io)
  --json           one JSON object per line
`;

/**
 * The help text for a topic (`connect`, `serve`; anything else: the main help).
 * @example
 * ```ts
 * process.stdout.write(helpText('connect'));
 * ```
 */
export function helpText(topic?: string): string {
  if (topic === 'connect') return CONNECT;
  if (topic === 'serve') return SERVE;
  return MAIN;
}
