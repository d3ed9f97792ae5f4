/**
 * A minimal metrics registry writing the Prometheus text exposition format (version 0.0.4): counters, gauges and
 * histograms with labels, and families computed when scraped. Used by `createMetrics` when no registry is given.
 *
 * Owns: the metric families and their text form. Must never import the server or the engine (it knows nothing of
 * sockets), nor any third-party package.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const hits = registry.counter('app_hits_total', 'Hits', ['path']);
 * hits.inc(['/']);
 * await registry.metrics();   // '# HELP app_hits_total Hits\n# TYPE app_hits_total counter\napp_hits_total{path="/"} 1\n'
 * ```
 */

/** One sample of a family computed at scrape time: label values (in the family's label order) and a value. */
export interface Sample {
  labels: readonly string[];
  value: number;
}

/** The kinds of family. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** A registered family: writes its samples (HELP and TYPE lines included) into `out`. */
export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /**
   * Appends the family's sample lines (without HELP/TYPE).
   * @param out the lines so far
   */
  write(out: string[]): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Escapes a label value (backslash, double quote, line feed).
 * @param value the value
 * @returns the escaped text
 * @example
 * ```ts
 * escapeLabel('a"b');   // 'a\\"b'
 * ```
 */
export function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  let text = '';
  for (let i = 0; i < names.length; i++) text += (text ? ',' : '') + names[i] + '="' + escapeLabel(values[i] ?? '') + '"';
  if (extra !== undefined) text += (text ? ',' : '') + extra;
  return text ? '{' + text + '}' : '';
}

/**
 * A counter or gauge with labels, updated by the caller.
 * @example
 * ```ts
 * const refused = registry.counter('socketeer_handshakes_refused_total', 'Refused', ['stage', 'reason']);
 * refused.inc(['engine', 'origin']);
 * ```
 */
export class LabeledValue implements Family {
  private readonly values = new Map<string, { labels: readonly string[]; value: number }>();

  /**
   * @param name the metric name
   * @param help the help text
   * @param type counter or gauge
   * @param labelNames the label names
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    readonly labelNames: readonly string[],
  ) {}

  /**
   * Adds to the value of a label set.
   * @param labels the label values, in the order of `labelNames`
   * @param by the amount (default 1; a counter only goes up)
   * @example
   * ```ts
   * counter.inc(['/chat'], 2);
   * ```
   */
  inc(labels: readonly string[] = [], by = 1): void {
    const key = labels.join('\u0000');
    const entry = this.values.get(key);
    if (entry !== undefined) entry.value += by;
    else this.values.set(key, { labels: labels.slice(), value: by });
  }

  /**
   * The value of a label set (0 if never set).
   * @param labels the label values
   * @returns the value
   * @example
   * ```ts
   * counter.get(['/chat']);
   * ```
   */
  get(labels: readonly string[] = []): number {
    return this.values.get(labels.join('\u0000'))?.value ?? 0;
  }

  /**
   * Appends the sample lines.
   * @param out the lines
   * @example
   * ```ts
   * const lines: string[] = [];
   * counter.write(lines);   // ['socketeer_upgrades_total{from="polling",to="websocket"} 3']
   * ```
   */
  write(out: string[]): void {
    for (const { labels, value } of this.values.values()) out.push(this.name + labelText(this.labelNames, labels) + ' ' + formatValue(value));
  }
}

/**
 * The buckets, sum and count of one label set of a histogram.
 * @example
 * ```ts
 * const series = histogram.series(['/chat']);   // keep it: observe() needs no lookup
 * series.observe(0.004);
 * ```
 */
export class HistogramSeries {
  /** count per bucket (not cumulative; made cumulative when written) */
  readonly counts: number[];
  sum = 0;
  count = 0;

