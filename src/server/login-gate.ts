/**
 * At most a few logins set up at once. A login's DuckDB work (a connection,
 * the client's catalog views: ~90 ms of DuckDB time) runs on libuv's thread
 * pool (4 threads) like every client's statement; 200 logins at once queued
 * ahead of a connected client's `SELECT 1` and held it for 9.6 s. Logins wait
 * here instead, in arrival order, so the pool always has threads for the
 * clients already in. A login that waits has its socket and nothing more
 * (it counts against max_connections from connect, as before).
 */
export class LoginGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  /** Runs `setup` when a slot is free; the slot is freed however it ends. */
  async run<T>(setup: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await setup();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next login, so `running` stays counted.
      if (next) next();
      else this.running--;
    }
  }
}
