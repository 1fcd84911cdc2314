/**
 * A MAP as a stream (`engine.stream`): the USING rows are read from DuckDB as
 * the MAP can take them, run exactly as the batch path runs them
 * (map-rows.ts), and come out in input order as soon as a prefix is done,
 * in batches of at most 2,048 rows. Memory is bounded by the rows in flight
 * plus the reorder buffer, never by N. Every row carries `_error` (NULL when
 * it did not fail): a stream cannot know in advance that no later row fails.
 * A consumer that stops early cancels the MAP like a cancelled statement.
 * DISTINCT and dedupe_by read their deduplicated input from a TEMP table the
 * same way (dedupedInput).
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConnectionQueue } from '../../db/connection-queue.js';
import { type ResultColumn, STREAM_BATCH_ROWS } from '../../db/query-result.js';
import { ChangeSignal } from '../../dispatch/change-signal.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import type { RowOutcome } from '../../thread/chunk-protocol.js';
import { type InputRow, materializeInput } from './map-batch-input.js';
import { addedNames, inputNamesOut } from './map-names.js';
import { outcomeCells } from './map-output.js';
import { type MapRowsRun, rowsInFlightFor, runMapRows } from './map-rows.js';
import { TypedCaster } from './map-stream-cast.js';
import { MapInputStream } from './map-stream-input.js';
import { type FinishedRow, OrderedRows } from './ordered-rows.js';
import type { MapOutput, MapPlan } from './plan-map.js';

/** Input rows converted to JS at a time (a DuckDB chunk holds 2,048). */
const STREAM_PAGE_ROWS = 256;

export interface MapStreamContext extends StatementContext {
  /** The session's connection, leased by the caller until the stream ends. */
  readonly con: DuckDBConnection;
}

/**
 * Whether `engine.stream` streams a MAP's rows: every MAP that writes no table
 * or file. DISTINCT and dedupe_by first copy their input into a TEMP table,
 * deduplicated there (map-batch-input.ts), then stream it (dedupedInput).
 */
export function streamsOnStream(plan: MapPlan): boolean {
  return !plan.asTable && !plan.write;
}

/** DISTINCT or dedupe_by: the input needs the whole USING result before its first row. */
function dedupes(plan: MapPlan): boolean {
  return plan.distinct || plan.dedupeBy !== undefined;
}

/**
 * The deduplicated input of a DISTINCT or dedupe_by MAP: copied into a TEMP
 * table on the stream's leased connection (DuckDB holds it, and spills it),
 * then read back in input order a chunk at a time. `drop` removes the table.
 */
async function dedupedInput(
  ctx: MapStreamContext,
  plan: MapPlan,
): Promise<{ input: MapInputStream; drop: () => Promise<void> }> {
  const table = `__rvbbit_in_${randomBytes(4).toString('hex')}`;
  // The connection is leased to this stream: its own queue, not the session's (which waits for the lease).
  const q = new ConnectionQueue(ctx.con);
  const drop = () =>
    ctx.con.run(`DROP TABLE IF EXISTS ${table}`).then(
      () => undefined,
      () => undefined,
    );
  try {
    await materializeInput(q, plan, table, ctx.params);
    return { input: await MapInputStream.openTable(ctx.con, table), drop };
  } catch (err) {
    await drop();
    throw err;
  }
}

/**
 * Whether a MAP runs through the stream (engine.stream, and engine.query via
 * map-stream-collect.ts). DISTINCT and dedupe_by need the whole input before the
 * first row; as_table, CREATE TABLE … AS, INSERT INTO … and COPY (…) TO
 * write a table or file.
 */
export function streamable(plan: MapPlan): boolean {
  return !plan.asTable && !plan.write && !plan.distinct && plan.dedupeBy === undefined;
}

/** How `engine.query` uses the stream (map-stream-collect.ts). */
export interface CollectMode {
  /** The result columns: names as DuckDB gives them, types as `engine.query` reports them. */
  readonly onColumns: (columns: readonly ResultColumn[]) => void;
  /** Called for every row that carries an error; rows without one get no `_error` key. */
  readonly onError: () => void;
}

/**
 * Yields row batches; returns the run's counts once every row went out. With
 * `collect`, the consumer keeps every row anyway: the input is read before
 * the first row runs (so progress has the true total), and `_error` is left
 * out of rows that have none.
 */
