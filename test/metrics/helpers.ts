/**
 * Helpers of the metrics suites: a Socketeer server with metrics on 127.0.0.1, a parser of the exposition (every
 * line must be a comment, a sample with a valid name and labels, or blank), and waiting for a value.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { createMetrics, type Metrics, type MetricsOptions } from '../../src/metrics/index.js';

export interface MetricsHarness {
  io: Server;
  http: HttpServer;
  port: number;
  url: string;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startWithMetrics(opts: Partial<ServerOptions> = {}, metricsOpts: MetricsOptions = {}): Promise<MetricsHarness> {
  const http = createServer();
  const io = new Server(http, opts);
  const metrics = createMetrics(io, metricsOpts);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    http,
    port,
    url: `http://127.0.0.1:${port}`,
    metrics,
    async close() {
      metrics.close();
      await io.close();
      http.closeAllConnections?.();
    },
  };
}

/** One parsed sample. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/** Parses an exposition strictly; throws on any malformed line. */
export function parseExposition(text: string): { samples: ParsedSample[]; types: Map<string, string> } {
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type!)) throw new Error(`bad type line: ${line}`);
      if (types.has(name!)) throw new Error(`duplicate TYPE for ${name}`);
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      let lm: RegExpExecArray | null;
      while ((lm = LABEL.exec(m[3])) !== null) {
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed = LABEL.lastIndex;
        if (lm[3] === '') break;
      }
      if (consumed !== m[3].length) throw new Error(`bad labels: ${line}`);
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN') throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

/** The value of a sample (0 when absent). */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const { samples } = parseExposition(text);
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((n, s) => n + s.value, 0);
}

/** Waits until `fn` returns true (generous deadline; the machine is shared). */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `promtool check metrics` on an exposition (resolves with its output; rejects when it finds an error). */
export async function promtoolCheck(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'socketeer-promtool-'));
  try {
    const file = join(dir, 'metrics.txt');
    await writeFile(file, text);
    return await new Promise((resolve, reject) => {
      const child = execFile('/bin/sh', ['-c', `/usr/bin/promtool check metrics < "${file}"`], (err, stdout, stderr) => {
        const out = stdout + stderr;
        // any finding (an error, or a lint problem such as a bad suffix or a missing help text) fails
        if (err || out.trim() !== '') reject(new Error(out || String(err)));
        else resolve(out);
      });
      void child;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
