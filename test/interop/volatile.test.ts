/**
 * Volatile emits against the official `socket.io` server and Socketeer: the same scenarios, the same
 * packets delivered. socket.io drops a volatile packet when, at emit time, the client's transport is not
 * writable: over WebSocket, while an earlier write to that client has not been handed to the OS (so in one
 * tick only the first write goes through); over long-polling, while no GET is pending. Apps rely on it as a
 * throttle, so the count of volatile packets that arrive must be the same on both servers.
 *
 * Each scenario runs on the server, from a timer callback or from an event handler, once every client's
 * transport is writable; a regular `end` event emitted afterwards to every client marks the end of the
 * scenario (packets of one client arrive in order, so whatever was not dropped has arrived by then).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { io as referenceIo, type Socket as ClientSocket } from 'socket.io-client';
import { once, until } from './helpers.js';
import { official, socketeer, type ServerFactory, type TestServer } from './servers.js';

type Transport = 'websocket' | 'polling';

interface Context {
  io: any;
  /** server-side sockets, in client order */
  sockets: any[];
  /** resolves once the transport of `s` is writable (a GET pending, no write in flight) */
  writable(s: any): Promise<void>;
}

interface Scenario {
  /** number of connected clients (default 1) */
  clients?: number;
  /** transports the scenario is deterministic on (default both) */
  transports?: Transport[];
  /**
   * the result depends on a write completing within the tick it is made in (true of plain frames on a
   * loopback connection, not of compressed ones: zlib runs on another thread)
   */
  syncWrites?: boolean;
  /** what each client receives, as `event:arg` strings (the reference's result) */
  expected: Record<Transport, string[][]> | string[][];
  /** runs on the server; `fromHandler` runs it inside the handler of a client event instead of a timer */
  run(ctx: Context): void | Promise<void>;
  fromHandler?: boolean;
  /** installed on the server before the clients connect */
  onConnection?(socket: any): void;
}

const scenarios: Record<string, Scenario> = {
  'five volatile emits in one tick: the first goes, the rest are dropped': {
    expected: [['v:0']],
    run: ({ sockets: [s] }) => {
      for (let i = 0; i < 5; i++) s.volatile.emit('v', i);
    },
  },
  'five volatile emits in one tick, from an event handler': {
    expected: [['v:0']],
    fromHandler: true,
    run: ({ sockets: [s] }) => {
      for (let i = 0; i < 5; i++) s.volatile.emit('v', i);
    },
  },
  'a volatile emit right after a regular one is dropped': {
    expected: [['r:0']],
    run: ({ sockets: [s] }) => {
      s.emit('r', 0);
      s.volatile.emit('v', 1);
    },
  },
  'a regular emit after a volatile one is queued, not dropped': {
    expected: [['v:0', 'r:1', 'r:2']],
    run: ({ sockets: [s] }) => {
      s.volatile.emit('v', 0);
      s.emit('r', 1);
      s.emit('r', 2);
    },
  },
  'volatile emits each waiting for a writable transport all arrive': {
    expected: [['v:0', 'v:1', 'v:2', 'v:3', 'v:4']],
    run: async ({ sockets: [s], writable }) => {
      for (let i = 0; i < 5; i++) {
        await writable(s);
        s.volatile.emit('v', i);
      }
    },
  },
  'websocket: volatile emits one per macrotask all arrive': {
    transports: ['websocket'],
    syncWrites: true,
    expected: [['v:0', 'v:1', 'v:2', 'v:3', 'v:4']],
    run: async ({ sockets: [s] }) => {
      for (let i = 0; i < 5; i++) {
        s.volatile.emit('v', i);
        await nextMacrotask();
      }
    },
  },
  'volatile emits separated by awaits (microtasks)': {
    // over WebSocket the write of v:0 leaves in a tick (its callback too) before the first await resumes;
    // v:1 is written in a tick that runs only after the microtasks, so v:2 finds it in flight
    expected: { websocket: [['v:0', 'v:1']], polling: [['v:0']] },
    syncWrites: true,
    run: async ({ sockets: [s] }) => {
      s.volatile.emit('v', 0);
      await Promise.resolve();
      s.volatile.emit('v', 1);
      await null;
      s.volatile.emit('v', 2);
    },
  },
  'volatile emits separated by awaits, from an event handler': {
    expected: { websocket: [['v:0', 'v:1']], polling: [['v:0']] },
    syncWrites: true,
    fromHandler: true,
    run: async ({ sockets: [s] }) => {
      s.volatile.emit('v', 0);
      await Promise.resolve();
      s.volatile.emit('v', 1);
      await null;
      s.volatile.emit('v', 2);
    },
  },
  'a volatile emit in the connection handler (right after the CONNECT reply) is dropped': {
    expected: [[]],
    onConnection: (s) => s.volatile.emit('welcome', 1),
    run: () => {},
  },
  'a volatile emit one macrotask after the connection': {
    transports: ['websocket'],
    syncWrites: true,
    expected: [['welcome:1']],
    onConnection: (s) => setImmediate(() => s.volatile.emit('welcome', 1)),
    run: () => {},
  },
  'io.volatile.emit five times in one tick': {
    expected: [['v:0']],
    run: ({ io }) => {
      for (let i = 0; i < 5; i++) io.volatile.emit('v', i);
    },
  },
  'io.to(room).volatile.emit after a regular io.emit is dropped': {
    expected: [['r:0']],
    run: ({ io }) => {
      io.emit('r', 0);
      io.to('room').volatile.emit('v', 1);
    },
  },
  'volatile broadcast skips only the clients with a write in flight': {
    clients: 3,
    expected: [['r:0'], ['v:1'], ['r:0']],
    run: ({ io, sockets: [a, , c] }) => {
      a.emit('r', 0);
      c.emit('r', 0);
      io.volatile.emit('v', 1);
    },
  },
  'socket.broadcast.volatile: the sender is excluded, busy clients skipped': {
    clients: 3,
    expected: [['r:0'], [], ['v:1']],
    run: ({ sockets: [a, b] }) => {
      a.emit('r', 0);
      b.broadcast.volatile.emit('v', 1);
      b.broadcast.volatile.emit('v', 2);
    },
  },
  'volatile broadcasts waiting for writable transports all arrive': {
    clients: 2,
    expected: [
      ['v:0', 'v:1', 'v:2'],
      ['v:0', 'v:1', 'v:2'],
    ],
    run: async ({ io, sockets, writable }) => {
      for (let i = 0; i < 3; i++) {
        for (const s of sockets) await writable(s);
        io.to('room').volatile.emit('v', i);
      }
    },
  },
};

