/**
 * The mutable side of one run: its signal, template scope, warnings, calls and
 * usage. Cells read and append to it; runCascade shapes it into a RunResult.
 */

import { CascadeErrorCode } from './cascade-error.js';
import type { Cascade } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import type { CallRecord, RunContext, RunUsage } from './run-types.js';

export const DEFAULT_MAX_ANSWER_CHARS = 1_048_576;

export class RunSession {
  readonly outputs: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  readonly calls: CallRecord[] = [];
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => this.controller.abort(CascadeErrorCode.Aborted);
  private abortCode: string | undefined;
  private cacheHits = 0;
  private readonly warned = new Set<string>();

  constructor(
    readonly cascade: Cascade,
    readonly inputs: Readonly<Record<string, unknown>>,
    readonly ctx: RunContext,
  ) {
    this.signal = this.controller.signal;
    this.controller.signal.addEventListener('abort', () => {
      this.abortCode ??= String(this.controller.signal.reason);
    });
    if (ctx.signal?.aborted) this.onAbort();
    else ctx.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (ctx.timeoutMs !== undefined && ctx.timeoutMs > 0) {
      this.timer = setTimeout(() => this.controller.abort(CascadeErrorCode.Timeout), ctx.timeoutMs);
    }
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
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  /** Throws the abort or timeout failure if the run was stopped. */
  throwIfStopped(): void {
    if (this.signal.aborted) throw this.stopFailure();
  }

  stopFailure(): CellFailure {
    const code = this.abortCode ?? CascadeErrorCode.Aborted;
    return new CellFailure(
      code,
      code === CascadeErrorCode.Timeout
        ? `the run passed its deadline of ${this.ctx.timeoutMs} ms`
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
    this.ctx.signal?.removeEventListener('abort', this.onAbort);
  }
}
