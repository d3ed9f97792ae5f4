/**
 * Summarises V8 profiles written by `npm run bench -- <scenario> --cpu-prof` / `--heap-prof`:
 * the functions with the most self time (`.cpuprofile`) or the most sampled allocation
 * (`.heapprofile`), grouped by function and source location.
 *
 * Usage: `npx tsx bench/profile-summary.ts <file> [--top N] [--filter <path substring>] [--by-file]`
 * (`--by-file` groups by source file instead of by function), or
 * `npx tsx bench/profile-summary.ts --diff <before.heapsnapshot> <after.heapsnapshot> [--per N]`:
 * the heap growth between two snapshots by object kind (constructor), divided by N (e.g. the
 * number of connections opened in between).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

interface HeapNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Readable `function (file:line)` key of a call frame. */
export function frameKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${fileOf(frame)}:${frame.lineNumber + 1})`;
}

/** Source file of a call frame, relative to the repository; native and V8 entries by name. */
export function fileOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  let file = frame.url.replace(/^file:\/\//, '');
  if (file.startsWith(root)) file = relative(root, file);
  return file;
}

let keyOf = frameKey;

/**
 * Self time per function of a CPU profile.
 * @returns [function key, milliseconds] sorted by time, and the total
 */
export function cpuSelfTimes(profile: CpuProfile): { rows: [string, number][]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, keyOf(n.callFrame)]));
  const times = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const key = byId.get(profile.samples[i]) ?? '?';
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    times.set(key, (times.get(key) ?? 0) + ms);
    total += ms;
  }
  return { rows: [...times].sort((a, b) => b[1] - a[1]), totalMs: total };
}

/**
 * Sampled allocation per function of a heap (allocation sampling) profile.
 * @returns [function key, bytes] sorted by size, and the total
 */
export function heapSelfSizes(head: HeapNode): { rows: [string, number][]; totalBytes: number } {
  const sizes = new Map<string, number>();
  let total = 0;
  const stack = [head];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.selfSize) {
      const key = keyOf(node.callFrame);
      sizes.set(key, (sizes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    stack.push(...node.children);
  }
  return { rows: [...sizes].sort((a, b) => b[1] - a[1]), totalBytes: total };
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/**
 * Self size and count of the objects of a heap snapshot, grouped by kind: the constructor name
 * for objects, else the node type (`closure`, `array`, `string`, `hidden`, …).
 */
export function heapByKind(snapshot: HeapSnapshot): Map<string, { bytes: number; count: number }> {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, { bytes: number; count: number }>();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const key = type === 'object' ? snapshot.strings[nodes[i + nameAt]] : `(${type})`;
    const entry = kinds.get(key);
    if (entry) {
      entry.bytes += nodes[i + sizeAt];
      entry.count++;
    } else kinds.set(key, { bytes: nodes[i + sizeAt], count: 1 });
  }
  return kinds;
}

function diffSnapshots(before: string, after: string, per: number, top: number): void {
  const a = heapByKind(JSON.parse(readFileSync(before, 'utf8')) as HeapSnapshot);
  const b = heapByKind(JSON.parse(readFileSync(after, 'utf8')) as HeapSnapshot);
  const rows: [string, number, number][] = [];
  let total = 0;
  for (const [key, v] of b) {
    const old = a.get(key) ?? { bytes: 0, count: 0 };
    rows.push([key, (v.bytes - old.bytes) / per, (v.count - old.count) / per]);
    total += v.bytes - old.bytes;
  }
  for (const [key, v] of a) if (!b.has(key)) {
    rows.push([key, -v.bytes / per, -v.count / per]);
    total -= v.bytes;
  }
  rows.sort((x, y) => y[1] - x[1]);
  console.log(`heap growth: ${(total / per).toFixed(0)} bytes per unit (${per} units)`);
  for (const [key, bytes, count] of rows.slice(0, top)) {
    console.log(`${bytes.toFixed(1).padStart(9)} B ${count.toFixed(2).padStart(7)} objects  ${key}`);
  }
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--diff') {
    const per = args.includes('--per') ? Number(args[args.indexOf('--per') + 1]) : 1;
    const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 30;
    return diffSnapshots(args[1], args[2], per, top);
  }
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [--top N] [--filter substring]');
  const top = Number(args[args.indexOf('--top') + 1]) || 30;
  const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : '';
  if (args.includes('--by-file')) keyOf = fileOf;
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const isCpu = Array.isArray(data.samples) && Array.isArray(data.timeDeltas);
  const { rows, total } = isCpu
    ? (({ rows, totalMs }) => ({ rows, total: totalMs }))(cpuSelfTimes(data as CpuProfile))
    : (({ rows, totalBytes }) => ({ rows, total: totalBytes }))(heapSelfSizes((data as { head: HeapNode }).head));
  const unit = isCpu ? 'ms' : 'KB';
  const scale = isCpu ? 1 : 1 / 1024;
  console.log(`${isCpu ? 'self time' : 'sampled allocation'}: total ${(total * scale).toFixed(1)} ${unit}`);
  for (const [key, value] of rows.filter(([k]) => k.includes(filter)).slice(0, top)) {
    console.log(`${(value * scale).toFixed(1).padStart(10)} ${unit} ${((100 * value) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