  /**
   * @param bounds the upper bounds (ascending)
   */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  /**
   * Records one observation.
   * @param v the value
   * @example
   * ```ts
   * series.observe(0.012);
   * ```
   */
  observe(v: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

/**
 * A histogram with labels.
 * @example
 * ```ts
 * const rtt = registry.histogram('socketeer_ack_round_trip_seconds', 'Ack round trip', ['namespace'], [0.01, 0.1, 1]);
 * rtt.series(['/']).observe(0.02);
 * ```
 */
export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly all = new Map<string, { labels: readonly string[]; series: HistogramSeries }>();

  /**
   * @param name the metric name (without `_bucket`/`_sum`/`_count`)
   * @param help the help text
   * @param labelNames the label names
   * @param bounds the bucket upper bounds
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    if (labelNames.includes('le')) throw new Error('a histogram cannot have a label named le');
    for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) throw new Error('histogram buckets must be increasing');
  }

  /**
   * The series of a label set (created on first use; keep it to observe without a lookup).
   * @param labels the label values
   * @returns the series
   * @example
   * ```ts
   * const series = histogram.series(['/chat']);
   * series.observe(0.5);
   * ```
   */
  series(labels: readonly string[] = []): HistogramSeries {
    const key = labels.join('\u0000');
    let entry = this.all.get(key);
    if (entry === undefined) this.all.set(key, (entry = { labels: labels.slice(), series: new HistogramSeries(this.bounds) }));
    return entry.series;
  }

  /**
   * Appends the sample lines (`_bucket` per bound and `+Inf`, `_sum`, `_count`).
   * @param out the lines
   * @example
   * ```ts
   * const lines: string[] = [];
   * histogram.write(lines);   // [..._bucket{le="0.1"} 2, ..._bucket{le="+Inf"} 3, ..._sum 0.4, ..._count 3]
   * ```
   */
  write(out: string[]): void {
    for (const { labels, series } of this.all.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        out.push(this.name + '_bucket' + labelText(this.labelNames, labels, 'le="' + formatValue(this.bounds[i]!) + '"') + ' ' + cumulative);
      }
      out.push(this.name + '_bucket' + labelText(this.labelNames, labels, 'le="+Inf"') + ' ' + series.count);
      out.push(this.name + '_sum' + labelText(this.labelNames, labels) + ' ' + formatValue(series.sum));
      out.push(this.name + '_count' + labelText(this.labelNames, labels) + ' ' + series.count);
    }
  }
}

/**
 * A family whose samples are computed when scraped (gauges read from live state, counters kept elsewhere).
 * @example
 * ```ts
 * registry.collected('app_open_files', 'Open files', 'gauge', [], () => [{ labels: [], value: files.size }]);
 * ```
 */
export class Collected implements Family {
  /**
   * @param name the metric name
   * @param help the help text
   * @param type counter or gauge
   * @param labelNames the label names
   * @param collect computes the samples
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    readonly labelNames: readonly string[],
    private readonly collect: () => Iterable<Sample>,
  ) {}

  /**
   * Appends the sample lines (computing them now).
   * @param out the lines
   * @example
   * ```ts
   * const lines: string[] = [];
   * family.write(lines);
   * ```
   */
  write(out: string[]): void {
    for (const { labels, value } of this.collect()) out.push(this.name + labelText(this.labelNames, labels) + ' ' + formatValue(value));
  }
}

/** A sample read back by {@link Registry.read}. */
export interface ReadSample {
  /** the sample's name (the family's, or with `_bucket`, `_sum`, `_count` for a histogram) */
  name: string;
  /** label values by label name */
  labels: Record<string, string>;
  value: number;
}

