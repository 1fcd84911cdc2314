/**
 * CPU time per row of each process in a bench run, read from Linux's
 * /proc/<pid>/stat (user + system ticks; a process's main thread alone from
 * /proc/<pid>/task/<pid>/stat). CPU time is far steadier than wall time on a
 * noisy 2-core VM, and says which process a distributed run's extra work is
 * on. Without /proc (not Linux) the meter reads nothing and prints no line.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

function cpuSeconds(statPath: string): number | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime, stime are 14th, 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** What a meter reads: a label and the processes under it. */
export type Processes = Record<string, readonly number[]>;

/** Reads each labelled group of processes (whole, and their main threads) at start and at `perRow`. */
export class CpuMeter {
  private readonly before: ReturnType<CpuMeter['read']>;

  constructor(private readonly processes: Processes) {
    this.before = this.read();
  }

  private read(): Map<string, { all?: number; main?: number }> {
    const now = new Map<string, { all?: number; main?: number }>();
    for (const [label, pids] of Object.entries(this.processes)) {
      let all: number | undefined = 0;
      let main: number | undefined = 0;
      for (const pid of pids) {
        const a = cpuSeconds(`/proc/${pid}/stat`);
        const m = cpuSeconds(`/proc/${pid}/task/${pid}/stat`);
        all = a === undefined || all === undefined ? undefined : all + a;
        main = m === undefined || main === undefined ? undefined : main + m;
      }
      now.set(label, { all, main });
    }
    return now;
  }

  /** "label X µs (main thread Y)" per group for `rows` rows since the meter started, or '' without /proc. */
  perRow(rows: number): string {
    const after = this.read();
    const parts: string[] = [];
    for (const [label, end] of after) {
      const start = this.before.get(label);
      if (end.all === undefined || start?.all === undefined) return '';
      const us = (s: number) => Math.round((s * 1e6) / rows);
      const main =
        end.main !== undefined && start.main !== undefined ? ` (main ${us(end.main - start.main)})` : '';
      parts.push(`${label} ${us(end.all - start.all)}${main}`);
    }
    return `CPU µs per row: ${parts.join(', ')}`;
  }
}
