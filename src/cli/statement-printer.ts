/**
 * Runs SQL text statement by statement on an engine session and prints each
 * result in the chosen format; shared by `rvbbit query` and the REPL. A
 * query's rows are printed batch by batch as the session's stream yields
 * them (output/result-writers.ts), so nothing holds a whole result; other
 * statements (DDL, INSERT, COPY …) run whole and print their tag. Notices
 * (an auto-LIMIT that cut the input) and the cost line of a statement that
 * plans model work go to stderr.
 */
import { once } from 'node:events';

import { formatCost } from '../../base/dollars.js';
import { RvbbitError } from '../../base/errors.js';
import { type QueryResult, type ResultColumn, rowKeys } from '../db/query-result.js';
import type { StatementSpend } from '../engine/query-options.js';
import type { Session, SessionStatement } from '../engine/session.js';
import type { OutputFormat } from '../output/output-format.js';
import { type ResultWriter, resultWriter, TABLE_HOLD_ROWS } from '../output/result-writers.js';
import { wrappedResult } from '../output/wrap-result.js';
import { completionOf } from '../server/command-tag.js';
import { classifyStatement } from '../server/statement-class.js';
import { ERROR_COLUMN } from '../statements/map/map-output.js';
import { type ProgressView, progressBar } from './progress-bar.js';

