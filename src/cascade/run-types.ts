/**
 * What runCascade takes and returns.
 * @see ../../docs/cascades.md ("Results of one run")
 */
import type { ErrorCode } from '../../base/errors.js';
import type { LlmClient, StructuredMode } from '../llm/types.js';
import type { RunCall } from './call-spec.js';
import type { CascadeHost } from './host.js';

/** How a client reaches a provider, and a worker's image access (llm/), for the same layers (thread/chunk-protocol.ts). */
export type { ProviderSettings } from '../llm/client-options.js';
export type { ImageFileAccess } from '../llm/image-files.js';
/** The price table (llm/pricing.ts), for layers that reach the LLM client only through the cascade's types. */
export type { ModelPrice, PriceTable } from '../llm/pricing.js';

/** Optional result cache the engine plugs in (keyed by cascade content, cell, model, prompt). */
export interface CellCache {
  get(key: string): Promise<string | undefined> | string | undefined;
  set(key: string, content: string): Promise<void> | void;
}

export interface RunContext {
  readonly llm: LlmClient;
  /** Needed by `sql_data` cells. */
  readonly host?: CascadeHost;
  /** Cancels the run: no further calls, status failed with code ABORTED. */
  readonly signal?: AbortSignal;
  readonly defaultModel: string;
  /**
   * What the call asks of the run (call-spec.ts): the model over every cell's
   * own, the run's deadline (expiry fails it with CASCADE_TIMEOUT) and
   * attempts per LLM call, a list answer's item count, a confidence.
   */
  readonly call?: RunCall;
  /** 'udf' | 'batch' | 'sql_fn_<name>'. */
  readonly sessionPrefix?: string;
  /** Use this id instead of making one. */
  readonly sessionId?: string;
  /** Initial `state` seen by templates. */
  readonly state?: Readonly<Record<string, unknown>>;
  /** Answers longer than this (characters) fail the cell (default 1 MiB). */
  readonly maxAnswerChars?: number;
  readonly cache?: CellCache;
  /**
   * `-- @ batch: n` for an operator: these tuples' prompts go packed into one
   * call (packed-prompt.ts); `inputs` of the run is the first tuple's.
   */
  readonly packRows?: readonly Readonly<Record<string, unknown>>[];
}

export interface RunUsage {
  readonly calls: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  /** Dollars; null if any call's cost is unknown. */
  readonly cost: number | null;
  readonly cache_hits: number;
}

export interface RunErrorRecord {
  /** The cell that failed; null for run-level errors (missing input, abort before any cell). */
  readonly cell: string | null;
  readonly code: ErrorCode;
  readonly message: string;
}

/** One LLM call (or cache hit), for rvbbit.unified_logs. */
export interface CallRecord {
  readonly cell: string;
  readonly model: string;
  /** ms since the epoch. */
  readonly started_at: number;
  readonly duration_ms: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  readonly cost: number | null;
  readonly status: 'ok' | 'error';
  readonly error?: string;
  /** 1-based validation attempt within the turn. */
  readonly attempt: number;
  /** 1-based turn of a looping cell. */
  readonly turn?: number;
  /** 0-based take index; undefined for a cell without takes and for the evaluator. */
  readonly take?: number;
  /** 'cell' for the cell's own prompt, 'evaluator' for picking among takes. */
  readonly role?: 'cell' | 'evaluator';
  readonly cache_hit?: boolean;
  /** Which endpoint answered ('simulator', a host name, or 'cache'). */
  readonly answered_by?: string;
  /** Of tokens_in, those the provider served from its prompt cache (priced at `cached_in`). */
  readonly tokens_cached?: number;
  /** How the output schema reached the model (absent: the call had none); see ChatResult.structured. */
  readonly response_format?: StructuredMode;
  /** Why a weaker response_format was used: the provider's refusal of a stronger one. */
  readonly warning?: string;
  /** 'batch' when the answer came through the provider's Batch API (priced with its batch_discount). */
  readonly delivery?: 'batch';
  /**
   * false: the client refused the call without sending it (over a limit it
   * knows); logged with its error, but not one of the statement's calls,
   * which count requests sent (absent: sent, or a cache hit).
   */
  readonly sent?: false;
}

export interface RunResult {
  readonly status: 'success' | 'failed';
  readonly session_id: string;
  readonly cascade_id: string;
  /** Output of every cell that finished, by name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The last cell that finished successfully; null if none did. */
  readonly last_cell: string | null;
  readonly usage: RunUsage;
  readonly errors: readonly RunErrorRecord[];
  readonly warnings: readonly string[];
  readonly calls: readonly CallRecord[];
  readonly duration_ms: number;
}
