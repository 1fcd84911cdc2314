/** How a caller runs one statement: cancel it, watch its progress, hear its notices. */
import type { ResultColumn } from '../db/query-result.js';
import type { Progress } from '../dispatch/progress.js';

/** How a notice is shown: Postgres's NOTICE or WARNING (psql prints the word before it). */
export type NoticeSeverity = 'notice' | 'warning';

export interface QueryOptions {
  /** Aborting stops new work and aborts in-flight LLM calls; finished rows stay cached. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /**
   * Things worth telling the user that are not errors: a warning when what ran
   * differs from what was asked (a MAP's auto-LIMIT cut its input, PARALLEL
   * capped), a notice where Postgres says NOTICE (DROP … IF EXISTS of nothing).
   * Omitted severity is a warning.
   */
  readonly onNotice?: (text: string, severity?: NoticeSeverity) => void;
  /**
   * Plain SQL's rows carry DuckDB's own values (@duckdb/node-api's
   * DuckDBValue: timestamps in microseconds, DuckDBDecimalValue,
   * DuckDBListValue …) instead of JS values, which cut timestamps to
   * milliseconds and decimals to a double; for callers that encode them
   * exactly (the Postgres server). Other statements' rows stay JS values.
   */
  readonly exactValues?: boolean;
  /**
   * Called once a statement that plans model work (a MAP, a RUN, a semantic
   * SELECT) has ended, succeeded or not, with what it spent, as its
   * `rvbbit.unified_logs` rows say: the CLI's cost line.
   */
  readonly onSpent?: (spent: StatementSpend) => void;
  /**
   * `stream` only: called once, before the first batch, with the columns the
   * rows are keyed by (rowKeys), so a printer can write a header before any
   * row arrives. A streamed MAP's end in `_error` (a stream cannot know that
   * no later row fails); a kind that runs whole gives its result's columns.
   */
  readonly onColumns?: (columns: readonly ResultColumn[]) => void;
}

/** What one statement's model calls spent. */
export interface StatementSpend {
  /** Model calls made (cache hits not counted). */
  readonly calls: number;
  readonly cacheHits: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** null: some call had no price (its model is not in the price table). */
  readonly dollars: number | null;
}
