/**
 * Times one run and reads what it cost: wall time, time to first row, the
 * simulator's counters (calls, max in flight), peak RSS of this process
 * (sampled), and the main thread's event-loop delay p99.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SimulatorProcessHandle } from '../src/sim/process.js';

export interface Measured {
  readonly wallMs: number;
  readonly firstRowMs: number | null;
  readonly rowsOut: number;
  readonly calls: number;
  readonly maxInFlight: number;
  readonly peakRssMb: number;
  readonly loopDelayP99Ms: number;
  /** CPU time of this process (main thread and worker threads), ms. */
  readonly cpuMs: number;
  /** CPU time of the simulator's process, ms (null where /proc is missing). */
  readonly simCpuMs: number | null;
}

/** What the timed body reports back. */
export interface RunOutput {
  readonly rowsOut: number;
  readonly firstRowMs: number | null;
}

const RSS_SAMPLE_MS = 25;
const LOOP_RESOLUTION_MS = 5;
/** Linux clock ticks per second (USER_HZ). */
const CLOCK_TICKS = 100;

/** utime + stime of a process from /proc, in ms; null where that is not available. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * The loop's delay p99 over the histogram's samples plus one more: the gap
 * since the last heartbeat when the run ended. A block that ends with the run
 * (a DuckDB function waiting on its calls) is not in the histogram yet; with
 * no samples at all the loop never got to a timer, so that gap is the delay.
 * With fewer than 100 samples the p99 is the largest of them.
 */
export function loopDelayP99(
  h: { readonly count: number; readonly max: number; percentile(p: number): number },
  tailGapMs: number,
  wallMs: number,
): number {
  const tail = wallMs > 2 * LOOP_RESOLUTION_MS ? tailGapMs : 0;
  if (h.count === 0) return tail;
  const p99 = (h.count + 1 <= 100 ? h.max : h.percentile(99)) / 1e6;
  return Math.max(p99, h.count + 1 <= 100 ? tail : 0);
}

/**
 * Resets the simulator's counters and re-seeds its latency draws (so every run
 * sees the same latency sequence), then times `body`.
 */
export async function measure(
  sim: SimulatorProcessHandle,
  seed: number,
  body: () => Promise<RunOutput>,
): Promise<Measured> {
  await sim.setOptions({ seed: seed + 1 });
  await sim.setOptions({ seed });
  await sim.resetStats();
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  const started = performance.now();
  let heartbeat = started;
  const beat = setInterval(() => {
    heartbeat = performance.now();
  }, LOOP_RESOLUTION_MS);
  const cpu0 = process.cpuUsage();
  const simCpu0 = processCpuMs(sim.pid);
  delay.enable();
  let out: RunOutput;
  try {
    out = await body();
  } finally {
    delay.disable();
    clearInterval(sampler);
    clearInterval(beat);
  }
  const ended = performance.now();
  const wallMs = ended - started;
  const cpu = process.cpuUsage(cpu0);
  const simCpu1 = processCpuMs(sim.pid);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const stats = await sim.stats();
  return {
    wallMs,
    firstRowMs: out.firstRowMs,
    rowsOut: out.rowsOut,
    calls: stats.requests,
    maxInFlight: stats.maxInFlight,
    peakRssMb: peakRss / (1024 * 1024),
    loopDelayP99Ms: loopDelayP99(delay, ended - heartbeat, wallMs),
    cpuMs: (cpu.user + cpu.system) / 1000,
    simCpuMs: simCpu0 === null || simCpu1 === null ? null : simCpu1 - simCpu0,
  };
}