const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses one sample line written by a family (`name{a="x",b="y"} 1`). */
function parseSample(line: string): ReadSample {
  const brace = line.indexOf('{');
  const space = brace === -1 ? line.indexOf(' ') : line.lastIndexOf(' ');
  const name = line.slice(0, brace === -1 ? space : brace);
  const labels: Record<string, string> = {};
  if (brace !== -1) {
    for (const m of line.slice(brace + 1, space).matchAll(LABEL_PAIR)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
  }
  const text = line.slice(space + 1);
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  return { name, labels, value };
}

/**
 * A set of metric families rendered together. Names must be unique.
 * @example
 * ```ts
 * const registry = new Registry();
 * registry.gauge('app_up', 'Up').inc();
 * const text = await registry.metrics();
 * ```
 */
export class Registry {
  /** The content type of the exposition. */
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly families = new Map<string, Family>();

  /**
   * Adds a family.
   * @param family the family
   * @returns the family
   * @throws Error on an invalid or duplicate name
   * @example
   * ```ts
   * registry.register(new Collected('app_x', 'X', 'gauge', [], () => [{ labels: [], value: 1 }]));
   * ```
   */
  register<F extends Family>(family: F): F {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    for (const l of family.labelNames) if (!LABEL.test(l) || l.startsWith('__')) throw new Error(`invalid label name ${l}`);
    if (this.families.has(family.name)) throw new Error(`a metric named ${family.name} is already registered`);
    this.families.set(family.name, family);
    return family;
  }

  /**
   * Removes a family.
   * @param name its name
   * @example
   * ```ts
   * registry.remove('app_x');
   * ```
   */
  remove(name: string): void {
    this.families.delete(name);
  }

  /**
   * Whether a family of that name is registered.
   * @param name the name
   * @returns true if it is
   * @example
   * ```ts
   * registry.has('process_cpu_seconds_total');
   * ```
   */
  has(name: string): boolean {
    return this.families.has(name);
  }

  /**
   * Registers a counter updated by the caller.
   * @param name the name (ending in `_total`)
   * @param help the help text
   * @param labelNames the label names
   * @returns the counter
   * @example
   * ```ts
   * registry.counter('app_errors_total', 'Errors', ['kind']).inc(['io']);
   * ```
   */
  counter(name: string, help: string, labelNames: readonly string[] = []): LabeledValue {
    return this.register(new LabeledValue(name, help, 'counter', labelNames));
  }

  /**
   * Registers a gauge updated by the caller.
   * @param name the name
   * @param help the help text
   * @param labelNames the label names
   * @returns the gauge
   * @example
   * ```ts
   * registry.gauge('app_busy', 'Busy workers').inc([], -1);
   * ```
   */
  gauge(name: string, help: string, labelNames: readonly string[] = []): LabeledValue {
    return this.register(new LabeledValue(name, help, 'gauge', labelNames));
  }

  /**
   * Registers a histogram.
   * @param name the name
   * @param help the help text
   * @param labelNames the label names
   * @param bounds the bucket upper bounds
   * @returns the histogram
   * @example
   * ```ts
   * registry.histogram('app_latency_seconds', 'Latency', [], [0.1, 1]).series().observe(0.3);
   * ```
   */
  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, bounds));
  }

  /**
   * Registers a family computed when scraped.
   * @param name the name
   * @param help the help text
   * @param type counter or gauge
   * @param labelNames the label names
   * @param collect computes the samples
   * @returns the family
   * @example
   * ```ts
   * registry.collected('app_queue_length', 'Queued jobs', 'gauge', [], () => [{ labels: [], value: queue.length }]);
   * ```
   */
  collected(name: string, help: string, type: 'counter' | 'gauge', labelNames: readonly string[], collect: () => Iterable<Sample>): Collected {
    return this.register(new Collected(name, help, type, labelNames, collect));
  }

  /**
   * The current samples of one family, read back synchronously (for an application showing its own figures, e.g. a
   * dashboard, without parsing the whole exposition). A histogram gives its `_bucket` (with an `le` label), `_sum`
   * and `_count` samples. Families computed when scraped are computed now.
   * @param name the family's name
   * @returns the samples, with their sample name and labels by name; empty for an unknown family
   * @example
   * ```ts
   * registry.read('socketeer_sockets');   // [{ name: 'socketeer_sockets', labels: { namespace: '/', transport: 'websocket' }, value: 2 }]
   * ```
   */
  read(name: string): ReadSample[] {
    const family = this.families.get(name);
    if (family === undefined) return [];
    const lines: string[] = [];
    family.write(lines);
    return lines.map(parseSample);
  }

  /**
   * The exposition of every family, in the Prometheus text format.
   * @returns the text
   * @example
   * ```ts
   * res.setHeader('Content-Type', registry.contentType).end(await registry.metrics());
   * ```
   */
  async metrics(): Promise<string> {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push('# HELP ' + f.name + ' ' + f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'));
      out.push('# TYPE ' + f.name + ' ' + f.type);
      f.write(out);
    }
    return out.join('\n') + '\n';
  }
}
