/**
 * Where a distributed job's time goes, as the coordinator sees it: from its
 * add to a worker's start (queue in), the worker's run of its rows, and from
 * the worker's finish to the result here (queue out). bench/scale.bench.ts
 * reads them; the two queue legs are the per-wave cost a job's round trip
 * adds over a local run.
 */
import { epochMs } from '../runtime/epoch-clock.js';

/** Jobs remembered between two take() calls (a service that never takes keeps at most these); older ones are dropped. */
const KEPT = 10_000;

export interface LegSummary {
  readonly median: number;
  readonly p90: number;
}

export interface JobTimingSummary {
  readonly jobs: number;
  readonly queueIn: LegSummary;
  readonly run: LegSummary;
  readonly queueOut: LegSummary;
}

export class JobTimings {
  private legs: [number, number, number][] = [];

  /** A job added at `submittedAt` (epochMs()) whose result came back now, with the worker's `ran` times. */
  note(submittedAt: number, ran: readonly [number, number] | undefined): void {
    if (!ran) return;
    if (this.legs.length >= KEPT) this.legs = this.legs.slice(KEPT / 2);
    this.legs.push([ran[0] - submittedAt, ran[1] - ran[0], epochMs() - ran[1]]);
  }

  /** The jobs since the last take, summarized (milliseconds), and forgotten; null if there were none. */
  take(): JobTimingSummary | null {
    const legs = this.legs;
    this.legs = [];
    if (legs.length === 0) return null;
    const leg = (i: number): LegSummary => {
      const xs = legs.map((l) => l[i]!).sort((a, b) => a - b);
      return { median: xs[xs.length >> 1]!, p90: xs[Math.floor(xs.length * 0.9)]! };
    };
    return { jobs: legs.length, queueIn: leg(0), run: leg(1), queueOut: leg(2) };
  }
}
