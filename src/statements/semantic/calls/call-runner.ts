/**
 * Runs operator calls: a list of input tuples through one cascade, through
 * the statement's row dispatcher (dispatch/row-dispatch.ts), as MAP rows are:
 * cache first, the misses on the worker pool within the statement's window
 * and PARALLEL bound, under its budget, timeout and retries (or, for the sync
 * strategies, on the blocking sync worker). Every call is logged under a
 * session id that names the operator's function. A failed call fails the
 * statement: an operator has no error column.
 */

import { LLM_ERROR } from '../../../../base/error-codes.js';
import { RvbbitError } from '../../../../base/errors.js';
import type { CallLimits } from '../../../cascade/call-limits.js';
import type { TargetCall } from '../../../cascade/call-spec.js';
import { CascadeErrorCode } from '../../../cascade/cascade-error.js';
import type { Cascade } from '../../../cascade/cascade-types.js';
import type { DispatchContext, DispatchTarget } from '../../../dispatch/dispatch-spec.js';
import { dispatchChunkSize, RowDispatch } from '../../../dispatch/row-dispatch.js';
import { contextFigures } from '../../../llm/call-fit.js';
import type { DispatchLayout } from '../../../plan/call-cost.js';
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
import type {
  ChunkResult,
  ChunkRow,
  ChunkTask,
  FailedOutcome,
  RowOutcome,
} from '../../../thread/chunk-protocol.js';
import { StatementPacking, tuplesPerPrompt } from '../cost/packing.js';

/** How the operator calls of a statement run, beside its context and limits. */
export interface CallRunnerOptions {
  /**
   * How the statement packs its tuples (packing.ts): `-- @ batch: n` packs
   * every target n to a prompt; unsaid, the planner sizes each function's
   * groups (PlannedGroup.perPrompt, given as the target's `batch`) and other
   * targets go one tuple to a call.
   */
  readonly packing?: StatementPacking;
  /** Blocking runner for the sync strategies (sequential, vectorized, union_all). */
  readonly runSync?: (task: ChunkTask) => ChunkResult;
  /** Where a window stated by a context-length refusal is noted for EXPLAIN (SemanticShared.learnedWindows). */
  readonly learnedWindows?: Map<string, number>;
}

/** What a cascade is run as: its file, loaded form, and the function name its sessions carry. */
export interface CallTarget {
  readonly path: string;
  readonly cascade: Cascade;
  readonly name: string;
  readonly cacheable: boolean;
  /** sql_function on_invalid = 'null': an answer that never matched the output schema is NULL, not a failure. */
  readonly nullOnInvalid: boolean;
  /** Never packed, whatever `batch` says (a small side planned one call per prompt: pair-plan.ts). */
  readonly noPack?: boolean;
  /**
   * What this target asks of each call beyond the statement's spec
   * (cascade/call-spec.ts): its own model and confidence (a proxy's), a list
   * answer's item count (a dimension's discovery).
   */
  readonly call?: TargetCall;
  /** Tuples per prompt for this target, instead of the statement's `batch`. */
  readonly batch?: number;
}

/** A function's own calls: its cascade, logged under its name, cached and NULL on an invalid answer as it declares. */
export function targetOf(fn: SemanticFunction): CallTarget {
  return {
    path: fn.cascadePath,
    cascade: fn.lazy.cascade,
    name: fn.name,
    cacheable: fn.sql.cache,
    nullOnInvalid: fn.sql.onInvalid === 'null',
  };
}

/** A runner given no packing: one tuple per call. */
const UNPACKED = new StatementPacking(1, undefined, {
  llm: { defaultModel: '' },
  learnedWindows: new Map(),
});

/** Whether a failed call gives NULL instead of failing the statement. */
function nullInstead(target: CallTarget, o: FailedOutcome): boolean {
  return target.nullOnInvalid && o.errorCode === CascadeErrorCode.OutputInvalid;
}

/**
 * A tuple's call over the model's limits: its prompt longer than the context
 * window, or its answer cut at the output cap even after the client's retry
 * (llm/call-fit.ts). It fails that tuple alone: `run` answers it NULL and
 * tells the statement's caller which tuple, `runWithinLimits` hands it back
 * (an aggregate reduces its group instead, aggregate-reduce.ts).
 */
export class CallOverLimit {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

const LIMIT_CODES: readonly string[] = [LLM_ERROR.CONTEXT_TOO_LONG, LLM_ERROR.OUTPUT_TRUNCATED];

/** Models whose learned window EXPLAIN remembers (SemanticShared.learnedWindows), at most. */
export const MAX_LEARNED_WINDOWS = 256;

/** At most this many notices name a statement's tuples over the model's limits; then one says how many more. */
const LIMIT_NOTICES = 10;

/** What one run's calls cost (a cached answer costs nothing); `unpriced`: rows whose cost is unknown. */
export interface DollarTally {
  dollars: number;
  unpriced: number;
}

export class CallRunner {
  private readonly rows: RowDispatch;
  private readonly targets = new Map<CallTarget, DispatchTarget>();

