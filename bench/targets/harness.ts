/**
 * Shared start-up of a benchmark server target (a child process): creates the HTTP server,
 * lets the target attach to it, listens on an ephemeral loopback port and answers the
 * parent's IPC requests (`memory`, `stop`).
 *
 * Messages to the parent: `{ type: 'ready', port }` or `{ type: 'unavailable', reason }`.
 * Messages from the parent: `{ type: 'memory', id }` (answered with `{ type: 'memory', id, usage }`
 * after `global.gc()`), `{ type: 'broadcast', seq }` (the density scenario: `tick` with
 * `{ s: seq, t: <wall-clock ms when the broadcast starts> }` to every client), `{ type: 'stop' }`.
 *
 * With `BENCH_ALLOC_PROFILE=<file>` in the environment, the process samples every allocation
 * (including objects already collected, unlike `--heap-prof`) and writes the profile on stop.
 * With `BENCH_HEAP_SNAPSHOTS=<dir>`, every `memory` request also writes a heap snapshot
 * (`memory-1.heapsnapshot`, `memory-2.heapsnapshot`, …) after the garbage collection.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import type { AddressInfo } from 'node:net';

/** The listen queue of every target's server. */
const LISTEN_BACKLOG = 4096;

/** What a target hands back after attaching to the HTTP server. */
export interface TargetHandle {
  /** Closes the target's own resources (the harness closes the HTTP server afterwards). */
  close(): Promise<void> | void;
  /** Sends `tick` with `payload` to every client connected to this server (or, on a cluster adapter, to every server's clients). */
  broadcastAll?(payload: unknown): void;
}

/** Server memory as reported after garbage collection. */
export interface MemorySample {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
}

function send(message: unknown): void {
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
}

/** Runs a full garbage collection a few times (needs `--expose-gc`) and samples memory. */
export async function collectAndMeasure(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('server must run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  const dir = process.env.BENCH_HEAP_SNAPSHOTS;
  if (dir) writeHeapSnapshot(`${dir}/memory-${++snapshots}.heapsnapshot`);
  return { heapUsed, rss, external, arrayBuffers };
}

let snapshots = 0;

/** Starts allocation sampling that keeps collected objects; returns a function writing the profile. */
function startAllocationProfile(file: string): () => Promise<void> {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as object);
  return () =>
    new Promise((resolve) => {
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (!err) writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
        resolve();
      });
    });
}

/**
 * Starts a target.
 * @param attach attaches the target to the HTTP server; may throw (or reject) with
 *   `TargetUnavailable` when the implementation does not exist yet
 */
export async function serveTarget(attach: (http: HttpServer) => Promise<TargetHandle> | TargetHandle): Promise<void> {
  const profileFile = process.env.BENCH_ALLOC_PROFILE;
  const writeProfile = profileFile ? startAllocationProfile(profileFile) : async () => {};
  const http = createServer();
  let handle: TargetHandle;
  try {
    handle = await attach(http);
  } catch (err) {
    send({ type: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    process.exit(0);
  }
  // a listen queue as deep as the kernel allows (net.core.somaxconn), for every target alike: at 100,000
  // connections the long-polling clients' requests come in waves (their heartbeats were started together), and
  // Node's default queue of 511 overflows; a dropped SYN is retried by the client after 1, 3, 7… s, which can
  // outlast the heartbeat's timeout
  http.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
    send({ type: 'ready', port: (http.address() as AddressInfo).port, pid: process.pid });
  });
  process.on('message', (message: { type: string; id?: number }) => {
    if (message.type === 'memory') {
      collectAndMeasure().then(
        (usage) => send({ type: 'memory', id: message.id, usage }),
        (err: Error) => send({ type: 'memory', id: message.id, error: err.message }),
      );
    } else if (message.type === 'broadcast') {
      handle.broadcastAll?.({ s: (message as { seq?: number }).seq, t: performance.timeOrigin + performance.now() });
    } else if (message.type === 'stop') {
      void Promise.resolve(handle.close())
        .then(writeProfile)
        .finally(() => {
        http.closeAllConnections();
        http.close();
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
