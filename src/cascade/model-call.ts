/**
 * One model call for a cell: cache lookup, the call itself, its CallRecord,
 * and errors turned into CellFailure (an aborted run is ABORTED or
 * CASCADE_TIMEOUT whatever the client said).
 */
import { createHash } from 'node:crypto';
import { type ErrorCode, errorMessage, RvbbitError } from '../../base/errors.js';
import { FailedCallError } from '../llm/errors.js';
import type { ChatMessage, ChatResult, ResponseFormat } from '../llm/types.js';
import { CascadeErrorCode } from './cascade-error.js';
import { CellFailure } from './cell-failure.js';
import type { RunSession } from './run-session.js';
import type { CallRecord } from './run-types.js';

export interface ModelCall {
  readonly cell: string;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly responseFormat?: ResponseFormat;
  readonly role: 'cell' | 'evaluator';
  readonly attempt: number;
  readonly turn: number;
  readonly take?: number;
  /** Ask for the answer's logprobs (a proxy's score, confidence.ts); `top_logprobs` alternatives per token. */
  readonly topLogprobs?: number;
}

export interface ModelAnswer {
  readonly content: string;
  /** With topLogprobs, when the provider gave them: P(true) of each boolean of the answer, in order. */
  readonly trueProbabilities?: readonly number[];
  /** With topLogprobs, when the provider gave them: the probability of each string value (a label), in order. */
  readonly labelProbabilities?: readonly number[];
  /** Set when the client refused the answer itself (not JSON, empty): counts as an invalid attempt. */
  readonly rejected?: { readonly code: ErrorCode; readonly why: string };
  /** Stores the answer in the result cache; call once it proved valid. */
  remember(): void;
}

/**
 * One CallRecord. The common fields go in one literal, so records share a
 * shape and this hot path stays monomorphic (conditional spreads made a new
 * shape per call); the rare ones (`error`, `take`) are added only when set, so
 * the record stays plain JSON data.
 */
function record(
  call: ModelCall,
  model: string,
  startedAt: number,
  durationMs: number,
  fields: Pick<CallRecord, 'tokens_in' | 'tokens_out' | 'cost' | 'status' | 'cache_hit'> & {
    readonly error?: string;
    readonly answered_by?: string;
  },
  result?: ChatResult,
): CallRecord {
  const r: { -readonly [K in keyof CallRecord]: CallRecord[K] } = {
    cell: call.cell,
    model,
    started_at: startedAt,
    duration_ms: durationMs,
    tokens_in: fields.tokens_in,
    tokens_out: fields.tokens_out,
    cost: fields.cost,
    status: fields.status,
    attempt: call.attempt,
    turn: call.turn,
    role: call.role,
    cache_hit: fields.cache_hit,
  };
  if (fields.answered_by !== undefined) r.answered_by = fields.answered_by;
  if (fields.error !== undefined) r.error = fields.error;
  if (call.take !== undefined) r.take = call.take;
  if (result) {
    // What the provider did with the call: cached prompt tokens, the schema's
    // route (and why a weaker one), Batch API delivery.
    if (result.usage.tokensCached) r.tokens_cached = result.usage.tokensCached;
    if (result.structured !== undefined) r.response_format = result.structured;
    const warning = callWarning(result.structuredWarning, result.providerWarning, result.usage.estimated);
    if (warning !== undefined) r.warning = warning;
    if (result.delivery !== undefined) r.delivery = result.delivery;
  }
  return r;
}

