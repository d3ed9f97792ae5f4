/**
 * Results of a benchmark run: the JSON shape written to `bench/results/latest.json`, the goals
 * checked against socket.io, and the printed tables (Markdown, readable in a terminal too).
 */
import type { MachineInfo } from './proc.js';
import type { BundleSize } from './bundle.js';

/** Outcome of one scenario for one target over all rounds. */
export interface TargetOutcome {
  status: 'ok' | 'unavailable' | 'failed' | 'n/a';
  reason?: string;
  /** Metrics of each round, in run order. */
  rounds: Record<string, number>[];
  /** Median of each metric over the rounds. */
  median: Record<string, number>;
  notes: string[];
}

/** One goal: a Socketeer metric as a ratio of socket.io's. */
export interface Goal {
  scenario: string;
  metric: string;
  label: string;
  /** `min`: ratio must be at least `target`; `max`: at most. */
  kind: 'min' | 'max';
  target: number;
  ratio: number | null;
  met: boolean | null;
}

/** Everything a run produced. */
export interface Results {
  date: string;
  machine: MachineInfo;
  rounds: number;
  /** Multiplier of the measured work (1 for the standard sizes). */
  scale: number;
  durationSec: number;
  sizes: unknown;
  scenarios: Record<string, Record<string, TargetOutcome>>;
  bundle?: { socketeer: BundleSize; 'socket.io': BundleSize };
  /** chaos scenario (`npm run bench -- chaos`), one run per stack and kind of chaos */
  chaos?: import('../chaos/scenario.js').ChaosResult[];
  /** density scenario (`npm run bench -- density`), one result per target */
  density?: import('../density/scenario.js').DensityResult[];
  /** the presence scenario (only when named) */
  presence?: import('../presence/scenario.js').PresenceResult[];
  goals: Goal[];
}

/** Goals, from the project's performance targets. */
export const GOALS: Omit<Goal, 'ratio' | 'met'>[] = [
  { scenario: 'echo', metric: 'perCpuSec', label: 'echo round trips per server CPU-s', kind: 'min', target: 2.5 },
  { scenario: 'fan-out', metric: 'perCpuSec', label: 'fan-out deliveries per server CPU-s', kind: 'min', target: 5 },
  { scenario: 'handshakes', metric: 'websocketPerCpuSec', label: 'websocket-only handshakes per server CPU-s', kind: 'min', target: 1.8 },
  { scenario: 'handshakes', metric: 'pollingPerCpuSec', label: 'polling+upgrade handshakes per server CPU-s', kind: 'min', target: 1.8 },
  { scenario: 'cross-node', metric: 'perCpuSec', label: 'cross-node deliveries per total server CPU-s', kind: 'min', target: 2 },
  { scenario: 'memory', metric: 'heapPerConnBytes', label: 'heap per idle connection', kind: 'max', target: 0.35 },
  { scenario: 'bundle', metric: 'gzipBytes', label: 'browser bundle, gzipped', kind: 'max', target: 0.7 },
];

/** Columns shown per scenario: metric, header, formatter. */
const COLUMNS: Record<string, [string, string, (v: number) => string][]> = {
  echo: [
    ['perCpuSec', 'round trips / server CPU-s', int],
    ['perWallSec', 'round trips / s (wall)', int],
    ['p50Ms', 'p50 ms', ms],
    ['p99Ms', 'p99 ms', ms],
    ['writesPerRoundTrip', 'writes / round trip', dec],
    ['serverCpuSec', 'server CPU s', sec],
  ],
  'fan-out': [
    ['perCpuSec', 'deliveries / server CPU-s', int],
    ['perWallSec', 'deliveries / s (wall)', int],
    ['writesPerDelivery', 'writes / delivery', dec],
    ['serverCpuSec', 'server CPU s', sec],
  ],
  'cross-node': [
    ['perCpuSec', 'deliveries / total server CPU-s', int],
    ['perWallSec', 'deliveries / s (wall)', int],
    ['serverCpuSec', 'server CPU s (3 processes)', sec],
  ],
  handshakes: [
    ['websocketPerCpuSec', 'websocket-only / server CPU-s', int],
    ['pollingPerCpuSec', 'polling+upgrade / server CPU-s', int],
    ['websocketPerWallSec', 'websocket-only / s (wall)', int],
  ],
  memory: [
    ['heapPerConnBytes', 'heap / conn', kb],
    ['rssPerConnBytes', 'RSS / conn', kb],
    ['connections', 'idle connections', int],
  ],
  'slow-reader': [
    ['rssGrowthBytes', 'RSS growth', mb],
    ['heapGrowthBytes', 'heap growth', mb],
    ['externalGrowthBytes', 'external growth', mb],
    ['sentPerNonReaderBytes', 'sent to each non-reader', mb],
  ],
  polling: [
    ['perCpuSec', 'messages / server CPU-s', int],
    ['perWallSec', 'messages / s (wall)', int],
    ['writesPerMessage', 'writes / message', dec],
    ['serverCpuSec', 'server CPU s', sec],
  ],
};

/** The metric each scenario's "× socket.io" column compares. */
const PRIMARY: Record<string, string> = {
  echo: 'perCpuSec',
  'fan-out': 'perCpuSec',
  'cross-node': 'perCpuSec',
  handshakes: 'websocketPerCpuSec',
  memory: 'heapPerConnBytes',
  polling: 'perCpuSec',
  'slow-reader': 'rssGrowthBytes',
};

