/** A token bucket: the simulator's provider-style rate limit. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rps: number,
    private readonly burst: number = Math.max(1, rps),
  ) {
    this.tokens = this.burst;
  }

  /** Takes a token, or returns the ms until one is available. */
  take(): { ok: true } | { ok: false; waitMs: number } {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: ((1 - this.tokens) / this.rps) * 1000 };
  }
}
