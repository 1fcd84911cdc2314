/**
 * Runs SQL text statement by statement on an engine session and prints each
 * result in the chosen format; shared by `rvbbit query` and the REPL. Notices
 * (an auto-LIMIT that cut the input) and the cost line of a statement that
 * plans model work go to stderr.
 */

import { formatCost } from '../../base/dollars.js';
import { RvbbitError } from '../../base/errors.js';
import type { QueryResult } from '../db/query-result.js';
import type { StatementSpend } from '../engine/query-options.js';
import type { Session } from '../engine/session.js';
import { type OutputFormat, renderJsonResults, renderResult } from '../output/render-result.js';
import { completionOf } from '../server/command-tag.js';
import { ERROR_COLUMN } from '../statements/map/map-output.js';
import { progressBar } from './progress-bar.js';

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

export class ResultPrinter {
  /** True once a printed MAP result had failed rows. */
  rowsFailed = false;
  /** json: results held until end(), to print one document. */
  private readonly held: QueryResult[] = [];

  constructor(private readonly o: PrintOptions) {}

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
      try {
        if (this.o.signal.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
        const result = await stmt.run(undefined, {
          signal: this.o.signal,
          onProgress: bar.onProgress,
          onNotice: (text) => {
            bar.stop();
            process.stderr.write(`NOTICE: ${text}\n`);
          },
          ...(onSpent ? { onSpent } : {}),
        });
        bar.stop();
        if (result.columns.some((c) => c.name === ERROR_COLUMN) && stmt.kind !== 'SqlStatement') {
          this.rowsFailed = true;
        }
        this.print(stmt.text, result);
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

  /** Prints what was held (json). */
  end(): void {
    if (this.o.format !== 'json' || this.held.length === 0) return;
    if (this.held.length === 1) this.out.write(renderResult(this.held[0]!, 'json'));
    else this.out.write(renderJsonResults(this.held));
    this.held.length = 0;
  }

  private print(text: string, result: QueryResult): void {
    const done = completionOf(text, result);
    if (!done.rows) {
      if (this.o.format === 'table') this.out.write(`${done.tag}\n`);
      return;
    }
    if (this.o.format === 'json') this.held.push(result);
    else this.out.write(renderResult(result, this.o.format));
  }
}

/** Runs and prints `sql` (the REPL's one-shot use). */
export async function runAndPrint(session: Session, sql: string, o: PrintOptions): Promise<boolean> {
  const printer = new ResultPrinter(o);
  try {
    await printer.run(session, sql);
  } finally {
    printer.end();
  }
  return printer.rowsFailed;
}
