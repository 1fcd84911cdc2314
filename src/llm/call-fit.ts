/**
 * Fitting one chat request to its model's limits (model-limits.ts) before it
 * is sent, and reading a refusal or a cut answer after:
 * - a prompt that cannot fit the window is refused here, LLM_CONTEXT_TOO_LONG
 *   naming its tokens and the window, and never sent;
 * - `max_tokens` is lowered to what the window leaves and to the output cap
 *   (OpenAI refuses a request whose prompt plus max_tokens exceeds the window,
 *   and a max_tokens over the model's cap);
 * - an answer cut at its limit (`finish_reason: "length"`) is tried once more
 *   with the most tokens the model may give, else LLM_OUTPUT_TRUNCATED: a cut
 *   answer is never read as one.
 */
import { LLM_ERROR, llmError } from './errors.js';
import type { ModelLimits } from './model-limits.js';
import { promptTokens, promptTokensUpperBound } from './token-count.js';
import type { ChatRequest } from './types.js';

/** A request as it will be sent, and its prompt's tokens when they were counted. */
export interface FittedRequest {
  readonly request: ChatRequest;
  /** Counted only when the prompt came near the window. */
  readonly promptTokens?: number;
}

/** A schema's JSON text, made once per schema object (a cascade's cell sends the same one on every call). */
const schemaTexts = new WeakMap<object, { readonly content: string }>();

function schemaText(schema: object): { readonly content: string } {
  let text = schemaTexts.get(schema);
  if (text === undefined) {
    text = { content: JSON.stringify(schema) };
    schemaTexts.set(schema, text);
  }
  return text;
}

/** The messages as the model reads them: the schema, when sent, costs tokens too. */
function countedMessages(request: ChatRequest): readonly { readonly content: string }[] {
  const rf = request.responseFormat;
  return rf ? [...request.messages, schemaText(rf.schema)] : request.messages;
}

/** `request` fitted to `limits`, or LLM_CONTEXT_TOO_LONG when its prompt alone fills the window. */
export async function fitRequest(
  model: string,
  request: ChatRequest,
  limits: ModelLimits,
): Promise<FittedRequest> {
  const { contextWindow: window, maxOutputTokens: cap } = limits;
  let maxTokens = request.maxTokens;
  if (cap !== undefined && maxTokens !== undefined && maxTokens > cap) maxTokens = cap;
  let counted: number | undefined;
  if (window !== undefined) {
    const messages = countedMessages(request);
    // At least one answer token must fit; most prompts are settled by their byte count alone.
    if (promptTokensUpperBound(messages) + (maxTokens ?? 1) > window) {
      counted = await promptTokens(messages);
      if (counted >= window) throw contextTooLong(model, counted, window);
      if (maxTokens !== undefined && counted + maxTokens > window) maxTokens = window - counted;
    }
  }
  const fitted = maxTokens === request.maxTokens ? request : { ...request, maxTokens };
  return counted === undefined ? { request: fitted } : { request: fitted, promptTokens: counted };
}

/** The prompt's tokens, the model and its window a contextTooLong message states (it crosses threads as text). */
export function contextFigures(
  message: string,
): { tokens: number; model: string; window: number } | undefined {
  const m = /the prompt has (\d+) tokens; (.*)'s context window is (\d+) tokens/.exec(message);
  return m ? { tokens: Number(m[1]), model: m[2]!, window: Number(m[3]) } : undefined;
}

export function contextTooLong(model: string, tokens: number, window: number, provider?: string) {
  return llmError(
    LLM_ERROR.CONTEXT_TOO_LONG,
    `the prompt has ${tokens} tokens; ${model}'s context window is ${window} tokens${provider ? ` (${provider})` : ''}`,
    { model, tokens, window },
  );
}

/**
 * The max_tokens for one more try after an answer was cut at `sent`: the
 * model's cap (four times `sent` when the cap is not known); undefined when
 * none was sent (the model's own limit cut it) or the cap is no more.
 */
export function largerMaxTokens(sent: number | undefined, limits: ModelLimits): number | undefined {
  if (sent === undefined) return undefined;
  const ceiling = limits.maxOutputTokens ?? sent * 4;
  return ceiling > sent ? ceiling : undefined;
}

export function outputTruncated(model: string, maxTokens: number | undefined, tokensOut: number | undefined) {
  const limit = maxTokens === undefined ? "the model's output limit" : `max_tokens ${maxTokens}`;
  return llmError(
    LLM_ERROR.OUTPUT_TRUNCATED,
    `${model}'s answer was cut at ${limit}${tokensOut === undefined ? '' : ` (${tokensOut} tokens)`}: finish_reason "length"`,
    {
      model,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(tokensOut === undefined ? {} : { tokensOut }),
    },
  );
}
