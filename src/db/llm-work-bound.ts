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
 * second, the engine's own put back when the last one ends. While a MAP
 * streams its rows into a table or file, the bound is lower still
 * (WRITE_MEMORY_LIMIT): DuckDB's cache of what it wrote is then what a large
 * write's peak is made of.
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
 * The bound while a MAP streams its rows into a table or a scratch file (map-stream-write.ts: a
 * CTAS, INSERT, COPY … TO), when the LLM bound is on and above it: such a statement fills DuckDB's
 * bound with the written blocks it caches and the rows not yet checkpointed, on top of a process
 * that holds ~300 MB without them (two V8 heaps, node's and DuckDB's code, the allocators), so its
 * peak is ~300 MB plus the bound. Measured at 1,000,000 ~1 KB rows (bench/paths-breakdown.child.mjs,
 * docs/performance.md): a CTAS into a database file peaked at 546 MB under 256MB, 432 under 128MB,
 * 408 under 96MB; a Parquet COPY 416 under 96MB, its row groups sized to it (map-write.ts).
 * Under 64MB (session 31, `bench/paths-memory.bench.ts … 1000000`): ctas-file-db 365, ctas-memory
 * 361, insert-file-db 369 and copy-parquet 385 MB, 20–38 MB under the same paths at 96MB. A
 * Parquet COPY's final statement is not written under it (COPY_MEMORY_LIMIT): once, with the
 * in-memory call log at ~50 MB, a COPY of the in-memory database failed under 64MB ("failed to
 * allocate data of size 6.8 MiB (54.9 MiB/61.0 MiB used)"), and DuckDB alone still fails a 1M-row
 * one there (bench/parquet-copy.child.mjs 1000000 64MB 'ROW_GROUP_SIZE 4096').
 */
export const WRITE_MEMORY_LIMIT = '64MB';

/**
 * The bound while a MAP's Parquet COPY writes its file from the scratch table (map-stream-write.ts),
 * its row groups sized to a share of it (map-write.ts, rowGroupRows): a row group is built in
 * memory and cannot spill. Measured at 96MB: 8,192-row groups of ~1 KB rows added 13–17 MB to
 * the COPY (DuckDB alone), and the engine's 1M-row COPY peaked at 395–423 MB with its rows
 * streamed under the same bound. Held as a floor: while such a COPY writes, no other statement's
 * write or final copy takes the bound under it (memory_limit is the database's).
 */
export const COPY_MEMORY_LIMIT = '96MB';

/**
 * The bound while a streamed write's final statement copies its scratch file into a table
 * (map-stream-write.ts: an INSERT, or a CREATE TABLE … AS that cannot append directly), when the
 * write's bound is on and above it. DuckDB's parallel insert holds about twice its bound while it
 * copies (with DuckDB alone, 1,000,000 ~1 KB rows from one attached file into a table of another
 * with 16,384-row groups, 2 threads, RSS added: +180 MB under 96MB, +147 under 64MB, +93 under
 * 48MB, +71 under 32MB; 1.6 s under 96MB, 3.2 s under 48MB), and that copy was the peak of a
 * million-row `INSERT INTO … RVBBIT MAP` (444 MB against 382 for the same CTAS). A table's
 * blocks spill or are evicted under it; a statement that still runs out of memory is run once
 * more under the write's bound (a failed statement wrote nothing). Not a Parquet COPY's: its
 * row groups are sized to COPY_MEMORY_LIMIT and cannot spill (map-write.ts).
 */
export const FINAL_WRITE_MEMORY_LIMIT = '48MB';

/**
 * How DuckDB shows the engine's default bounds (`current_setting('memory_limit')`): with both at
 * their defaults an engine's start runs no query to learn them (the four reads and SETs create()
 * runs otherwise; a test checks these against DuckDB).
 */
export const SHOWN_DEFAULT_LIMITS: Readonly<Record<string, string>> = {
  [DEFAULT_MEMORY_LIMIT]: '953.6 MiB',
  [DEFAULT_LLM_MEMORY_LIMIT]: '244.1 MiB',
  [COPY_MEMORY_LIMIT]: '91.5 MiB',
  [WRITE_MEMORY_LIMIT]: '61.0 MiB',
  [FINAL_WRITE_MEMORY_LIMIT]: '45.7 MiB',
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

/** A bound as the engine gives it to DuckDB and as DuckDB shows it. */
interface Limit {
  readonly shown: string;
  readonly given: string;
}

/**
 * What a hold asks for: the LLM bound, the lower one of a streamed write, or its final copy's,
 * lower still; `copy`, COPY_MEMORY_LIMIT and no lower while it is held (a Parquet COPY's final
 * statement, whose row groups are sized to it: another write must not take the bound under
 * them meanwhile).
 */
export type BoundLevel = 'llm' | 'write' | 'final' | 'copy';

export class LlmWorkBound {
  private holders = 0;
  /** Holders by level past the LLM bound's: writes streaming, final copies, Parquet COPYs writing their file (each also counted in `holders`). */
  private readonly held: Record<Exclude<BoundLevel, 'llm'>, number> = { write: 0, final: 0, copy: 0 };
  /** What the bound was lowered to (DuckDB's text), while it is; undefined when it was not lowered. */
  private lowered: string | undefined;
  /** Serialises the lowering and the putting back. */
  private turn: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** LLM work has run for `lowerAfterMs`: a change of holders applies at once. */
  private armed = false;
  private loweredCount = 0;
  private writeLoweredCount = 0;
  private finalLoweredCount = 0;

  private constructor(
    private readonly q: ConnectionQueue,
    /** The engine's bound as DuckDB reports it, and as the engine gave it. */
    private readonly engineLimit: Limit,
    /** The bound while LLM work runs; undefined: never lower (it is not below the engine's). */
    private readonly llmLimit: Limit | undefined,
    /** The bound while a Parquet COPY writes its file (the LLM bound's when COPY_MEMORY_LIMIT is not below it). */
    private readonly copyLimit: Limit | undefined,
    /** The bound while a streamed write runs (the COPY's when WRITE_MEMORY_LIMIT is not below it). */
    private readonly writeLimit: Limit | undefined,
    /** The bound while a streamed write's final statement fills its table (the write's when FINAL_WRITE_MEMORY_LIMIT is not below it). */
    private readonly finalLimit: Limit | undefined,
    private readonly lowerAfterMs: number,
  ) {}

  /**
   * After the engine set its bound (`engineLimit`, as given): checks `llmLimit` (DuckDB reads it,
   * so a bad size is DuckDB's own message, thrown) and keeps it only when it is below the
   * engine's bound; a streamed write's bound is WRITE_MEMORY_LIMIT where that is lower still.
   */
  static async create(
    q: ConnectionQueue,
    engineLimit: string,
    llmLimit: string,
    lowerAfterMs = LOWER_AFTER_MS,
  ): Promise<LlmWorkBound> {
    // The engine's own bound: nothing to check or lower, and a start pays no query for it.
    if (llmLimit === engineLimit)
      return new LlmWorkBound(
        q,
        { shown: '', given: engineLimit },
        undefined,
        undefined,
        undefined,
        undefined,
        lowerAfterMs,
      );
    const shownOf = async (given: string): Promise<string> => {
      const known = SHOWN_DEFAULT_LIMITS[given];
      if (known !== undefined) return known;
      await q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(given)}`));
      return readLimit(q);
    };
    const known = [engineLimit, llmLimit].every((l) => SHOWN_DEFAULT_LIMITS[l] !== undefined);
    const shown = known ? SHOWN_DEFAULT_LIMITS[engineLimit]! : await readLimit(q);
    const llmShown = await shownOf(llmLimit);
    const copyShown = SHOWN_DEFAULT_LIMITS[COPY_MEMORY_LIMIT]!;
    const writeShown = SHOWN_DEFAULT_LIMITS[WRITE_MEMORY_LIMIT]!;
    const finalShown = SHOWN_DEFAULT_LIMITS[FINAL_WRITE_MEMORY_LIMIT]!;
    if (!known) await q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(engineLimit)}`));
    const bytes = bytesOfDuckDbSize;
    const llm = bytes(llmShown) < bytes(shown) ? { shown: llmShown, given: llmLimit } : undefined;
    const copy =
      llm && bytes(copyShown) < bytes(llm.shown) ? { shown: copyShown, given: COPY_MEMORY_LIMIT } : llm;
    const write =
      copy && bytes(writeShown) < bytes(copy.shown) ? { shown: writeShown, given: WRITE_MEMORY_LIMIT } : copy;
    const final =
      write && bytes(finalShown) < bytes(write.shown)
        ? { shown: finalShown, given: FINAL_WRITE_MEMORY_LIMIT }
        : write;
    return new LlmWorkBound(q, { shown, given: engineLimit }, llm, copy, write, final, lowerAfterMs);
  }

  /**
   * Holds the lower bound until the returned release is called (once): the lowest any holder
   * asks for (BoundLevel), but never under a COPY's while one writes its file. It is set only once
   * LLM work has run for `lowerAfterMs` (measured: setting it and putting it back cost ~4 ms,
   * half a `SELECT 1` at load 11, which a one-row statement need not pay; what a statement
   * caches in its first second is small).
   */
  hold(level: BoundLevel = 'llm'): () => Promise<void> {
    this.holders += 1;
    if (level !== 'llm') this.held[level] += 1;
    if (this.holders === 1 && this.llmLimit !== undefined) {
      this.timer = setTimeout(() => {
        this.armed = true;
        void this.step(() => this.apply());
      }, this.lowerAfterMs);
      this.timer.unref();
    } else if (this.armed && level !== 'llm') void this.step(() => this.apply());
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.holders -= 1;
      if (level !== 'llm') this.held[level] -= 1;
      if (this.holders === 0) {
        clearTimeout(this.timer);
        this.armed = false;
      } else if (!this.armed || level === 'llm' || this.held[level] > 0) return;
      await this.step(() => this.apply());
    };
  }

  /**
   * Holds the final copy's bound (see FINAL_WRITE_MEMORY_LIMIT) and resolves once DuckDB has it,
   * so the statement that follows runs under it; lowered only when LLM work has run long enough
   * to lower the others (a short write pays no SET).
   */
  async holdFinal(): Promise<() => Promise<void>> {
    return this.holdSettled('final');
  }

  /** Holds COPY_MEMORY_LIMIT, and no lower, for a Parquet COPY's final statement; resolves once DuckDB has it. */
  async holdCopy(): Promise<() => Promise<void>> {
    return this.holdSettled('copy');
  }

  private async holdSettled(level: 'final' | 'copy'): Promise<() => Promise<void>> {
    const release = this.hold(level);
    await this.turn;
    return release;
  }

  /** The bound a Parquet COPY writes its file under, in bytes (its row groups are sized to it); undefined when never lowered. */
  get copyBytes(): number | undefined {
    return this.copyLimit && bytesOfDuckDbSize(this.copyLimit.shown);
  }

  /** How many times LLM work lowered the bound (for tests: a short statement never does). */
  get lowerings(): number {
    return this.loweredCount;
  }

  /** How many times the bound was set to a streamed write's (for tests). */
  get writeLowerings(): number {
    return this.writeLoweredCount;
  }

  /** How many times the bound was set to a final copy's (for tests). */
  get finalLowerings(): number {
    return this.finalLoweredCount;
  }

  private step(op: () => Promise<void>): Promise<void> {
    const next = this.turn.then(op, op);
    // A failed SET leaves the bound as it was; the statement runs on under it.
    this.turn = next.catch(() => undefined);
    return this.turn;
  }

  /** The bound the holders ask for now; undefined: the engine's. */
  private wanted(): Limit | undefined {
    if (this.holders === 0 || !this.armed) return undefined;
    // A COPY's floor first: no write takes the bound under the row groups it sized.
    if (this.held.copy > 0) return this.copyLimit;
    if (this.held.final > 0) return this.finalLimit;
    return this.held.write > 0 ? this.writeLimit : this.llmLimit;
  }

  /**
   * Sets the bound the holders ask for, from the one the engine set last. A user's SET memory_limit
   * wins: when DuckDB's bound is not the one the engine set, it is left as it is (and not put back).
   */
  private async apply(): Promise<void> {
    const want = this.wanted();
    const from = this.lowered ?? this.engineLimit.shown;
    const to = want ?? this.engineLimit;
    if (to.shown === from) return;
    if (want === undefined) this.lowered = undefined;
    if ((await readLimit(this.q)) !== from) {
      this.lowered = undefined;
      return;
    }
    await this.q.run((con) => con.run(`SET GLOBAL memory_limit = ${quoteString(to.given)}`));
    if (want === undefined) return;
    if (this.lowered === undefined) this.loweredCount += 1;
    // Counted going down from above the COPY's bound (a final copy's or a COPY's end puts the write's back: no new lowering).
    const lowering = bytesOfDuckDbSize(want.shown) < bytesOfDuckDbSize(from);
    const fromCopy = from === this.copyLimit?.shown && this.copyLimit !== this.llmLimit;
    if (lowering && !fromCopy && want === this.writeLimit && want !== this.llmLimit)
      this.writeLoweredCount += 1;
    if (lowering && want === this.finalLimit && want !== this.writeLimit) this.finalLoweredCount += 1;
    this.lowered = want.shown;
  }
}