  /** Progress events count operator calls: total = tuples seen so far, done = tuples answered. */
  constructor(
    private readonly ctx: DispatchContext,
    private readonly limits: CallLimits,
    private readonly o: CallRunnerOptions = {},
  ) {
    this.rows = new RowDispatch(ctx, limits);
  }

  get calls(): number {
    return this.rows.progress.calls;
  }

  get cacheHits(): number {
    return this.rows.progress.cacheHits;
  }

  get cost(): number | null {
    return this.rows.cost();
  }

  /** The statement's spend account (its budget buffer), shared with its embedding calls. */
  get spend(): { add(dollars: number, tokens: number): void; spent(): { dollars: number; tokens: number } } {
    return { add: (d, t) => this.rows.addSpend(d, t), spent: () => this.rows.spent() };
  }

  /**
   * Outputs of the cascade for every input, in order (cache first, misses on
   * the pool); a tuple over the model's limits is NULL, and a notice names it.
   */
  async run(
    target: CallTarget,
    inputs: readonly Record<string, unknown>[],
    tally?: DollarTally,
  ): Promise<unknown[]> {
    return this.nullOverLimits(target, inputs.length, await this.runWithinLimits(target, inputs, tally));
  }

  /** The same, with a tuple over the model's limits as its CallOverLimit. */
  async runWithinLimits(
    target: CallTarget,
    inputs: readonly Record<string, unknown>[],
    tally?: DollarTally,
  ): Promise<(unknown | CallOverLimit)[]> {
    const out = new Array<unknown>(inputs.length);
    let answered = 0;
    let failed: FailedOutcome | undefined;
    const sink = {
      accept: (outcomes: readonly RowOutcome[]) => {
        for (const o of outcomes) {
          answered++;
          if (tally) {
            if (o.cost === null) tally.unpriced++;
            else tally.dollars += o.cost;
          }
          if (o.ok) out[o.index] = o.output;
          else if (nullInstead(target, o)) out[o.index] = null;
          else if (LIMIT_CODES.includes(o.errorCode)) out[o.index] = this.overLimit(o.errorCode, o.error);
          else failed ??= o;
        }
      },
    };
    await this.rows.run(this.dispatchTarget(target), pagesOf(inputs), sink);
    if (failed) throw callFailed(target, failed);
    if (answered < inputs.length) throw this.stopReason(target);
    return out;
  }

  /** Tuples over the model's limits as NULL, each named to the statement's caller (the first few). */
  nullOverLimits(target: CallTarget, total: number, outputs: unknown[]): unknown[] {
    let over = 0;
    outputs.forEach((o, i) => {
      if (!(o instanceof CallOverLimit)) return;
      outputs[i] = null;
      if (++over <= LIMIT_NOTICES)
        this.ctx.onNotice?.(`${target.name}: input ${i + 1} of ${total} is NULL: ${o.code}: ${o.message}`);
    });
    if (over > LIMIT_NOTICES)
      this.ctx.onNotice?.(
        `${target.name}: ${over - LIMIT_NOTICES} more inputs are NULL over the model's limits`,
      );
    this.overLimits += over;
    return outputs;
  }

  /** Tuples answered NULL because their calls were over the model's limits. */
  overLimits = 0;

  /** A tuple over the model's limits; the window a context-length refusal states is noted for EXPLAIN. */
  private overLimit(code: string, message: string): CallOverLimit {
    if (code === LLM_ERROR.CONTEXT_TOO_LONG && this.o.learnedWindows) {
      const figures = contextFigures(message);
      if (figures) {
        const learned = this.o.learnedWindows;
        // Models are named by clients: the engine keeps the latest few, the oldest forgotten first.
        learned.delete(figures.model);
        if (learned.size >= MAX_LEARNED_WINDOWS) learned.delete(learned.keys().next().value!);
        learned.set(figures.model, figures.window);
      }
    }
    return new CallOverLimit(code, message);
  }