export async function* streamMap(
  plan: MapPlan,
  ctx: MapStreamContext,
  collect?: CollectMode,
  /** engine.stream's onColumns (QueryOptions): the streamed columns, `_error` last. */
  onColumns?: (columns: readonly ResultColumn[]) => void,
): AsyncGenerator<Record<string, unknown>[], MapRowsRun> {
  let caster: TypedCaster | undefined;
  let names: readonly string[] = [];
  const finished = finishedInOrder(plan, ctx, {
    readAhead: collect !== undefined,
    duckdbValues: false,
    async onInput(input) {
      caster = plan.output.kind === 'typed' ? await TypedCaster.open(ctx.instance, plan.output) : undefined;
      names = outputNames(input.columnNames(), plan.output);
      const columns = resultColumns(input, plan.output, caster);
      collect?.onColumns(columns);
      onColumns?.(columns);
    },
  });
  try {
    for (;;) {
      const next = await finished.next();
      if (next.done) return next.value;
      yield await shape(next.value, names, caster, collect);
    }
  } finally {
    // Ends the MAP (a consumer that stopped early cancels it) and lets its input go.
    await finished.return(undefined as never);
    caster?.close();
  }
}

/** How a MAP's finished rows are read (finishedInOrder). */
export interface FinishedOptions {
  /** The consumer keeps every row anyway: the input is read ahead, unbounded (see ReadAhead). */
  readonly readAhead: boolean;
  /** The rows carry DuckDB's own input values (a write appends them), not JS ones. */
  readonly duckdbValues: boolean;
  /** Once the input is open, before the first row runs: a throw stops the MAP before its first call. */
  readonly onInput: (input: MapInputStream) => Promise<void>;
}

/**
 * The MAP's finished rows in input order, in batches of at most 2,048: each
 * its input values and its outcome's cells. Returns the run's counts once
 * every row went out. What streamMap shapes into rows and a streamed write
 * (map-stream-write.ts) appends to its scratch table.
 */
export async function* finishedInOrder(
  plan: MapPlan,
  ctx: MapStreamContext,
  options: FinishedOptions,
): AsyncGenerator<FinishedRow[], MapRowsRun> {
  // Fired when the consumer stops early: the runner sees it as a cancel.
  const stop = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
  const deduped = dedupes(plan) ? await dedupedInput(ctx, plan) : undefined;
  let input: MapInputStream | undefined;
  let running: Promise<MapRowsRun> | undefined;
  let ahead: ReadAhead | undefined;
  try {
    input = deduped?.input ?? (await MapInputStream.open(ctx.con, plan, ctx.params));
    await options.onInput(input);
    const rows = new OrderedRows();
    // Reading pauses while this many rows are read but not consumed: twice
    // what the window keeps in flight, so a slow row can hold up the prefix for
    // one window's worth of rows before dispatch stops. Kept small on purpose,
    // and read in small pages: V8 promotes what is alive at two young GCs in a
    // row (40–75 ms apart here), and promoted rows pile up in the old generation
    // until a full GC. A row lives about limit / rows-per-second; at 4× (1,024
    // rows, ~35 ms at 30k rows/s) 3 in 40 of the 100k-row streams promoted
    // nearly every row (main heap 110 MB, peak RSS up to 401 MB); at 2×, 0 in 40,
    // with the same rows/s.
    const inFlight = rowsInFlightFor(plan, ctx.pool.threads);
    const limit = options.readAhead ? Number.POSITIVE_INFINITY : Math.max(2 * inFlight, 256);
    const pages = input.pages(
      Math.min(STREAM_PAGE_ROWS, Math.max(64, inFlight)),
      (values) => rows.admit(values),
      () => rows.room(limit, signal),
      options.duckdbValues,
    );
    const typed = plan.output.kind === 'typed';
    const sink = {
      accept(outcomes: readonly RowOutcome[]): void {
        for (const o of outcomes) rows.accept(o.index, outcomeCells(o, plan.onError, typed));
        // on_error = 'fail': the failed row and those after it never go out.
        if (plan.onError === 'fail' && outcomes.some((o) => !o.ok)) rows.halt();
      },
    };
    // Collected, every row is kept anyway: the input is read ahead as fast as
    // DuckDB gives it while the first rows already run, and progress events
    // wait for the count, so they carry the true total (the ETA a progress bar
    // shows). Reading it all before the first dispatch left the workers idle
    // for that time: 25–45 ms of a 0.7 s, 20,000-row MAP at latency 0.
    ahead = options.readAhead ? new ReadAhead(pages) : undefined;
    running = ahead
      ? runMapRows(plan, { ...ctx, signal }, ahead.pages(), sink, ahead.total)
      : runMapRows(plan, { ...ctx, signal }, pages, sink);
    running.then(
      () => rows.end(),
      (err: unknown) => rows.fail(err),
    );
    for (;;) {
      // Waited on without a value, then taken at once (see OrderedRows.ready).
      while (!(await rows.ready()));
      const finished = rows.takeReady(STREAM_BATCH_ROWS);
      if (!finished) break;
      yield finished;
    }
    return await running;
  } finally {
    stop.abort();
    await running?.catch(() => undefined);
    // The read-ahead stops at its next page; the connection is not let go mid-fetch.
    await ahead?.total.catch(() => undefined);
    // Before anything else runs on the connection: the input's stream ends its own transaction.
    await input?.close().catch(() => undefined);
    await deduped?.drop();
  }
}

