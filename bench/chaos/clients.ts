/**
 * The clients of the chaos scenario, in their own process: N official `socket.io-client` clients (the same for
 * every stack), websocket transport, the same reconnection settings. Each records the `tick` numbers it receives,
 * its disconnections, and how long each took to recover: from the `disconnect` event to the first `tick` received
 * after it reconnected (with recovery, the missed ticks come right after the CONNECT).
 *
 * IPC from the parent: `{ type: 'connect', url, count }` (answered `{ type: 'connected', count }` once all are),
 * `{ type: 'report' }` (answered `{ type: 'report', clients: ClientReport[] }`), `{ type: 'close' }`.
 */
import { io, type Socket } from 'socket.io-client';

/** What one client saw. */
export interface ClientReport {
  /** tick numbers in the order received */
  ticks: number[];
  /** disconnections */
  disconnects: number;
  /** reconnections where `socket.recovered` was true */
  recovered: number;
  /** ms from each disconnection to the first tick after the reconnection */
  recoveryMs: number[];
  /** connected at the time of the report */
  connected: boolean;
  /** disconnect reasons seen */
  reasons: string[];
}

/** Reconnection settings of every client, for every stack. */
export const CLIENT_OPTIONS = {
  transports: ['websocket'],
  reconnectionDelay: 500,
  reconnectionDelayMax: 2000,
  randomizationFactor: 0.5,
  timeout: 5000,
} as const;

interface Tracked {
  socket: Socket;
  report: ClientReport;
  disconnectedAt: number;
}

const tracked: Tracked[] = [];

function track(url: string): Tracked {
  const socket = io(url, { ...CLIENT_OPTIONS, transports: [...CLIENT_OPTIONS.transports], forceNew: true });
  const t: Tracked = {
    socket,
    report: { ticks: [], disconnects: 0, recovered: 0, recoveryMs: [], connected: false, reasons: [] },
    disconnectedAt: 0,
  };
  socket.on('tick', (n: number) => {
    t.report.ticks.push(n);
    if (t.disconnectedAt !== 0) {
      t.report.recoveryMs.push(Date.now() - t.disconnectedAt);
      t.disconnectedAt = 0;
    }
  });
  socket.on('connect', () => {
    if (socket.recovered) t.report.recovered++;
  });
  socket.on('disconnect', (reason) => {
    t.report.disconnects++;
    if (!t.report.reasons.includes(reason)) t.report.reasons.push(reason);
    if (t.disconnectedAt === 0) t.disconnectedAt = Date.now();
  });
  return t;
}

process.on('message', (msg: { type: string; url: string; count: number }) => {
  if (msg.type === 'connect') {
    const batch: Tracked[] = [];
    for (let i = 0; i < msg.count; i++) batch.push(track(msg.url));
    tracked.push(...batch);
    const check = setInterval(() => {
      if (batch.every((t) => t.socket.connected)) {
        clearInterval(check);
        process.send!({ type: 'connected', count: batch.length });
      }
    }, 50);
  } else if (msg.type === 'report') {
    for (const t of tracked) t.report.connected = t.socket.connected;
    process.send!({ type: 'report', clients: tracked.map((t) => t.report) });
  } else if (msg.type === 'close') {
    for (const t of tracked) t.socket.close();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
// the run ended (or was interrupted): nothing outlives it
process.on('disconnect', () => process.exit(0));
