/**
 * Reading one HTTP reply of a chat call: a status worth another attempt
 * becomes a RetryableFailure; a good body becomes the answer (text, model,
 * usage, who answered); anything else an LlmError naming the host, with the
 * API key redacted from every excerpt.
 */

import { SIM_HEADER } from '../runtime/simulator-mark.js';
import { contextTooLong, outputTruncated } from './call-fit.js';
import { excerpt, LLM_ERROR, llmError, RetryableFailure } from './errors.js';
import { booleanProbabilities, stringProbabilities } from './logprobs.js';
import { statedContextWindow } from './model-limits.js';
import type { PriceTable } from './pricing.js';
import { parseRetryAfter } from './retry.js';
import type { HttpReply } from './send.js';
import { assembleStream, isEventStream } from './stream-reply.js';
import { parseJsonAnswer } from './structured.js';
import { requestTokensNow, textTokensNow } from './token-count.js';
import type { ChatRequest, ChatResult, StructuredMode } from './types.js';
import { usageOf } from './usage.js';

export type Answer = Omit<ChatResult, 'durationMs' | 'attempts'>;

export interface ReplyContext {
  readonly host: string;
  /** Redacts the API key from text that goes into an error. */
  readonly clean: (text: string) => string;
  readonly prices?: PriceTable;
  readonly checkJson?: boolean;
  /** The reply is a Batch API line: priced at the batch price. */
  readonly batch?: boolean;
  /** How the request's schema went (structured.ts): what its prompt held, for a count from its text. */
  readonly mode?: StructuredMode;
}

export function retryable(reply: HttpReply, host: string, clean: (text: string) => string): HttpReply {
  const s = reply.status;
  // 408 and 429 are worth another attempt (after Retry-After); so is any 5xx.
  if (s === 429 || s === 408 || s >= 500) {
    const retryAfterMs = parseRetryAfter(reply.headers['retry-after']);
    throw new RetryableFailure(
      `LLM_HTTP_${s}`,
      `HTTP ${s} from ${host}: ${excerpt(clean(reply.text))}`,
      s,
      retryAfterMs,
    );
  }
  return reply;
}

export function readReply(reply: HttpReply, model: string, request: ChatRequest, ctx: ReplyContext): Answer {
  const { host, clean } = ctx;
  const s = reply.status;
  if (s >= 400 && s < 500) {
    const window = s === 400 ? statedContextWindow(reply.text) : undefined;
    if (window !== undefined) {
      // The provider's count when it says one ("…your messages resulted in N tokens").
      const tokens = Number(
        /resulted in (\d+) tokens|requested (?:about )?(\d+) tokens/i
          .exec(reply.text)
          ?.slice(1)
          .find(Boolean) ?? NaN,
      );
      const e = contextTooLong(
        model,
        Number.isFinite(tokens) ? tokens : window,
        window,
        `${host}: ${excerpt(clean(reply.text))}`,
      );
      throw e;
    }
    throw llmError(`LLM_HTTP_${s}`, `HTTP ${s} from ${host}: ${excerpt(clean(reply.text))}`, { status: s });
  }
  if (s < 200 || s >= 300)
    throw llmError(LLM_ERROR.HTTP_ERROR, `unexpected HTTP ${s} from ${host}`, { status: s });
  let json: { choices?: unknown; usage?: unknown; model?: unknown };
  // A streamed answer (`stream: true`) is read back into the body a plain call returns.
  const streamed = isEventStream(reply.headers['content-type']);
  try {
    if (!streamed) json = JSON.parse(reply.text);
    else {
      const assembled = assembleStream(reply.text);
      if (assembled === null) throw new Error('unreadable events');
      json = assembled;
    }
  } catch {
    // A cut or garbled body is a transport fault: worth another attempt.
    throw new RetryableFailure(
      LLM_ERROR.BAD_RESPONSE,
      `the body from ${host} is not valid ${streamed ? 'server-sent events' : 'JSON'}`,
      s,
    );
  }
  const choices = json?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw llmError(LLM_ERROR.BAD_RESPONSE, `the answer from ${host} has no choices`, { status: s });
  }
  const first = choices[0] as {
    message?: { content?: unknown };
    finish_reason?: unknown;
    logprobs?: unknown;
  };
  // Cut at its token limit: never read as an answer (call-fit.ts tries once more with room).
  if (first?.finish_reason === 'length') {
    const out = (json.usage as { completion_tokens?: unknown } | undefined)?.completion_tokens;
    throw outputTruncated(model, request.maxTokens, typeof out === 'number' ? out : undefined);
  }
  const content = first?.message?.content;
  if (typeof content !== 'string') {
    throw llmError(LLM_ERROR.BAD_RESPONSE, `the answer from ${host} has no text content`, { status: s });
  }
  if (content.length === 0)
    throw llmError(LLM_ERROR.BAD_RESPONSE, `the answer from ${host} is empty`, { status: s });
  if (request.responseFormat && ctx.checkJson !== false && parseJsonAnswer(content) === undefined) {
    throw llmError(LLM_ERROR.BAD_JSON, `the answer from ${host} is not valid JSON`, {
      status: s,
      excerpt: excerpt(clean(content)),
      chars: content.length,
    });
  }
  const answered = typeof json.model === 'string' && json.model.length > 0 ? json.model : model;
  const trueProbabilities =
    request.topLogprobs === undefined ? undefined : booleanProbabilities(first.logprobs);
  const labelProbabilities =
    request.topLogprobs === undefined ? undefined : stringProbabilities(first.logprobs);
  return {
    content,
    model: answered,
    usage: usageOf(json.usage, ctx.prices, [model, answered], { batch: ctx.batch === true }, () => ({
      tokensIn: requestTokensNow(request, ctx.mode ?? 'json_schema'),
      tokensOut: textTokensNow(content),
    })),
    answeredBy: reply.headers[SIM_HEADER] === '1' ? 'simulator' : host,
    ...(trueProbabilities ? { trueProbabilities } : {}),
    ...(labelProbabilities ? { labelProbabilities } : {}),
  };
}
