/**
 * Summarises V8 profiles written by `npm run bench -- <scenario> --cpu-prof` / `--heap-prof`:
 * the functions with the most self time (`.cpuprofile`) or the most sampled allocation
 * (`.heapprofile`), grouped by function and source location.
 *
 * Usage: `npx tsx bench/profile-summary.ts <file> [--top N] [--filter <path substring>] [--by-file]`
 * (`--by-file` groups by source file instead of by function).
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

function main(): void {
  const args = process.argv.slice(2);
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
