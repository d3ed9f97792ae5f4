/** The density scenario's tables: per target, both phases, with the ratios to socket.io and to plain `ws`, and its goals. */
import type { BroadcastFigures, DensityResult } from './scenario.js';

/** Goals of the density scenario (Socketeer ÷ socket.io). */
export const DENSITY_GOALS: { metric: keyof BroadcastFigures; label: string; target: number; phase?: 'mixed' }[] = [
  { metric: 'heapPerConnBytes', label: 'heap per idle connection', target: 0.35 },
  { metric: 'rssPerConnBytes', label: 'RSS per connection', target: 0.5 },
  { metric: 'cpuMsPerBroadcast', label: 'server CPU per broadcast to all', target: 0.25 },
  { metric: 'p99Ms', label: 'p99 latency of a broadcast to all', target: 0.5 },
  { metric: 'cpuMsPerBroadcast', label: 'server CPU per broadcast, 10 % polling', target: 0.25, phase: 'mixed' },
  { metric: 'p99Ms', label: 'p99 latency of a broadcast, 10 % polling', target: 0.5, phase: 'mixed' },
];

const kb = (v: number): string => `${(v / 1024).toFixed(2)} KB`;
const ms = (v: number): string => v.toFixed(2);
const x = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '–');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : (c ?? '').padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

function phaseTable(results: DensityResult[], phase: 'websocket' | 'mixed'): string {
  const ref = results.find((r) => r.target === 'socket.io')?.[phase];
  const ws = results.find((r) => r.target === 'ws')?.websocket;
  const rows = results.map((r) => {
    const f = r[phase];
    if (!f) return [r.target, r.status === 'ok' ? 'n/a' : r.status];
    return [
      r.target,
      r.connections.toLocaleString('en-US'),
      phase === 'websocket' ? (r.connectSec ?? NaN).toFixed(1) : '',
      kb(f.heapPerConnBytes),
      kb(f.rssPerConnBytes),
      ms(f.cpuMsPerBroadcast),
      ms(f.p50Ms),
      ms(f.p99Ms),
      `${x(f.heapPerConnBytes, ref?.heapPerConnBytes)} / ${x(f.rssPerConnBytes, ref?.rssPerConnBytes)}`,
      `${x(f.cpuMsPerBroadcast, ref?.cpuMsPerBroadcast)} / ${x(f.p99Ms, ref?.p99Ms)}`,
      `${x(f.heapPerConnBytes, ws?.heapPerConnBytes)} / ${x(f.rssPerConnBytes, ws?.rssPerConnBytes)}`,
    ];
  });
  return table(
    ['target', 'connections', 'connect all s', 'heap / conn', 'RSS / conn', 'CPU ms / broadcast', 'p50 ms', 'p99 ms', 'heap / RSS × socket.io', 'CPU / p99 × socket.io', 'heap / RSS × ws'],
    rows,
  );
}

/** Renders the tables of one size. */
export function renderDensity(results: DensityResult[], title: string): string {
  const out = [`#### density: ${title}, all WebSocket\n`, phaseTable(results, 'websocket'), '', `#### density: ${title}, 10 % long-polling\n`, phaseTable(results, 'mixed'), ''];
  const notes = results.flatMap((r) => [...(r.reason ? [`- ${r.target}: ${r.status}: ${r.reason.slice(0, 300)}`] : []), ...r.notes.map((n) => `- ${r.target}: ${n}`)]);
  if (notes.length) out.push(notes.join('\n'), '');
  const ours = results.find((r) => r.target === 'socketeer');
  const ref = results.find((r) => r.target === 'socket.io');
  const goals = DENSITY_GOALS.map((g) => {
    const a = ours?.[g.phase ?? 'websocket']?.[g.metric];
    const b = ref?.[g.phase ?? 'websocket']?.[g.metric];
    const r = a !== undefined && b ? a / b : null;
    return [g.label, r === null ? '–' : `${r.toFixed(2)}×`, `≤ ${g.target}×`, r === null ? 'unmeasured' : r <= g.target ? 'met' : 'not met'];
  });
  out.push(`#### density goals: ${title} (socketeer ÷ socket.io)\n`, table(['goal', 'ratio', 'target', 'status'], goals), '');
  return out.join('\n');
}
