/**
 * A real Prometheus (Debian's `/usr/bin/prometheus`) scrapes a Socketeer server with metrics served on a port of
 * its own; the test reads the values back through Prometheus's HTTP API (`/api/v1/query`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as officialClient } from 'socket.io-client';
import { io as ourClient } from '../../src/client/index.js';
import { startWithMetrics, waitFor } from './helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface QueryResult {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function query(port: number, expr: string): Promise<QueryResult['data']['result']> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
  if (!res.ok) return [];
  const body = (await res.json()) as QueryResult;
  return body.status === 'success' ? body.data.result : [];
}

test('Prometheus scrapes the metrics and answers queries on them', { timeout: 180_000 }, async () => {
  const h = await startWithMetrics({}, { eventNames: ['chat'] });
  const dir = await mkdtemp(join(tmpdir(), 'socketeer-prometheus-'));
  let prometheus: ChildProcess | undefined;
  let log = '';
  try {
    h.io.on('connection', (socket) => socket.on('chat', (text: string) => h.io.emit('chat', text)));
    const { port: metricsPort } = await h.metrics.serve({ port: 0, host: '127.0.0.1' });
    const official = officialClient(h.url, { transports: ['websocket'] });
    const ours = ourClient(h.url, { transports: ['polling'], upgrade: false });
    await waitFor('both clients', () => official.connected && ours.connected);
    for (let i = 0; i < 5; i++) official.emit('chat', `hello ${i}`);
    ours.emit('chat', 'from ours');

    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: socketeer',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${metricsPort}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    prometheus.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => prometheus!.once('exit', resolve));

    let received: QueryResult['data']['result'] = [];
    await waitFor(
      'Prometheus to scrape the messages received',
      async () => {
        if (prometheus!.exitCode !== null) throw new Error(`prometheus exited with ${prometheus!.exitCode}: ${log}`);
        try {
          received = await query(promPort, 'socketeer_messages_received_total{namespace="/"}');
        } catch {
          return false; // not listening yet
        }
        return received.length > 0 && Number(received[0]!.value[1]) === 6;
      },
      120_000,
    );
    assert.equal(received[0]!.metric.job, 'socketeer');

    // the scrape itself is healthy, and the other families are there with their labels
    const up = await query(promPort, 'up{job="socketeer"}');
    assert.equal(up[0]?.value[1], '1');
    const chats = await query(promPort, 'socketeer_events_received_total{event="chat"}');
    assert.equal(chats[0]?.value[1], '6');
    const sockets = await query(promPort, 'sum by (transport) (socketeer_sockets)');
    assert.deepEqual(Object.fromEntries(sockets.map((s) => [s.metric.transport, s.value[1]])), { polling: '1', websocket: '1' });
    const buckets = await query(promPort, 'socketeer_broadcast_duration_seconds_count');
    assert.equal(buckets[0]?.value[1], '6');
    const cpu = await query(promPort, 'process_cpu_seconds_total{job="socketeer"}');
    assert.ok(Number(cpu[0]?.value[1]) > 0);
    // Prometheus reports no sample it had to drop
    const invalid = await query(promPort, 'scrape_samples_post_metric_relabeling{job="socketeer"} - scrape_samples_scraped{job="socketeer"}');
    assert.equal(invalid[0]?.value[1], '0');

    official.close();
    ours.close();
    prometheus.kill('SIGTERM');
    await exited;
  } finally {
    if (prometheus && prometheus.exitCode === null) prometheus.kill('SIGKILL');
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
