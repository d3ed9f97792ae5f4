// One server of an engine-suite cluster, in its own process (forked with tsx), controlled over IPC by the test.
// Config (JSON in argv[2]): the engine's node module (it builds the adapter), which side (ours or the official
// adapter on socket.io), where the bus is.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

/** How an engine-suite node is set up. */
export interface EngineNodeConfig {
  /** ours: our Server + our adapter; official: socket.io + the official adapter of the engine */
  kind: 'ours' | 'official';
  /** A label returned by server-side acks and `whoami`. */
  name: string;
  /** Absolute path of the engine's node module (exports `createNodeAdapter`). */
  module: string;
  /** How to reach the bus (from the fixture). */
  bus: Record<string, unknown>;
  /** Connection state recovery on, with this maxDisconnectionDuration (ms). */
  recovery?: number;
  /** Presence on (our nodes), with these options. */
  presence?: Record<string, unknown>;
}

/** What an engine's node module exports. */
export interface EngineNodeModule {
  createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown; close?(): Promise<void> }>;
}

interface Command { id: number; cmd: string; args: any }

const config: EngineNodeConfig = JSON.parse(process.argv[2]!);
const root = resolve(import.meta.dirname, '../../..');

process.on('uncaughtException', (err) => {
  process.send?.({ type: 'crash', message: String(err?.stack ?? err) });
  process.exit(70);
});
process.on('unhandledRejection', (err: any) => {
  process.send?.({ type: 'crash', message: String(err?.stack ?? err) });
  process.exit(71);
});

async function main(): Promise<void> {
  const engine = (await import(pathToFileURL(config.module).href)) as EngineNodeModule;
  const { adapter } = await engine.createNodeAdapter(config.kind, config.bus);
  const http = createServer();
  const serverOpts: Record<string, unknown> = { pingInterval: 2000, pingTimeout: 5000, cors: { origin: '*' }, adapter };
  if (config.presence) serverOpts.presence = config.presence;
  if (config.recovery) serverOpts.connectionStateRecovery = { maxDisconnectionDuration: config.recovery, skipMiddlewares: true };
  let io: any;
  if (config.kind === 'official') {
    const { Server } = await import('socket.io');
    io = new Server(http, serverOpts);
  } else {
    const { Server } = await import(pathToFileURL(resolve(root, 'src/server/index.ts')).href);
    io = new Server(http, serverOpts);
  }

  io.on('connection', (socket: any) => {
    const q = socket.handshake.query;
    if (!socket.recovered) {
      socket.data = { name: q.name, node: config.name };
      if (q.room) socket.join(String(q.room));
    }
    socket.on('whoami', (cb: (v: unknown) => void) => cb({ node: config.name, id: socket.id, rooms: [...socket.rooms] }));
    socket.on('relay', (n: unknown) => socket.emit('relayed', n));
    // presence: `puser` tracked in `proom`; `pfollow` follows a room
    if (q.puser) io.presence.track(socket, String(q.proom), String(q.puser), { node: config.name });
    if (q.pfollow) io.presence.follow(socket, String(q.pfollow));
  });
  io.on('ping-servers', (arg: unknown, cb?: (v: unknown) => void) => {
    process.send?.({ type: 'server-side', from: config.name, arg });
    cb?.(`pong-${config.name}-${String(arg)}`);
  });
  io.on('note', (arg: unknown) => process.send?.({ type: 'server-side', from: config.name, arg }));

  const target = (a: any): any => {
    let op = io.of('/');
    if (a?.local) op = op.local;
    for (const r of a?.rooms ?? []) op = op.to(r);
    for (const r of a?.except ?? []) op = op.except(r);
    if (a?.timeout) op = op.timeout(a.timeout);
    return op;
  };
  const tickers = new Map<string, NodeJS.Timeout>();
  const ticks = new Map<string, number>();
  const commands: Record<string, (a: any) => unknown> = {
    emit: (a) => { target(a).emit(a.event, ...(a.args ?? [])); return true; },
    emitWithAck: async (a) => {
      try {
        return { responses: await target(a).emitWithAck(a.event, ...(a.args ?? [])) };
      } catch (err: any) {
        return { error: err.message, responses: err.responses };
      }
    },
    burst: (a) => {
      for (let i = 0; i < a.count; i++) target(a).emit(a.event, i);
      return true;
    },
    fetchSockets: async (a) => {
      const sockets = await target(a).fetchSockets();
      return sockets.map((s: any) => ({ id: s.id, rooms: [...s.rooms], data: s.data }));
    },
    socketsJoin: (a) => { target(a).socketsJoin(a.room); return true; },
    socketsLeave: (a) => { target(a).socketsLeave(a.room); return true; },
    disconnectSockets: (a) => { target(a).disconnectSockets(true); return true; },
    serverSideEmit: async (a) => {
      if (!a.ack) {
        io.serverSideEmit(a.event, ...(a.args ?? []));
        return true;
      }
      try {
        return { error: null, responses: await io.serverSideEmitWithAck(a.event, ...(a.args ?? [])) };
      } catch (err: any) {
        return { error: err.message, responses: err.responses };
      }
    },
    ticker: (a) => {
      ticks.set(a.event, 0);
      tickers.set(a.event, setInterval(() => {
        const n = ticks.get(a.event)!;
        ticks.set(a.event, n + 1);
        target(a).emit(a.event, n);
      }, a.interval ?? 10));
      return true;
    },
    // resolves with the last number emitted
    stopTicker: (a) => {
      clearInterval(tickers.get(a.event));
      tickers.delete(a.event);
      return ticks.get(a.event)! - 1;
    },
    serverCount: () => io.of('/').adapter.serverCount(),
    presenceList: (a) => io.presence.list(a.room, { local: !!a.local }),
    localRooms: () => [...io.of('/').adapter.rooms.keys()],
    // a graceful stop (the adapter says goodbye), then the process exits
    shutdown: async () => {
      await io.close();
      setTimeout(() => process.exit(0), 100);
      return true;
    },
  };

  process.on('message', async (msg: Command) => {
    try {
      const result = await commands[msg.cmd]!(msg.args);
      process.send?.({ type: 'reply', id: msg.id, result });
    } catch (err: any) {
      process.send?.({ type: 'reply', id: msg.id, error: err?.message ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));

  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  process.send?.({ type: 'ready', port: (http.address() as { port: number }).port });
}

main().catch((err) => {
  process.send?.({ type: 'crash', message: String(err?.stack ?? err) });
  process.exit(72);
});