export interface PrintOptions {
  readonly format: OutputFormat;
  readonly signal: AbortSignal;
  readonly timer?: boolean;
  /** The cost line on stderr after a statement that plans model work (default true; `--no-cost`, `.cost off`). */
  readonly cost?: boolean;
  readonly out?: NodeJS.WritableStream;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The line printed on stderr after a MAP, a RUN or a semantic SELECT (as
 * psql's `\timing` prints `Time:`), ok or not: model calls, cache hits,
 * tokens in and out, dollars (`$ unknown` when a call's model has no price),
 * and the statement's wall time.
 */
export function costLine(s: StatementSpend, ms: number): string {
  return `cost: ${plural(s.calls, 'call', 'calls')}, ${plural(s.cacheHits, 'cache hit', 'cache hits')}, ${s.tokensIn} tokens in, ${s.tokensOut} tokens out, ${formatCost(s.dollars)}, ${ms.toFixed(1)} ms\n`;
}

/**
 * How many results `--format json` will print for these SQL texts: one per
 * statement that may return rows (by its first word, statement-class.ts).
 * More than one makes the document an array of arrays, decided before the
 * first row is printed. A text that does not parse counts none (it fails
 * when its turn comes).
 */
export function jsonResultsExpected(session: Session, texts: readonly string[]): number {
  let n = 0;
  for (const text of texts) {
    try {
      for (const stmt of session.statements(text)) if (mayReturnRows(stmt)) n++;
    } catch {
      // reported when the text runs
    }
  }
  return n;
}

function mayReturnRows(stmt: SessionStatement): boolean {
  return classifyStatement(stmt.text).rows !== 'never';
}

export class ResultPrinter {
  /** True once a printed MAP result had failed rows. */
  rowsFailed = false;
  /** json: results printed so far; with `several`, each is an array in one array. */
  private jsonResults = 0;
  private readonly several: boolean;

  /** `jsonResults`: what jsonResultsExpected says for everything this printer will run. */
  constructor(
    private readonly o: PrintOptions,
    jsonResults = 1,
  ) {
    this.several = o.format === 'json' && jsonResults > 1;
  }

  private get out(): NodeJS.WritableStream {
    return this.o.out ?? process.stdout;
  }

  /** Runs every statement in `sql`; stops at the first error (thrown). */
  async run(session: Session, sql: string): Promise<void> {
    // Parsed by the engine (its grammar knows the catalog's operators); each
    // statement runs with its own `-- @` annotations.
    for (const stmt of session.statements(sql)) {
      const bar = progressBar();
      const stopBar = () => bar.stop();
      this.o.signal.addEventListener('abort', stopBar, { once: true });
      const t0 = performance.now();
      let spent: { readonly s: StatementSpend; readonly ms: number } | undefined;
      let ok = false;
      const onSpent =
        this.o.cost === false
          ? undefined
          : (s: StatementSpend) => {
              spent = { s, ms: performance.now() - t0 };
            };
      const options = {
        signal: this.o.signal,
        onProgress: bar.onProgress,
        onNotice: (text: string) => {
          bar.stop();
          process.stderr.write(`NOTICE: ${text}\n`);
        },
        ...(onSpent ? { onSpent } : {}),
      };
      try {
        if (this.o.signal.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
        // A query streams; anything else (its rows, if any, are few: a count, a plan) runs whole,
        // EXPLAIN too: its report asks the table to wrap it (QueryResult.wrapAt), which needs it whole.
        const cls = classifyStatement(stmt.text);
        if (cls.query && cls.first !== 'EXPLAIN') await this.streamed(stmt, options, bar);
        else {
          const result = await stmt.run(undefined, options);
          bar.stop();
          if (result.columns.some((c) => c.name === ERROR_COLUMN) && stmt.kind !== 'SqlStatement') {
            this.rowsFailed = true;
          }
          await this.printWhole(stmt, result);
        }
        if (this.o.timer) process.stderr.write(`Time: ${(performance.now() - t0).toFixed(1)} ms\n`);
        ok = true;
      } finally {
        bar.stop();
        this.o.signal.removeEventListener('abort', stopBar);
        // After the result (stdout stays the data), and before a failed statement's error
        // when it spent something (one that failed before any call has nothing to say).
        if (spent && (ok || spent.s.calls + spent.s.cacheHits > 0))
          process.stderr.write(costLine(spent.s, spent.ms));
      }
    }
  }

  /** Ends the JSON document of several results. */
  end(): void {
    if (this.several && this.jsonResults > 0) this.out.write('\n]\n');
  }

  /**
   * Prints a query's rows batch by batch as the session's stream yields them,
   * waiting for stdout to drain (a slow reader holds the stream, not memory).
   */
  private async streamed(
    stmt: SessionStatement,
    options: Parameters<SessionStatement['stream']>[1],
    bar: ProgressView,
  ): Promise<void> {
    let writer: ResultWriter | undefined;
    let errorKey: string | undefined;
    const begin = async (columns: readonly ResultColumn[]) => {
      // `_error` is a MAP's (or RUN's) last column; plain SQL's `_error` is the user's own.
      errorKey =
        stmt.kind !== 'SqlStatement' && columns.at(-1)?.name === ERROR_COLUMN
          ? rowKeys(columns).at(-1)
          : undefined;
      writer = this.writer(errorKey === undefined ? undefined : columns.length - 1);
      await this.write(this.jsonPrefix() + writer.begin(columns), bar);
    };
    let columns: readonly ResultColumn[] = [];
    for await (const rows of stmt.stream(undefined, { ...options, onColumns: (c) => (columns = c) })) {
      // Rows that end after Ctrl-C are the cancel's (`_error`: cancelled), not results: none is printed.
      if (this.o.signal.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
      if (!writer) await begin(columns);
      if (errorKey !== undefined && !this.rowsFailed)
        this.rowsFailed = rows.some((r) => r[errorKey!] !== null && r[errorKey!] !== undefined);
      await this.write(writer!.rows(rows), bar);
    }
    if (!writer) await begin(columns);
    await this.write(writer!.end() + this.jsonSuffix(), bar);
  }

  /** A statement that ran whole: its rows if it sends any (INSERT … RETURNING), else its tag (table format). */
  private async printWhole(stmt: SessionStatement, whole: QueryResult): Promise<void> {
    const done = completionOf(stmt.text, whole);
    if (done.rows) {
      const result = this.o.format === 'table' ? wrappedResult(whole) : whole;
      const writer = this.writer();
      await this.write(
        this.jsonPrefix() +
          writer.begin(result.columns) +
          writer.rows(result.rows) +
          writer.end() +
          this.jsonSuffix(),
      );
      return;
    }
    if (this.o.format === 'table') await this.write(`${done.tag}\n`);
    // One array per statement that may return rows keeps the document's shape what jsonResultsExpected said.
    else if (this.several && mayReturnRows(stmt)) await this.write(`${this.jsonPrefix()}[]`);
  }

  /** `errorColumn`: the position of a streamed MAP's `_error` (see WriterOptions). */
  private writer(errorColumn?: number): ResultWriter {
    return resultWriter(this.o.format, {
      onBlocks: () =>
        process.stderr.write(
          `NOTICE: the table format holds ${TABLE_HOLD_ROWS} rows to size its columns; the rest print in blocks of ${TABLE_HOLD_ROWS} rows (--format csv or ndjson prints any size as it comes)\n`,
        ),
      depth: this.several ? 1 : 0,
      ...(errorColumn === undefined ? {} : { errorColumn }),
    });
  }

  /** json: what goes before a result's array (the document's `[`, or the comma after the last result). */
  private jsonPrefix(): string {
    if (this.o.format !== 'json') return '';
    this.jsonResults++;
    if (!this.several) return '';
    return `${this.jsonResults === 1 ? '[' : ','}\n  `;
  }

  private jsonSuffix(): string {
    return this.o.format === 'json' && !this.several ? '\n' : '';
  }

  /** Writes to stdout; resolves once it took the text, or drained if it was full. */
  private async write(text: string, bar?: ProgressView): Promise<void> {
    if (text === '') return;
    // A bar on the same terminal would be overwritten by rows: it is redrawn at the next progress event.
    if ((this.out as NodeJS.WriteStream).isTTY) bar?.stop();
    if (this.out.write(text)) return;
    // 'close': a reader that went away (| head) never drains; EPIPE ends the process (main.ts).
    await Promise.race([once(this.out, 'drain'), once(this.out, 'close')]);
  }
}

/** Runs and prints `sql` (the REPL's one-shot use). */
export async function runAndPrint(session: Session, sql: string, o: PrintOptions): Promise<boolean> {
  const printer = new ResultPrinter(o, o.format === 'json' ? jsonResultsExpected(session, [sql]) : 1);
  try {
    await printer.run(session, sql);
  } finally {
    printer.end();
  }
  return printer.rowsFailed;
}
