/**
 * Times one run and reads what it cost: wall time, time to first row, the
 * simulator's counters (calls, max in flight), peak RSS of this process
 * (sampled), and the main thread's event-loop delay p99.
 */
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
}

/** What the timed body reports back. */
export interface RunOutput {
  readonly rowsOut: number;
  readonly firstRowMs: number | null;
}

const RSS_SAMPLE_MS = 25;

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
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  delay.enable();
  const started = performance.now();
  let out: RunOutput;
  try {
    out = await body();
  } finally {
    delay.disable();
    clearInterval(sampler);
  }
  const wallMs = performance.now() - started;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const stats = await sim.stats();
  return {
    wallMs,
    firstRowMs: out.firstRowMs,
    rowsOut: out.rowsOut,
    calls: stats.requests,
    maxInFlight: stats.maxInFlight,
    peakRssMb: peakRss / (1024 * 1024),
    // A histogram with no samples (a run shorter than the resolution) reports a huge min; call it 0.
    loopDelayP99Ms: delay.count > 0 ? delay.percentile(99) / 1e6 : 0,
  };
}
