/**
 * What createEngine() takes: each option with its default and its bound, apart
 * from the engine's workings (engine.ts) so the one can be read without the other.
 */
import type { CascadeRoots } from '../plan/cascade-roots.js';
import type { QueueOptions } from '../scale/queue-options.js';
import type { ChunkRunner } from '../thread/chunk-runner.js';
import type { ProviderOption } from './provider.js';

export interface EngineOptions {
  /** A DuckDB file path, or ':memory:' (default). */
  readonly database?: string;
  /**
   * Folders cascade paths resolve in and operator files are found in (each
   * must exist), or `{ paths, operators }` apart (what the CLI passes). Default:
   * paths in the working directory and the shipped `cascades/`, operators in
   * `./cascades/` if it exists (src/plan/operator-catalog.ts says the rule).
   */
  readonly cascadeRoots?: readonly string[] | CascadeRoots;
  /**
   * Called once per problem the engine skips at start (an operator file that
   * does not load: only statements that use it fail). Default: process.emitWarning.
   */
  readonly onWarning?: (message: string) => void;
  /** Default: RVBBIT_BASE_URL / an API key from the environment, else the built-in simulator. */
  readonly provider?: ProviderOption;
  /** PARALLEL when a statement does not say (default 1). */
  readonly defaultParallel?: number;
  /** Worker threads (default: cores − 1, at least 1, at most 4). */
  readonly threads?: number;
  /** false disables the result cache; `ttl` ('1d', or ms) sets a default expiry. */
  readonly cache?:
    | boolean
    | { readonly ttl?: string | number; readonly maxEntries?: number; readonly maxBytes?: number };
  /**
   * A pair predicate (`a ~ b`, `LLM_FILTER('…', a, b)`) with at most this many
   * distinct values on one side may take one call per other-side value, when
   * a statement does not say `-- @ small_side: n` (default 64; 0 to 1024, 0 = never).
   */
  readonly smallSideLimit?: number;
  /**
   * false: a pair condition is never split into per-row labels compared, when a
   * statement does not say `-- @ pair_split` (default true: split when a sample of
   * pairs shows it agrees with the pairwise answers; pair-split.ts).
   */
  readonly pairSplit?: boolean;
  /**
   * DuckDB's `memory_limit` (its size text: '256MB', '2GB'); default 1GB
   * (db/spill-settings.ts). What a statement holds in DuckDB past it spills:
   * a database file's to `<file>.tmp`, the in-memory database's to a private
   * folder under the system's temp folder, removed when the engine closes.
   */
  readonly memoryLimit?: string;
  /**
   * DuckDB's `memory_limit` while a statement with LLM work (MAP, RUN, a semantic
   * operator) has run a second, when below `memoryLimit` (default '256MB'; the same as
   * `memoryLimit`: never lowered). While a MAP streams its rows into a table or file (CTAS,
   * INSERT, COPY … TO) the bound is 64MB where that is lower, 96MB while a Parquet COPY writes
   * its file and 48MB while an INSERT's rows are copied into its table (WRITE_MEMORY_LIMIT,
   * db/llm-work-bound.ts); a COPY to CSV or JSON, or to Parquet with row groups the user sized,
   * writes its file after its calls under `memoryLimit` again.
   * Such a statement writes for as long as its calls take, and what DuckDB
   * caches meanwhile (the written table's blocks, its log rows) is evicted or
   * spilled past it; plain SQL keeps `memoryLimit`. A `SET memory_limit` wins.
   */
  readonly llmMemoryLimit?: string;
  /**
   * Rows each log table (`rvbbit.unified_logs`, `rvbbit.queries`) of an
   * in-memory database keeps: the newest, older ones deleted (default
   * 200,000; at least 1; obs/call-log-ring.ts, obs/log-retention.ts). A
   * database file's log keeps every row (it is on disk).
   */
  readonly maxLogRows?: number;
  /**
   * Distinct operator tuples one record pass of a semantic statement holds
   * waiting for their answers (default 8192; at least 1): past it, the
   * pass's other tuples wait for the next pass, so a million-row statement
   * holds at most this many inputs at once (docs/performance.md).
   */
  readonly tuplesPerPass?: number;
  /**
   * Answers a semantic statement holds in memory (default 65,536; at least
   * 1): past them they move to a file of the statement's own, read back
   * from there, so a million-row statement's answers do not grow its memory
   * (docs/performance.md).
   */
  readonly answersInMemory?: number;
  /**
   * Distinct tuples of one operator packed into one prompt when a statement
   * does not say `-- @ batch: n` (1: one call per tuple). Default: chosen per
   * operator, one-value operators packed up to 16 to a prompt (a pair
   * predicate's pairs too, its blocks priced then) within the
   * model's context window and output cap (docs/semantic-sql.md "Packing";
   * a packed prompt is not what a model sees of one row alone: check it on
   * your data with `rvbbit eval --candidate "-- @ batch: 1"`).
   */
  readonly operatorBatch?: number;
  /**
   * Folders `IMAGE('path')` may read image files from (each must exist; a
   * file's real path must be inside one, so a symlink cannot lead out; a
   * relative path is taken from the first). Default: none, so IMAGE() takes
   * BLOBs, data: and https:// URLs only (docs/images.md).
   */
  readonly imageFolders?: readonly string[];
  /**
   * Folders rvbbit's own file readers may read: `DOCUMENT_TEXT('path')`,
   * `DOCUMENT_PAGES('path')` and `IMAGE('path')` (one list: `imageFolders`
   * is its older name, and both lists are joined). Each must exist; a file's
   * real path must be inside one. Default: none (docs/documents.md).
   */
  readonly dataFolders?: readonly string[];
  /** Largest document DOCUMENT_TEXT and DOCUMENT_PAGES take, in bytes (default 64 MiB). */
  readonly maxDocumentBytes?: number;
  /** Longest one document's parse may take before it fails with DOCUMENT_PARSE_LIMIT (default 60 s). */
  readonly documentParseDeadlineMs?: number;
  /** Bytes a document's compressed parts (a DOCX body, a PDF's streams) may inflate to, in all (default 64 MiB). */
  readonly maxDocumentInflateBytes?: number;
  /** Documents parsed at once off the main thread, a parser thread each (default 4; docs/documents.md). */
  readonly documentParserThreads?: number;
  /** Each parser thread's heap cap in MB (default 512). */
  readonly documentParserHeapMb?: number;
  /** Largest image IMAGE() takes, in bytes (default 20 MiB, OpenAI's limit per image). */
  readonly maxImageBytes?: number;
  /**
   * Bytes of image files (IMAGE('path')) the process's LLM requests hold at
   * once, across statements, clients and worker threads (default 64 MiB, at
   * most 1 GiB): a request waits for room before it reads its files, so a
   * statement over many large images holds a few at a time (docs/images.md).
   */
  readonly maxImageBytesInFlight?: number;
  /** Embedding model of EMBED, SIMILAR_TO, VECTOR_SEARCH and `~` prefilters when none is named (default text-embedding-3-small). */
  readonly embedModel?: string;
  /**
   * 'private': each session sees only its own rows of rvbbit.queries,
   * unified_logs and jobs (a server's clients; see obs/private-logs.ts).
   * Default 'shared': every session sees every row.
   */
  readonly logs?: 'shared' | 'private';
  /**
   * Scale-out: cache misses go as chunk jobs to this Redis, where `rvbbit
   * worker` processes on any host run them (scale/queue-runner.ts). Cache,
   * logs and cascade roots stay here. Default: every row runs locally.
   */
  readonly queue?: QueueOptions;
  /**
   * @internal For the engine's own tests, the one seam into how chunks run
   * (left out of the package's declarations): called once, when the first
   * chunk runs, with `make`, which makes the runner the engine would use (the
   * queue runner, else the local pool) or, given a worker entry module, a
   * local pool whose workers run that module instead of
   * workers/cascade-thread.ts (a test's, which wraps it). What it returns is
   * where every statement's chunks go: a wrapper that watches chunks, or one
   * whose worker dies mid-chunk (test/thread/runner-faults.ts).
   */
  readonly wrapRunner?: (make: (workerEntry?: string) => ChunkRunner) => ChunkRunner;
}
