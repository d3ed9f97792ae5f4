/**
 * Process measurements for the benchmark: CPU time of a process read from `/proc/<pid>/stat`,
 * the clock tick rate, the open-file limit and a description of the machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let clockTicks = 0;

/** Clock ticks per second (`getconf CLK_TCK`), read once; 100 if `getconf` is missing. */
export function clockTicksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time (user + system) consumed so far by a process, in seconds.
 * @param pid process id (Linux `/proc` must be mounted)
 * @returns utime + stime divided by the clock tick rate
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerSecond();
}

/**
 * Write system calls (write, writev, sendmsg on sockets included) made so far by a process,
 * from `/proc/<pid>/io` (`syscw`).
 * @returns the count, or NaN where `/proc/<pid>/io` cannot be read
 */
export function processWriteCalls(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const match = /^syscw: (\d+)$/m.exec(io);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** The soft limit on open files of this process (`ulimit -n`), or Infinity when unlimited. */
export function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
    if (line) {
      const soft = line.slice('Max open files'.length).trim().split(/\s+/)[0];
      return soft === 'unlimited' ? Infinity : Number(soft);
    }
  } catch {
    /* not Linux: fall back to the shell */
  }
  const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

/** What the results were measured on. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  clockTicks: number;
  openFileLimit: number;
  platform: string;
}

/** Describes this machine: core count, CPU model (from /proc/cpuinfo), Node.js version. */
export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    /* keep os.cpus() */
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    /* keep os.cpus() */
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    clockTicks: clockTicksPerSecond(),
    openFileLimit: openFileLimit(),
    platform: `${process.platform}-${process.arch}`,
  };
}
