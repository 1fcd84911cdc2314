/**
 * DuckDB's memory_limit while a statement with LLM work runs (issue 66). Such a
 * statement writes row after row for as long as its calls take: a million-row
 * `CREATE TABLE … AS RVBBIT MAP` into a database file holds the table's written
 * blocks (DuckDB keeps them cached until its memory_limit forces them out,
 * duckdb/duckdb#5455), its open row group, and the log rows written meanwhile —
 * ~450 MB of DuckDB memory at 1M rows under the engine's 1 GB bound
 * (docs/performance.md). Under a lower bound DuckDB evicts or spills them instead. A plain statement keeps the
 * engine's bound (a large sort or join spills less under it), so the lower one
 * holds only while LLM work runs: set once the first such statement has run a
 * second, the engine's own put back when the last one ends.
 *
 * memory_limit is the database's, not a session's: a plain statement that runs
 * meanwhile runs under the lower bound too. A user's `SET memory_limit` wins:
 * the bound is lowered only from the value the engine set, and put back only
 * over the value it lowered to.
 */
import type { ConnectionQueue } from './connection-queue.js';
import { DEFAULT_MEMORY_LIMIT } from './spill-settings.js';
import { quoteString } from './sql-text.js';

/**
 * The bound while LLM work runs unless EngineOptions.llmMemoryLimit says otherwise (the engine's
 * own bound there: never lowered). It cut a 1M-row CTAS of a MAP into a file from 1,108 to 831 MB
 * (docs/performance.md). A MAP's COPY … TO Parquet keeps it through its final write, with row
 * groups the engine sizes to a share of it (map-stream-write.ts, map-write.ts: with DuckDB's
 * default row groups, 100,000 ~1 KB rows failed under 256 MB with "Out of Memory Error: failed
 * to allocate data of size 112.1 MiB", a row group, which DuckDB cannot spill).
 */
export const DEFAULT_LLM_MEMORY_LIMIT = '256MB';

/**
 * How DuckDB shows the engine's default bounds (`current_setting('memory_limit')`): with both at
 * their defaults an engine's start runs no query to learn them (the four reads and SETs create()
 * runs otherwise; a test checks these against DuckDB).
 */
export const SHOWN_DEFAULT_LIMITS: Readonly<Record<string, string>> = {
  [DEFAULT_MEMORY_LIMIT]: '953.6 MiB',
  [DEFAULT_LLM_MEMORY_LIMIT]: '244.1 MiB',
};

/** How long LLM work runs before the bound is lowered (see hold()). */
export const LOWER_AFTER_MS = 1000;

const UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
};

/** Bytes of a size as DuckDB reports a setting ('953.6 MiB', '0 bytes'); NaN for anything else. */
export function bytesOfDuckDbSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) (bytes|KiB|MiB|GiB|TiB|PiB)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : Number.NaN;
}

const readLimit = async (q: ConnectionQueue): Promise<string> =>
  q.run(async (con) =>
    String(
      (await con.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]?.m ?? '',
    ),
  );

export class LlmWorkBound {
  private holders = 0;
  /** What the bound was lowered to (DuckDB's text), while it is; undefined when it was not lowered. */
  private lowered: string | undefined;
  /** Serialises the lowering and the putting back. */
  private turn: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private loweredCount = 0;

  private constructor(
    private readonly q: ConnectionQueue,
    /** The engine's bound as DuckDB reports it, and as the engine gave it. */
    private readonly engineLimit: { readonly shown: string; readonly given: string },
    /** The bound while LLM work runs, as given and as DuckDB reports it; undefined: never lower (it is not below the engine's). */
    private readonly llmLimit: { readonly shown: string; readonly given: string } | undefined,
    private readonly lowerAfterMs: number,
  ) {}

  /**
   * After the engine set its bound (`engineLimit`, as given): checks `llmLimit` (DuckDB reads it,
   * so a bad size is DuckDB's own message, thrown) and keeps it only when it is below the
   * engine's bound.
   */
  static async create(
    q: ConnectionQueue,
    engineLimit: string,
    llmLimit: string,
    lowerAfterMs = LOWER_AFTER_MS,
  ): Promise<LlmWorkBound> {
    // The engine's own bound: nothing to check or lower, and a start pays no query for it.
    if (llmLimit === engineLimit)
      return new LlmWorkBound(q, { shown: '', given: engineLimit }, undefined, lowerAfterMs);
    const known = [SHOWN_DEFAULT_LIMITS[engineLimit], SHOWN_DEFAULT_LIMITS[llmLimit]];
    if (known[0] !== undefined && known[1] !== undefined) {
      const lower = bytesOfDuckDbSize(known[1]) < bytesOfDuckDbSize(known[0]);
      return new LlmWorkBound(
        q,
        { shown: known[0], given: engineLimit },
        lower ? { shown: known[1], given: llmLimit } : undefined,
        lowerAfterMs,
      );
    }
    const shown = await readLimit(q);
    await q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(llmLimit)}`));
    const llmShown = await readLimit(q);
    await q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(engineLimit)}`));
    const lower = bytesOfDuckDbSize(llmShown) < bytesOfDuckDbSize(shown);
    return new LlmWorkBound(
      q,
      { shown, given: engineLimit },
      lower ? { shown: llmShown, given: llmLimit } : undefined,
      lowerAfterMs,
    );
  }

  /**
   * Holds the lower bound until the returned release is called (once). It is set only once
   * LLM work has run for `lowerAfterMs` (measured: setting it and putting it back cost ~4 ms,
   * half a `SELECT 1` at load 11, which a one-row statement need not pay; what a statement
   * caches in its first second is small).
   */
  hold(): () => Promise<void> {
    this.holders += 1;
    if (this.holders === 1 && this.llmLimit !== undefined) {
      this.timer = setTimeout(() => void this.step(() => this.lower()), this.lowerAfterMs);
      this.timer.unref();
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.holders -= 1;
      if (this.holders > 0) return;
      clearTimeout(this.timer);
      await this.step(() => this.restore());
    };
  }

  /** The bound while LLM work runs, in bytes; undefined when it is never lowered. */
  get lowerBytes(): number | undefined {
    return this.llmLimit && bytesOfDuckDbSize(this.llmLimit.shown);
  }

  /** How many times LLM work lowered the bound (for tests: a short statement never does). */
  get lowerings(): number {
    return this.loweredCount;
  }

  private step(op: () => Promise<void>): Promise<void> {
    const next = this.turn.then(op, op);
    // A failed SET leaves the bound as it was; the statement runs on under it.
    this.turn = next.catch(() => undefined);
    return this.turn;
  }

  private async lower(): Promise<void> {
    // Released meanwhile (a statement that failed at once), or already lowered: nothing to do.
    if (this.holders === 0 || this.lowered !== undefined || this.llmLimit === undefined) return;
    // A user's SET memory_limit wins: only the engine's own bound is lowered.
    if ((await readLimit(this.q)) !== this.engineLimit.shown) return;
    const llm = this.llmLimit;
    await this.q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(llm.given)}`));
    this.lowered = llm.shown;
    this.loweredCount += 1;
  }

  private async restore(): Promise<void> {
    if (this.holders > 0 || this.lowered === undefined) return;
    const lowered = this.lowered;
    this.lowered = undefined;
    // A user's SET made while LLM work ran stands.
    if ((await readLimit(this.q)) !== lowered) return;
    await this.q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(this.engineLimit.given)}`));
  }
}