function int(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}
function dec(v: number): string {
  return v.toFixed(3);
}
function ms(v: number): string {
  return v.toFixed(2);
}
function sec(v: number): string {
  return v.toFixed(2);
}
function mb(v: number): string {
  return `${(v / (1024 * 1024)).toFixed(1)} MB`;
}
function kb(v: number): string {
  return `${(v / 1024).toFixed(2)} KB`;
}
function ratio(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Socketeer's metric divided by socket.io's, or null when either is missing. */
export function ratioOf(results: Results, scenario: string, metric: string): number | null {
  if (scenario === 'bundle') {
    const b = results.bundle;
    if (!b || 'unavailable' in b.socketeer || 'unavailable' in b['socket.io']) return null;
    return b.socketeer.gzipBytes / b['socket.io'].gzipBytes;
  }
  const ours = results.scenarios[scenario]?.socketeer;
  const ref = results.scenarios[scenario]?.['socket.io'];
  if (ours?.status !== 'ok' || ref?.status !== 'ok') return null;
  const a = ours.median[metric];
  const b = ref.median[metric];
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null;
}

/** The scenario a results key measures: `cross-node on nats` is the cross-node scenario on NATS. */
function baseScenario(key: string): string {
  return key.split(' ')[0];
}

/** Goal of the cross-node scenario on the engines other than Redis pub/sub (issue 13: at least 3× each). */
export const ENGINE_GOAL = 3;

/** The goals that apply to a run: the fixed ones, plus one per cross-node engine measured. */
function goalsOf(results: Results): Omit<Goal, 'ratio' | 'met'>[] {
  const engines = Object.keys(results.scenarios).filter((k) => baseScenario(k) === 'cross-node' && k !== 'cross-node');
  return [
    ...GOALS,
    ...engines.map((key) => ({
      scenario: key, metric: 'perCpuSec', label: `${key} deliveries per total server CPU-s`, kind: 'min' as const, target: ENGINE_GOAL,
    })),
  ];
}

/** Fills in each goal's ratio and whether it is met. */
export function evaluateGoals(results: Results): Goal[] {
  return goalsOf(results).filter((g) => g.scenario === 'bundle' ? results.bundle : results.scenarios[g.scenario]).map((g) => {
    const r = ratioOf(results, g.scenario, g.metric);
    return { ...g, ratio: r, met: r === null ? null : g.kind === 'min' ? r >= g.target : r <= g.target };
  });
}

/** Renders all tables as Markdown. */
export function renderTables(results: Results, targets: readonly string[]): string {
  const out: string[] = [];
  for (const [scenario, byTarget] of Object.entries(results.scenarios)) {
    const columns = COLUMNS[baseScenario(scenario)];
    const primary = PRIMARY[baseScenario(scenario)];
    const ref = byTarget['socket.io'];
    const rows = targets
      .filter((t) => byTarget[t])
      .map((t) => {
        const o = byTarget[t];
        if (o.status !== 'ok') return [t, ...columns.map((_, i) => (i === 0 ? o.status : '')), ''];
        const cells = columns.map(([metric, , fmt]) => (Number.isFinite(o.median[metric]) ? fmt(o.median[metric]) : '–'));
        const r = ref?.status === 'ok' && ref.median[primary] ? o.median[primary] / ref.median[primary] : null;
        return [t, ...cells, ratio(r)];
      });
    const rounds = Math.max(0, ...Object.values(byTarget).map((o) => o.rounds.length));
    out.push(`### ${scenario} (median of ${rounds} round${rounds === 1 ? '' : 's'})\n`);
    out.push(table(['target', ...columns.map(([, h]) => h), '× socket.io'], rows));
    const entries = Object.entries(byTarget);
    // A note every target shares is printed once.
    const common = [...new Set(entries[0]?.[1].notes ?? [])].filter((n) => entries.every(([, o]) => o.notes.includes(n)));
    const notes = [
      ...common.map((n) => `- ${n}`),
      ...entries.flatMap(([t, o]) => [
        ...(o.status !== 'ok' && o.reason ? [`- ${t}: ${o.status}: ${o.reason.split('\n')[0].slice(0, 200)}`] : []),
        ...[...new Set(o.notes)].filter((n) => n !== o.reason && !common.includes(n)).map((n) => `- ${t}: ${n}`),
      ]),
    ];
    if (notes.length) out.push('\n' + notes.join('\n'));
    out.push('');
  }
  if (results.bundle) {
    const rows = (['socketeer', 'socket.io'] as const).map((t) => {
      const b = results.bundle![t];
      return 'unavailable' in b ? [t, b.path, 'unavailable', '–'] : [t, b.path, int(b.bytes), int(b.gzipBytes)];
    });
    out.push('### browser bundle\n');
    out.push(table(['client', 'file', 'bytes', 'gzip bytes'], rows));
    const missing = (['socketeer', 'socket.io'] as const).flatMap((t) => {
      const b = results.bundle![t];
      return 'unavailable' in b ? [`- ${t}: unavailable: ${b.unavailable}`] : [];
    });
    if (missing.length) out.push('\n' + missing.join('\n'));
    out.push('');
  }
  const goals = results.goals;
  if (goals.length) {
    out.push('### goals (socketeer ÷ socket.io)\n');
    out.push(
      table(
        ['goal', 'ratio', 'target', 'status'],
        goals.map((g) => [g.label, ratio(g.ratio), `${g.kind === 'min' ? '≥' : '≤'} ${g.target}×`, g.met === null ? 'unmeasured' : g.met ? 'met' : 'not met']),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
