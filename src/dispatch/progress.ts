/** Progress of one statement, emitted as chunks complete (CLI bar, server NOTICEs). */
export interface Progress {
  readonly rowsDone: number;
  readonly rowsTotal: number;
  readonly rowsPerSec: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly dollars: number;
  /** Some finished call had no price (the provider's model is not in the price table): dollars are unknown. */
  readonly unpriced?: boolean;
  /** Estimated ms to finish; null until a rate is known. */
  readonly etaMs: number | null;
}

export class ProgressTracker {
  rowsDone = 0;
  calls = 0;
  cacheHits = 0;
  dollars = 0;
  unpriced = false;
  private readonly started = performance.now();

  /** True while the total is still being counted: events wait for it. */
  private held = false;

  /**
   * With `totalLater`, events wait until it resolves (to the input's row
   * count), so every event a caller sees carries the true total, while rows
   * already run as they are read.
   */
  constructor(
    public rowsTotal: number,
    private readonly listener?: (p: Progress) => void,
    totalLater?: Promise<number>,
  ) {
    if (!totalLater) return;
    this.held = true;
    totalLater.then(
      (total) => {
        this.rowsTotal = total;
        this.held = false;
        if (this.rowsDone > 0) this.emit();
      },
      // Reading failed: the statement fails with that error; no more events.
      () => undefined,
    );
  }

  /** Semantic statements learn their work pass by pass: the total grows. */
  grow(rows: number): void {
    this.rowsTotal += rows;
  }

  /** `unpriced`: a call among these had no price. */
  add(rows: number, calls: number, cacheHits: number, dollars: number, unpriced = false): void {
    if (unpriced) this.unpriced = true;
    this.rowsDone += rows;
    this.calls += calls;
    this.cacheHits += cacheHits;
    this.dollars += dollars;
    if (!this.held) this.emit();
  }

  private emit(): void {
    if (!this.listener) return;
    const seconds = (performance.now() - this.started) / 1000;
    const rowsPerSec = seconds > 0 ? this.rowsDone / seconds : 0;
    const left = this.rowsTotal - this.rowsDone;
    this.listener({
      rowsDone: this.rowsDone,
      rowsTotal: this.rowsTotal,
      rowsPerSec,
      calls: this.calls,
      cacheHits: this.cacheHits,
      dollars: this.dollars,
      ...(this.unpriced ? { unpriced: true } : {}),
      etaMs: rowsPerSec > 0 ? (left / rowsPerSec) * 1000 : null,
    });
  }
}