export async function callModel(session: RunSession, call: ModelCall): Promise<ModelAnswer> {
  session.throwIfStopped();
  const { ctx } = session;
  const key = ctx.cache ? cacheKey(session.cascade.contentHash, call) : undefined;
  if (ctx.cache && key) {
    const cached = await ctx.cache.get(key);
    if (cached !== undefined) {
      const hit = call.topLogprobs === undefined ? { content: cached } : fromEnvelope(cached);
      session.recordCacheHit();
      session.calls.push(
        record(call, call.model, Date.now(), 0, {
          tokens_in: 0,
          tokens_out: 0,
          cost: 0,
          status: 'ok',
          cache_hit: true,
          answered_by: 'cache',
        }),
      );
      return { ...hit, remember: NOTHING };
    }
  }
  const startedAt = Date.now();
  try {
    const maxTokens = ctx.call?.limits?.maxTokens;
    const result = await ctx.llm.chat(
      {
        model: call.model,
        messages: call.messages,
        responseFormat: call.responseFormat,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(call.topLogprobs === undefined ? {} : { topLogprobs: call.topLogprobs }),
      },
      { signal: session.signal, retries: ctx.call?.limits?.retries },
    );
    session.calls.push(
      record(
        call,
        result.model || call.model,
        startedAt,
        result.durationMs,
        {
          tokens_in: result.usage.tokensIn,
          tokens_out: result.usage.tokensOut,
          cost: result.usage.cost,
          status: 'ok',
          cache_hit: false,
          answered_by: result.answeredBy,
        },
        result,
      ),
    );
    const content = typeof result.content === 'string' ? result.content : '';
    if (content.length > session.maxAnswerChars) {
      throw new CellFailure(
        CascadeErrorCode.OutputTooLarge,
        `the answer has ${content.length} characters; at most ${session.maxAnswerChars} are allowed`,
      );
    }
    const probabilities = {
      ...(result.trueProbabilities ? { trueProbabilities: result.trueProbabilities } : {}),
      ...(result.labelProbabilities ? { labelProbabilities: result.labelProbabilities } : {}),
    };
    if (!ctx.cache || !key) return { content, ...probabilities, remember: NOTHING };
    const cache = ctx.cache;
    // A call that asked for logprobs keeps them with its answer (its key is its own, cacheKey).
    const stored = call.topLogprobs === undefined ? content : JSON.stringify({ content, ...probabilities });
    return {
      content,
      ...probabilities,
      remember: () => void Promise.resolve(cache.set(key, stored)).catch(() => {}),
    };
  } catch (err) {
    if (err instanceof CellFailure) throw err;
    const failure = session.signal.aborted ? session.stopFailure() : toFailure(err);
    const sent = err instanceof FailedCallError ? err : undefined;
    const failed: { -readonly [K in keyof CallRecord]: CallRecord[K] } = record(
      call,
      call.model,
      startedAt,
      Date.now() - startedAt,
      {
        tokens_in: 0,
        tokens_out: 0,
        cost: 0,
        status: 'error',
        error: `${failure.code}: ${failure.message}`,
        cache_hit: false,
      },
    );
    // Refused by the client itself (over a limit it knows): logged with its error, not counted as a call.
    if (sent?.attemptsSent === 0) failed.sent = false;
    const warning = callWarning(undefined, sent?.providerWarning, undefined);
    if (warning !== undefined) failed.warning = warning;
    session.calls.push(failed);
    const rejected = rejectedAnswer(failure);
    if (rejected) return { content: '', rejected, remember: NOTHING };
    throw failure;
  }
}

const NOTHING = (): void => {};

/**
 * A call's `warning` for its log row: a refused response_format, a provider
 * header cut to the deadline, token figures counted from the text because the
 * provider's were no counts; undefined when none.
 */
function callWarning(
  structured: string | undefined,
  provider: string | undefined,
  usageEstimated: string | undefined,
): string | undefined {
  const parts = [
    structured,
    provider,
    usageEstimated === undefined ? undefined : `usage estimated: ${usageEstimated}`,
  ];
  const said = parts.filter((p): p is string => p !== undefined);
  return said.length === 0 ? undefined : said.join('; ');
}

function toFailure(err: unknown): CellFailure {
  if (!(err instanceof RvbbitError)) return new CellFailure('LLM_ERROR', errorMessage(err));
  if (err.code === 'LLM_RESPONSE_TOO_LARGE') {
    return new CellFailure(CascadeErrorCode.OutputTooLarge, `${err.code}: ${err.message}`);
  }
  return new CellFailure(err.code, err.message);
}

/** Answers the client itself refused as content, which a retry with the problem stated may fix. */
function rejectedAnswer(failure: CellFailure): ModelAnswer['rejected'] {
  if (failure.code === 'LLM_BAD_JSON')
    return { code: CascadeErrorCode.OutputInvalid, why: `the answer is not JSON (${failure.message})` };
  if (failure.code === 'LLM_BAD_RESPONSE' && /\bempty\b/i.test(failure.message)) {
    return { code: CascadeErrorCode.OutputEmpty, why: 'the answer is empty' };
  }
  return undefined;
}

function cacheKey(contentHash: string, call: ModelCall): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        contentHash,
        call.cell,
        call.role,
        call.model,
        call.messages,
        call.responseFormat ?? null,
        // An answer with logprobs is kept apart from one without (fromEnvelope).
        ...(call.topLogprobs === undefined ? [] : ['logprobs']),
      ]),
    )
    .digest('hex');
}

/** A cached answer of a call that asked for logprobs: `{content, trueProbabilities?, labelProbabilities?}` as JSON. */
function fromEnvelope(text: string): {
  content: string;
  trueProbabilities?: readonly number[];
  labelProbabilities?: readonly number[];
} {
  const numbers = (p: unknown): p is number[] => Array.isArray(p) && p.every((x) => typeof x === 'number');
  try {
    const v = JSON.parse(text) as {
      content?: unknown;
      trueProbabilities?: unknown;
      labelProbabilities?: unknown;
    };
    if (typeof v.content === 'string') {
      return {
        content: v.content,
        ...(numbers(v.trueProbabilities) ? { trueProbabilities: v.trueProbabilities } : {}),
        ...(numbers(v.labelProbabilities) ? { labelProbabilities: v.labelProbabilities } : {}),
      };
    }
  } catch {
    // not an envelope: the plain answer
  }
  return { content: text };
}