/**
 * Reads every page of the input at once, in the background, and hands the
 * pages out as the MAP asks for them. `total` resolves to the row count when
 * the reading ends, or rejects with the reading's error, which `pages()`
 * throws too once it reaches that point.
 */
class ReadAhead {
  readonly total: Promise<number>;
  private readonly read: InputRow[][] = [];
  private next = 0;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private readonly changes = new ChangeSignal();

  constructor(source: AsyncIterable<InputRow[]>) {
    this.total = this.fill(source);
    // Seen through pages() (and the runner) when it fails; never unhandled here.
    this.total.catch(() => undefined);
  }

  async *pages(): AsyncGenerator<InputRow[]> {
    for (;;) {
      if (this.next < this.read.length) {
        const page = this.read[this.next]!;
        // Let go once handed out.
        this.read[this.next++] = [];
        yield page;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return;
      await this.changes.wait();
    }
  }

  private async fill(source: AsyncIterable<InputRow[]>): Promise<number> {
    let rows = 0;
    try {
      for await (const page of source) {
        this.read.push(page);
        rows += page.length;
        this.changes.notify();
      }
      return rows;
    } catch (error) {
      this.failure = { error };
      throw error;
    } finally {
      this.ended = true;
      this.changes.notify();
    }
  }
}

async function shape(
  finished: readonly FinishedRow[],
  names: readonly string[],
  caster: TypedCaster | undefined,
  collect: CollectMode | undefined,
): Promise<Record<string, unknown>[]> {
  const results = caster
    ? await caster.cast(finished.map((f) => f.cells))
    : finished.map((f) => [f.cells.value, f.cells.error]);
  const last = names.length - 1;
  return finished.map((f, i) => {
    const row: Record<string, unknown> = {};
    let c = 0;
    for (const v of f.values) row[names[c++]!] = v;
    const result = results[i]!;
    for (let k = 0; k < result.length - 1; k++) row[names[c++]!] = result[k];
    const error = result[result.length - 1];
    if (!collect) row[names[last]!] = error;
    else if (error !== null && error !== undefined) {
      row[names[last]!] = error;
      collect.onError();
    }
    return row;
  });
}

function resultColumns(
  input: MapInputStream,
  output: MapOutput,
  caster: TypedCaster | undefined,
): ResultColumn[] {
  const names = [...inputNamesOut(input.columnNames(), output), ...addedNames(output)];
  const types = [...input.columnTypes(), ...(caster ? caster.columnTypes() : ['VARCHAR']), 'VARCHAR'];
  return names.map((name, i) => ({ name, type: types[i]! }));
}

/**
 * Row keys: input (an input named like a result column renamed, map-names.ts),
 * result and `_error` names; names repeated within the input keyed as DuckDB's
 * row objects do (`a`, `a:1`).
 */
function outputNames(inputNames: readonly string[], output: MapOutput): string[] {
  const seen = new Map<string, number>();
  return [...inputNamesOut(inputNames, output), ...addedNames(output)].map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n > 1 ? `${name}:${n - 1}` : name;
  });
}