/**
 * Runs one scenario on a fresh server and returns what each client received.
 * @param factory the server
 * @param transport the only transport the clients use
 * @param scenario the scenario
 * @param opts server options
 */
async function play(
  factory: ServerFactory,
  transport: Transport,
  scenario: Scenario,
  opts: Record<string, unknown>,
): Promise<string[][]> {
  const n = scenario.clients ?? 1;
  const byClientId = new Map<string, any>();
  let srv: TestServer | undefined;
  const clients: ClientSocket[] = [];
  try {
    srv = await factory.start(opts, (io) =>
      io.on('connection', (s: any) => {
        s.join('room');
        byClientId.set(s.id, s);
        scenario.onConnection?.(s);
      }),
    );
    const got: string[][] = [];
    for (let i = 0; i < n; i++) {
      const c = referenceIo(srv.url, { forceNew: true, transports: [transport], reconnection: false });
      clients.push(c);
      const events: string[] = [];
      got.push(events);
      c.onAny((event: string, arg: unknown) => {
        if (event !== 'end') events.push(`${event}:${arg}`);
      });
      await once(c, 'connect');
    }
    const sockets = clients.map((c) => byClientId.get(c.id!)!);
    const writable = (s: any): Promise<void> => until(() => s.conn.transport.writable === true, 3000, 'a writable transport');
    for (const s of sockets) await writable(s);
    const ctx: Context = { io: srv.io, sockets, writable };
    const ended = clients.map((c) => once(c, 'end'));
    let done: Promise<void>;
    if (scenario.fromHandler) {
      done = new Promise((resolve, reject) => {
        sockets[0].once('go', () => {
          Promise.resolve(scenario.run(ctx)).then(resolve, reject);
        });
      });
      clients[0]!.emit('go');
    } else {
      done = new Promise((resolve, reject) => {
        setTimeout(() => Promise.resolve(scenario.run(ctx)).then(resolve, reject), 1);
      });
    }
    await done;
    for (const s of sockets) s.emit('end');
    await Promise.all(ended);
    return got;
  } finally {
    for (const c of clients) c.disconnect();
    await srv?.close();
  }
}

const factories = [official, socketeer];

const variants: Array<[Transport, Record<string, unknown>, string]> = [
  ['websocket', {}, ''],
  // with permessage-deflate, frames go through the `ws` sender and are compressed (with context takeover,
  // `ws` compresses even small ones): a write completes once zlib has run, so only the scenarios that do
  // not depend on when that is are played
  ['websocket', { perMessageDeflate: true }, ', permessage-deflate'],
  ['polling', {}, ''],
];

for (const [transport, opts, label] of variants) {
  describe(`volatile emits over ${transport}${label}: socket.io and Socketeer deliver the same packets`, () => {
    const results = new Map<string, string[][]>();
    after(() => {
      if (process.env.VOLATILE_REPORT) console.log(transport + label, Object.fromEntries(results));
    });
    for (const [name, scenario] of Object.entries(scenarios)) {
      if (scenario.transports && !scenario.transports.includes(transport)) continue;
      if (scenario.syncWrites && opts.perMessageDeflate) continue;
      it(name, async () => {
        const expected = Array.isArray(scenario.expected) ? scenario.expected : scenario.expected[transport];
        const [reference, ours] = [await play(factories[0]!, transport, scenario, opts), await play(factories[1]!, transport, scenario, opts)];
        results.set(`${name} (reference)`, reference);
        results.set(`${name} (socketeer)`, ours);
        assert.deepEqual(reference, expected, 'the reference server behaves as this test expects');
        assert.deepEqual(ours, reference, 'Socketeer delivers what the reference delivers');
      });
    }
  });
}
