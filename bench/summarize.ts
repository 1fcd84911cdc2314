/**
 * From runs to cells: each run's efficiency and speedup against runs of the
 * same repetition (so every ratio compares figures from the same moment),
 * then per cell the median and spread over repetitions.
 */
import { efficiency, medianOf, speedup, spread } from './metrics.js';
import type { CellKey, CellSummary, RunRecord } from './records.js';

const groupKey = (r: CellKey) => `${r.scenario}|${r.n}|${r.latencyLabel}`;
export const cellKey = (r: CellKey) => `${groupKey(r)}|${r.parallel}|${r.strategy}`;

/** Fills `efficiency`, `speedup` and `speedupBase` of every ok run in place. */
export function addRatios(runs: RunRecord[]): void {
  const byRep = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${groupKey(r)}|${r.rep}`;
    const list = byRep.get(k) ?? [];
    list.push(r);
    byRep.set(k, list);
  }
  for (const list of byRep.values()) {
    const ok = list.filter((r) => r.status === 'ok' && r.wallMs !== undefined);
    const sequential = list.find((r) => r.strategy === 'sequential');
    const batchAt1 = list.find((r) => r.strategy === 'batch' && r.parallel === 1);
    const reference = sequential ?? batchAt1;
    const base = sequential ? 'sequential' : 'batch@1';
    for (const r of ok) {
      if (r.latencyMeanMs > 0) {
        r.idealUsedMs = r.idealMs;
        r.efficiency = efficiency(r.idealMs, r.wallMs!);
      } else {
        // At latency 0 the ideal is the ceiling: raw undici making the batch's calls, scaled to this run's calls.
        const raw = ok.find((x) => x.strategy === 'raw' && x.parallel === r.parallel);
        const ideal = raw && raw.expectedCalls > 0 ? (raw.wallMs! * r.expectedCalls) / raw.expectedCalls : 0;
        r.idealUsedMs = raw ? ideal : null;
        r.efficiency = efficiency(ideal, r.wallMs!);
      }
      if (reference?.status === 'ok') {
        r.speedup = speedup(reference.wallMs, r.wallMs!);
        r.speedupBase = base;
      } else if (r.latencyMeanMs > 0) {
        // The reference was too slow to run: compare with its ideal, calls × latency.
        r.speedup = speedup(r.expectedCalls * r.latencyMeanMs, r.wallMs!);
        r.speedupBase = 'ideal-seq';
      } else {
        r.speedup = null;
        r.speedupBase = null;
      }
    }
  }
}

/** One summary per cell, in the order cells first appear. */
export function summarize(runs: readonly RunRecord[]): CellSummary[] {
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = cellKey(r);
    const list = cells.get(k) ?? [];
    list.push(r);
    cells.set(k, list);
  }
  const rawRate = new Map<string, number | null>();
  for (const [k, list] of cells) {
    if (list[0]!.strategy === 'raw') rawRate.set(k, medianOf(list.map((r) => r.rowsPerSec)));
  }
  const out: CellSummary[] = [];
  for (const list of cells.values()) {
    const first = list[0]!;
    const ok = list.filter((r) => r.status === 'ok');
    const walls = ok.map((r) => r.wallMs!).filter((w) => Number.isFinite(w));
    const s = walls.length > 0 ? spread(walls) : null;
    const status = ok.length > 0 ? 'ok' : first.status;
    const { scenario, workload, n, latency, latencyLabel, latencyMeanMs, parallel, strategy } = first;
    const rawKey = cellKey({ ...first, strategy: 'raw' });
    out.push({
      scenario,
      workload,
      n,
      latency,
      latencyLabel,
      latencyMeanMs,
      parallel,
      strategy,
      status,
      reason: status === 'ok' ? undefined : first.reason,
      runs: ok.length,
      idealMs: ok.length > 0 ? medianOf(ok.map((r) => r.idealUsedMs)) : first.idealMs,
      wallMedianMs: s?.median ?? null,
      wallMinMs: s?.min ?? null,
      wallMaxMs: s?.max ?? null,
      wallRelSpread: s?.relSpread ?? null,
      efficiency: medianOf(ok.map((r) => r.efficiency)),
      speedup: medianOf(ok.map((r) => r.speedup)),
      speedupBase: ok.find((r) => r.speedupBase)?.speedupBase ?? null,
      rowsPerSec: medianOf(ok.map((r) => r.rowsPerSec)),
      ceilingRowsPerSec: latencyMeanMs === 0 ? (rawRate.get(rawKey) ?? null) : null,
      llmCalls: medianOf(ok.map((r) => r.llmCalls)),
      maxInFlight: ok.length > 0 ? Math.max(...ok.map((r) => r.maxInFlight ?? 0)) : null,
      peakRssMb: ok.length > 0 ? Math.max(...ok.map((r) => r.peakRssMb ?? 0)) : null,
      loopDelayP99Ms: medianOf(ok.map((r) => r.loopDelayP99Ms)),
      cpuUsPerRow: medianOf(ok.map((r) => (r.cpuMs === undefined ? null : (r.cpuMs * 1000) / r.n))),
      simCpuUsPerRow: medianOf(ok.map((r) => (r.simCpuMs == null ? null : (r.simCpuMs * 1000) / r.n))),
      firstRowMs: medianOf(ok.map((r) => r.firstRowMs)),
    });
  }
  return out;
}
