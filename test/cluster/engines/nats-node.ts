// One Socketeer server on NATS, in its own process (forked with tsx), controlled over IPC by the test.
// Config (JSON in argv[2]): see NatsNodeConfig.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { connect } from 'nats';

/** How a NATS node is set up. */
export interface NatsNodeConfig {
  name: string;
  natsPort: number;
  recovery?: boolean;
  jetstream?: boolean;
  prefix?: string;
  requestsTimeout?: number;
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
}

interface Command { id: number; cmd: string; args: any }

const config: NatsNodeConfig = JSON.parse(process.argv[2]!);
const root = resolve(import.meta.dirname, '../../..');
const importSrc = (rel: string): Promise<any> => import(pathToFileURL(resolve(root, rel)).href);

process.on('uncaughtException', (err) => {
  process.send?.({ type: 'crash', message: String(err?.stack ?? err) });
  process.exit(70);
});
process.on('unhandledRejection', (err: any) => {
  process.send?.({ type: 'crash', message: String(err?.stack ?? err) });
  process.exit(71);
});

async function main(): Promise<void> {
  const nc = await connect({
    servers: `nats://127.0.0.1:${config.natsPort}`, maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 2000,
  });
  const { createAdapter } = await importSrc('src/server/adapters/nats/index.ts');
  const { Server } = await importSrc('src/server/index.ts');
  const http = createServer();
  const io = new Server(http, {
    pingInterval: 2000, pingTimeout: 5000, cors: { origin: '*' },
    ...(config.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 30000, skipMiddlewares: true } } : {}),
    adapter: createAdapter(nc, {
      prefix: config.prefix, jetstream: config.jetstream, requestsTimeout: config.requestsTimeout ?? 5000,
      heartbeatInterval: config.heartbeatInterval ?? 1000, heartbeatTimeout: config.heartbeatTimeout ?? 3000,
    }),
  });

  io.on('connection', (socket: any) => {
    const q = socket.handshake.query;
    socket.data = { name: q.name, node: config.name };
    if (q.room) socket.join(String(q.room));
    socket.on('whoami', (cb: (v: unknown) => void) => cb({ node: config.name, id: socket.id, rooms: [...socket.rooms] }));
  });
  io.on('ping-servers', (arg: unknown, cb?: (v: unknown) => void) => {
    process.send?.({ type: 'server-side', from: config.name, arg });
    cb?.(`pong-${config.name}-${String(arg)}`);
  });

  const target = (a: any): any => {
    let op = io.of('/');
    if (a?.local) op = op.local;
    for (const r of a?.rooms ?? []) op = op.to(r);
    for (const r of a?.except ?? []) op = op.except(r);
    if (a?.timeout) op = op.timeout(a.timeout);
    return op;
  };
  const revive = (args: unknown[] = []): unknown[] =>
    args.map((x: any) => (x && typeof x === 'object' && Array.isArray(x.$bin) ? Buffer.from(x.$bin) : x));
  const tickers = new Map<string, NodeJS.Timeout>();
  const commands: Record<string, (a: any) => unknown> = {
    emit: (a) => { target(a).emit(a.event, ...revive(a.args)); return true; },
    burst: (a) => {
      for (let i = 0; i < a.count; i++) target(a).emit(a.event, i);
      return true;
    },
    emitWithAck: async (a) => {
      try {
        return { responses: await target(a).emitWithAck(a.event, ...(a.args ?? [])) };
      } catch (err: any) {
        return { error: err.message, responses: err.responses };
      }
    },
    fetchSockets: async (a) => {
      const sockets = await target(a).fetchSockets();
      return sockets.map((s: any) => ({ id: s.id, rooms: [...s.rooms], data: s.data }));
    },
    remote: async (a) => {
      const sockets = await target(a).fetchSockets();
      const s = sockets.find((x: any) => x.id === a.socketId);
      if (!s) throw new Error(`socket ${a.socketId} not found`);
      if (a.action === 'join') s.join(a.room);
      else if (a.action === 'leave') s.leave(a.room);
      else if (a.action === 'disconnect') s.disconnect(true);
      else if (a.action === 'emit') s.emit(a.event, ...(a.args ?? []));
      return true;
    },
    socketsJoin: (a) => { target(a).socketsJoin(a.room); return true; },
    socketsLeave: (a) => { target(a).socketsLeave(a.room); return true; },
    disconnectSockets: (a) => { target(a).disconnectSockets(true); return true; },
    serverSideEmit: async (a) => {
      if (!a.ack) {
        io.serverSideEmit(a.event, ...(a.args ?? []));
        return true;
      }
      return new Promise((res) => {
        io.serverSideEmit(a.event, ...(a.args ?? []), (err: Error | null, responses: unknown[]) => {
          res({ error: err ? err.message : null, responses });
        });
      });
    },
    ticker: (a) => {
      let n = 0;
      tickers.set(a.event, setInterval(() => target(a).emit(a.event, n++), a.interval ?? 10));
      return true;
    },
    stopTicker: (a) => {
      clearInterval(tickers.get(a.event));
      tickers.delete(a.event);
      return true;
    },
    serverCount: () => io.of('/').adapter.serverCount(),
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
