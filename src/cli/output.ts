/**
 * What `socketeer` prints: one line per happening (handshake, connect, event, ack, disconnect…), with a timestamp,
 * either for people (`12:00:01.234 event    chat "hi"`) or, with `--json`, one JSON object per line for scripts
 * (`{"time":"…","type":"event","event":"chat","args":["hi"]}`). Owns the line formats and the JSON records' shape.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Imports nothing of `src/`.
 */

/** One printed line: `type` says what happened, the other fields depend on it (see `docs/cli.md`). */
export interface OutputRecord {
  type: string;
  [field: string]: unknown;
}

/** Where lines go, and a hook that lets an interactive prompt redraw itself around them. */
export interface PrinterOptions {
  json: boolean;
  out?: NodeJS.WritableStream;
}

/**
 * Makes a value printable as JSON: errors as `{message, …}`, binary as `{type:'Buffer', base64}`, cycles cut.
 * @example
 * ```ts
 * toJsonValue([new Uint8Array([1, 2]), new Error('boom')]); // [{ type: 'Buffer', base64: 'AQI=' }, { message: 'boom' }]
 * ```
 */
export function toJsonValue(value: unknown, seen: Set<unknown> = new Set()): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function') return '[function]';
    return value;
  }
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { message: value.message };
      for (const key of ['type', 'description', 'context', 'data'] as const) {
        const v = (value as unknown as Record<string, unknown>)[key];
        if (v !== undefined) out[key] = toJsonValue(v, seen);
      }
      return out;
    }
    if (ArrayBuffer.isView(value)) return { type: 'Buffer', base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    if (value instanceof ArrayBuffer) return { type: 'Buffer', base64: Buffer.from(value).toString('base64') };
    if (Array.isArray(value)) return value.map((v) => toJsonValue(v, seen));
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return toJsonValue((value as { toJSON(): unknown }).toJSON(), seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

function clock(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

const json = (v: unknown): string => JSON.stringify(toJsonValue(v));

/**
 * The human line of a record (without the time and the type).
 * @example
 * ```ts
 * describe({ type: 'event', event: 'chat', args: ['hi', { n: 1 }] }); // 'chat "hi" {"n":1}'
 * ```
 */
export function describe(record: OutputRecord): string {
  const { type, ...f } = record;
  const args = (list: unknown): string => (Array.isArray(list) ? list.map(json).join(' ') : '');
  const who = typeof f['socket'] === 'string' ? `[${f['socket']}${f['namespace'] && f['namespace'] !== '/' ? ' ' + String(f['namespace']) : ''}] ` : '';
  switch (type) {
    case 'open':
      return `sid=${String(f['sid'])} transport=${String(f['transport'])} upgrades=${json(f['upgrades'])} pingInterval=${String(f['pingInterval'])} pingTimeout=${String(f['pingTimeout'])} maxPayload=${String(f['maxPayload'])}`;
    case 'upgrade':
      return `${who}transport=${String(f['transport'])}`;
    case 'connect':
      return `${who}id=${String(f['id'])} namespace=${String(f['namespace'])}${f['recovered'] ? ' (recovered)' : ''}`;
    case 'connect_error':
      return `${String(f['message'])}${f['data'] !== undefined ? ' data=' + json(f['data']) : ''}`;
    case 'event':
    case 'emit':
      return `${who}${String(f['event'])}${Array.isArray(f['args']) && f['args'].length ? ' ' + args(f['args']) : ''}${f['ack'] ? (type === 'emit' ? ' (waiting for the ack)' : ' (ack requested)') : ''}`;
    case 'ack':
      return f['error'] !== undefined ? `${String(f['event'])} failed: ${String(f['error'])}` : `${String(f['event'])} ${args(f['args'])}`.trimEnd();
    case 'disconnect':
      return `${who}${String(f['reason'])}${f['description'] !== undefined ? ' ' + json(f['description']) : ''}`;
    case 'connection':
      return `${who}transport=${String(f['transport'])} auth=${json(f['auth'])} query=${json(f['query'])}`;
    default: {
      if (typeof f['message'] === 'string' && Object.keys(f).length === 1) return f['message'];
      return Object.entries(f)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : json(v)}`)
        .join(' ');
    }
  }
}

/**
 * Prints records as lines, for people or as JSON.
 * @example
 * ```ts
 * const printer = new Printer({ json: false });
 * printer.print({ type: 'event', event: 'chat', args: ['hi'] });   // 12:00:01.234 event        chat "hi"
 * ```
 */
export class Printer {
  readonly json: boolean;
  private readonly out: NodeJS.WritableStream;
  private around: ((write: () => void) => void) | undefined;

  /**
   * @param opts `json`: one JSON object per line; `out`: the stream (stdout)
   * @example
   * ```ts
   * const printer = new Printer({ json: true, out: process.stderr });
   * ```
   */
  constructor(opts: PrinterOptions) {
    this.json = opts.json;
    this.out = opts.out ?? process.stdout;
  }

  /**
   * Routes every write through `around` (an interactive prompt clears its line, writes, redraws); none: direct.
   * @example
   * ```ts
   * printer.wrapWrites((write) => { clearLine(); write(); rl.prompt(true); });
   * ```
   */
  wrapWrites(around: ((write: () => void) => void) | undefined): void {
    this.around = around;
  }

  /**
   * Prints one record, stamped with the current time.
   * @example
   * ```ts
   * printer.print({ type: 'connect', id: socket.id, namespace: '/' });
   * ```
   */
  print(record: OutputRecord): void {
    const now = new Date();
    const line = this.json
      ? JSON.stringify({ time: now.toISOString(), ...(toJsonValue(record) as OutputRecord) })
      : `${clock(now)} ${record.type.padEnd(13)} ${describe(record)}`.trimEnd();
    const write = (): void => {
      this.out.write(line + '\n');
    };
    if (this.around) this.around(write);
    else write();
  }
}