  /** The same, blocking the main thread (inside a DuckDB function); cache writes and logs wait for `flush`. */
  runBlocking(target: CallTarget, inputs: readonly Record<string, unknown>[]): unknown[] {
    const out = new Array<unknown>(inputs.length);
    const rows = inputs.map((values, index): ChunkRow => ({ index, inputs: values }));
    for (const o of this.rows.runBlocking(this.dispatchTarget(target), rows, this.o.runSync!)) {
      if (o.ok) out[o.index] = o.output;
      else if (nullInstead(target, o)) out[o.index] = null;
      else if (LIMIT_CODES.includes(o.errorCode)) out[o.index] = this.overLimit(o.errorCode, o.error);
      else throw callFailed(target, o);
    }
    return this.nullOverLimits(target, inputs.length, out);
  }

  /** Waits for logs and cache writes; releases the statement's workers. */
  async flush(): Promise<void> {
    await this.rows.close();
  }

  private dispatchTarget(target: CallTarget): DispatchTarget {
    let t = this.targets.get(target);
    if (!t) {
      t = {
        spec: {
          cascade: { path: target.path, hash: target.cascade.contentHash },
          limits: this.limits,
          sessionPrefix: `sql_fn_${target.name}_`,
          ...target.call,
          ...(this.packsFor(target) ? { batchSize: this.perPrompt(target), pack: true } : {}),
        },
        cascade: target.cascade,
        cacheable: target.cacheable,
        callerId: 'semantic',
        stopOnFailure: true,
        toleratedCodes: target.nullOnInvalid ? [CascadeErrorCode.OutputInvalid, ...LIMIT_CODES] : LIMIT_CODES,
      };
      this.targets.set(target, t);
    }
    return t;
  }

  /** How the dispatcher cuts a target's tuples (dispatchLayout): what the run's price of its calls reads. */
  get layout(): DispatchLayout {
    return dispatchLayout(this.limits, this.ctx.pool);
  }

  /** The statement's packing rule (one call per tuple when the runner was given none). */
  get packing(): StatementPacking {
    return this.o.packing ?? UNPACKED;
  }

  /** Tuples of `target` per prompt: its own batch, else the statement's explicit one, when they go packed; else 1. */
  perPrompt(target: CallTarget): number {
    return tuplesPerPrompt(target, this.packing.explicit);
  }

  /** Whether `target`'s tuples go packed (`-- @ batch: n`, n ≥ 2, and a cascade that can be). */
  packsFor(target: CallTarget): boolean {
    return this.perPrompt(target) > 1;
  }

  /** Why some tuples got no answer: the statement stopped (an error, a cancel, another function's failure). */
  private stopReason(target: CallTarget): unknown {
    if (this.rows.fatal !== undefined) return this.rows.fatal;
    if (this.ctx.signal?.aborted) return new RvbbitError('CANCELLED', 'statement cancelled');
    const other = this.rows.firstFailure;
    return other
      ? new RvbbitError(
          'SEMANTIC_CALL_FAILED',
          `${target.name} stopped: another call failed: ${other.errorCode}: ${other.error}`,
          { function: target.name, cause: other.errorCode },
        )
      : new RvbbitError('ENGINE_ERROR', `${target.name}: some calls got no answer`);
  }
}

/**
 * Tuples per page into the dispatcher. A page's cache keys are hashed and
 * looked up in one synchronous stretch: ENTITY's 110,000 pairs as one page
 * held a server's main thread for 1.5 s; a page of this size takes ~30 ms.
 */
const PAGE_ROWS = 2048;

/**
 * How this runner's dispatcher cuts a target's tuples (call-cost.ts
 * DispatchLayout): pages of PAGE_ROWS (one page of every page's misses under
 * batch delivery), chunks of the dispatcher's chunk size. EXPLAIN prices by
 * it (from the statement's limits and the pool); the run's own price of a split reads
 * the runner's (CallRunner.layout).
 */
export function dispatchLayout(
  limits: Pick<CallLimits, 'parallel' | 'delivery'>,
  pool: DispatchContext['pool'],
): DispatchLayout {
  return {
    pageTuples: limits.delivery === 'batch' ? Number.POSITIVE_INFINITY : PAGE_ROWS,
    chunkRuns: dispatchChunkSize(limits, pool),
  };
}

async function* pagesOf(inputs: readonly Record<string, unknown>[]): AsyncGenerator<ChunkRow[]> {
  for (let start = 0; start < inputs.length; start += PAGE_ROWS) {
    const end = Math.min(inputs.length, start + PAGE_ROWS);
    const page: ChunkRow[] = [];
    for (let index = start; index < end; index++) page.push({ index, inputs: inputs[index]! });
    yield page;
  }
}

function callFailed(target: CallTarget, failed: FailedOutcome): RvbbitError {
  return new RvbbitError(
    'SEMANTIC_CALL_FAILED',
    `${target.name} failed: ${failed.errorCode}: ${failed.error}`,
    {
      function: target.name,
      cause: failed.errorCode,
    },
  );
}
