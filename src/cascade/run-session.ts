/**
 * The mutable side of one run: its signal, template scope, warnings, calls and
 * usage. Cells read and append to it; runCascade shapes it into a RunResult.
 */

import { CascadeErrorCode } from './cascade-error.js';
import type { Cascade } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import { RenderOverrun, RenderStopped } from './render-bounds.js';
import type { CallRecord, RunContext, RunUsage } from './run-types.js';

const DEFAULT_MAX_ANSWER_CHARS = 1_048_576;

/** The signal of a run nobody can cancel and nothing times out: never aborts. */
const NEVER = new AbortController().signal;

export class RunSession {
  readonly outputs: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  readonly calls: CallRecord[] = [];
  readonly signal: AbortSignal;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort: (() => void) | undefined;
  private timedOut = false;
  private cacheHits = 0;
  private warned: Set<string> | undefined;

  constructor(
    readonly cascade: Cascade,
    readonly inputs: Readonly<Record<string, unknown>>,
    readonly ctx: RunContext,
  ) {
    const deadline = ctx.call?.limits?.timeoutMs;
    const timeoutMs = deadline !== undefined && deadline > 0 ? deadline : undefined;
    if (timeoutMs === undefined) {
      // No deadline of its own: the caller's signal is the run's signal. A MAP
      // starts thousands of runs a second, and an AbortController plus two
      // listeners per run was a tenth of the cascade layer's time.
      this.signal = ctx.signal ?? NEVER;
      return;
    }
    const controller = new AbortController();
    this.signal = controller.signal;
    this.onAbort = () => controller.abort(CascadeErrorCode.Aborted);
    if (ctx.signal?.aborted) this.onAbort();
    else ctx.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => {
      if (controller.signal.aborted) return;
      this.timedOut = true;
      controller.abort(CascadeErrorCode.Timeout);
    }, timeoutMs);
  }

  /**
   * The statement's signal, for template renders: a render is synchronous, so
   * it stops through the stop poll registered on this signal
   * (render-bounds.ts, thread/abort-flag.ts), which the run's own deadline
   * signal does not carry; overruns are counted per statement on it too.
   */
  get statementSignal(): AbortSignal | undefined {
    return this.ctx.signal;
  }

  /**
   * A failure of a template render as the cell's: a stopped statement's is the
   * run's stop; an overrun names the template's field; anything else unchanged.
   */
  renderFailure(err: unknown, field: string): unknown {
    if (err instanceof RenderStopped) return this.stopFailure();
    if (err instanceof RenderOverrun)
      return new CellFailure(CascadeErrorCode.Template, `${field}: ${err.message}`);
    return err;
  }

  get maxAnswerChars(): number {
    return this.ctx.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
  }

  /** Template scope; `extraState` adds per-turn values (turn, previous, take). */
  scope(extraState: Record<string, unknown> = {}): Record<string, unknown> {
    return { input: this.inputs, outputs: this.outputs, state: { ...this.ctx.state, ...extraState } };
  }

  /** Adds a warning once (a template rendered a thousand times warns once). */
  warn(message: string): void {
    this.warned ??= new Set();
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  /** Throws the abort or timeout failure if the run was stopped. */
  throwIfStopped(): void {
    if (this.signal.aborted) throw this.stopFailure();
  }

  stopFailure(): CellFailure {
    const code = this.timedOut ? CascadeErrorCode.Timeout : CascadeErrorCode.Aborted;
    return new CellFailure(
      code,
      code === CascadeErrorCode.Timeout
        ? `the run passed its deadline of ${this.ctx.call?.limits?.timeoutMs} ms`
        : 'the run was cancelled',
    );
  }

  recordCacheHit(): void {
    this.cacheHits++;
  }

  usage(): RunUsage {
    let tokensIn = 0;
    let tokensOut = 0;
    let cost: number | null = 0;
    let calls = 0;
    for (const c of this.calls) {
      if (c.cache_hit) continue;
      calls++;
      tokensIn += c.tokens_in;
      tokensOut += c.tokens_out;
      cost = cost === null || c.cost === null ? null : cost + c.cost;
    }
    return { calls, tokens_in: tokensIn, tokens_out: tokensOut, cost, cache_hits: this.cacheHits };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.ctx.signal?.removeEventListener('abort', this.onAbort);
  }
}
