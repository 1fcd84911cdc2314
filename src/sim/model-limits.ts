/**
 * What a model can take and give on the simulator: its context window
 * (prompt plus answer, tokens) and its output cap, and how its tokens are
 * counted.
 *
 * - On the `openai` and `azure-openai` profiles a model's window and cap are
 *   OpenAI's published figures: gpt-tokenizer's model specs, scraped from
 *   OpenAI's model pages (e.g. platform.openai.com/docs/models/gpt-4o-mini:
 *   "128,000 context window, 16,384 max output tokens"). The simulator's own
 *   `sim-small` / `sim-large` stand in for gpt-4o-mini / gpt-4o there (their
 *   prices are those models', prices.ts). A model OpenAI does not publish has
 *   no limits.
 * - On the other profiles no model has limits unless the options set them.
 * - The `contextWindow` / `maxOutputTokens` options, when set, apply to every
 *   model on every profile and win over the table.
 *
 * Tokens are counted as OpenAI counts them (token-count.ts) on the openai
 * profiles for the models in the table and wherever a limit is in effect (a
 * window, a cap, tpm or rpm); elsewhere as characters / 4, as the simulator
 * always did (countsExactly).
 */
// models.gen, not models: gpt-tokenizer 4.0.0's CommonJS build of `models` throws at load
// ("turbo is not defined": `gpt - 3.5 - turbo` in cjs/models.js), and worker threads load
// from source through tsx's require hook, which takes the CommonJS build.
import * as OPENAI_MODEL_SPECS from 'gpt-tokenizer/models.gen';
import type { ResolvedSimOptions } from './options.js';

export interface SimModelLimits {
  /** Prompt plus answer, in tokens; null: no limit. */
  readonly contextWindow: number | null;
  /** The most tokens one answer may have; null: no limit. */
  readonly maxOutputTokens: number | null;
}

/** The OpenAI model each of the simulator's own models stands for on the openai profiles. */
export const SIM_MODEL_STANDS_FOR: Readonly<Record<string, string>> = {
  'sim-small': 'gpt-4o-mini',
  'sim-large': 'gpt-4o',
};

interface PublishedSpec {
  readonly context_window?: number;
  readonly max_output_tokens?: number;
}

const NO_LIMITS: SimModelLimits = { contextWindow: null, maxOutputTokens: null };

function specOf(model: string): PublishedSpec | undefined {
  const name = SIM_MODEL_STANDS_FOR[model] ?? model;
  return (OPENAI_MODEL_SPECS as Readonly<Record<string, PublishedSpec | undefined>>)[name];
}

/** OpenAI's published window and cap of `model` (or of the model a sim model stands for). */
export function publishedLimits(model: string): SimModelLimits {
  const spec = specOf(model);
  if (!spec) return NO_LIMITS;
  return {
    contextWindow: typeof spec.context_window === 'number' ? spec.context_window : null,
    maxOutputTokens: typeof spec.max_output_tokens === 'number' ? spec.max_output_tokens : null,
  };
}

/** The profiles whose models have OpenAI's published limits. */
function usesOpenAiTable(opts: Pick<ResolvedSimOptions, 'profile'>): boolean {
  return opts.profile === 'openai' || opts.profile === 'azure-openai';
}

/** `model`'s limits under `opts`: the options', else (on the openai profiles) the published table's. */
export function limitsOf(
  model: string,
  opts: Pick<ResolvedSimOptions, 'profile' | 'contextWindow' | 'maxOutputTokens'>,
): SimModelLimits {
  const table = usesOpenAiTable(opts) ? publishedLimits(model) : NO_LIMITS;
  return {
    contextWindow: opts.contextWindow ?? table.contextWindow,
    maxOutputTokens: opts.maxOutputTokens ?? table.maxOutputTokens,
  };
}

/**
 * Whether `model`'s tokens are counted as OpenAI counts them (else characters
 * / 4): wherever a limit is in effect (a window, a cap, tpm or rpm), and on
 * the openai profiles for a model whose tokenizer is known (one OpenAI
 * publishes, or a sim model standing for one). Another model there (a test's
 * `m`) keeps characters / 4: no tokenizer is known for it.
 */
export function countsExactly(
  model: string,
  opts: Pick<ResolvedSimOptions, 'profile' | 'contextWindow' | 'maxOutputTokens' | 'tpm' | 'rpm'>,
): boolean {
  if (opts.contextWindow !== null || opts.maxOutputTokens !== null || opts.tpm !== null || opts.rpm !== null)
    return true;
  return usesOpenAiTable(opts) && specOf(model) !== undefined;
}

/** A request's `max_tokens` (or `max_completion_tokens`), as chat-request.ts reads it. */
type MaxTokens = { readonly value: number; readonly param: string } | undefined;

/** OpenAI's 400 body for a request over a limit (every profile answers it so: the limits are OpenAI's). */
function invalidRequest(message: string, param: string, code: string | null): string {
  return JSON.stringify({ error: { message, type: 'invalid_request_error', param, code } });
}

/**
 * OpenAI's 400 for a `max_tokens` above the model's output cap, as public
 * issue reports show it (tailcallhq/forgecode#1185, gpt-4o 2025: "max_tokens
 * is too large: 20480. This model supports at most 16384 completion tokens,
 * whereas you provided 20480.", param max_tokens, code invalid_value;
 * ChatGPTNextWeb/NextChat#3195 the same message in 2023). The parameter is
 * named as the request named it.
 */
export function capRefusal(maxTokens: MaxTokens, limits: SimModelLimits): string | undefined {
  const cap = limits.maxOutputTokens;
  if (!maxTokens || cap === null || maxTokens.value <= cap) return undefined;
  const { value, param } = maxTokens;
  return invalidRequest(
    `${param} is too large: ${value}. This model supports at most ${cap} completion tokens, whereas you provided ${value}.`,
    param,
    'invalid_value',
  );
}

/**
 * OpenAI's 400 context_length_exceeded, in its two wordings (public issue
 * reports): without max_tokens the prompt alone is weighed, "This model's
 * maximum context length is 16384 tokens. However, your messages resulted in
 * 64622 tokens. Please reduce the length of the messages." (biu9/cc98-summary#2);
 * with max_tokens the prompt plus max_tokens is, and a request whose sum is
 * over the window is refused even when its prompt fits: "This model's
 * maximum context length is 8192 tokens. However, you requested 8256 tokens
 * (64 in the messages, 8192 in the completion). Please reduce the length of
 * the messages or completion." (ChatGPTNextWeb/NextChat#3195,
 * gencay/vscode-chatgpt#184). Both: type invalid_request_error, param
 * messages, code context_length_exceeded.
 */
export function contextRefusal(
  promptTokens: number,
  maxTokens: MaxTokens,
  limits: SimModelLimits,
): string | undefined {
  const window = limits.contextWindow;
  if (window === null) return undefined;
  const head = `This model's maximum context length is ${window} tokens. However, `;
  if (maxTokens) {
    const total = promptTokens + maxTokens.value;
    if (total <= window) return undefined;
    return invalidRequest(
      `${head}you requested ${total} tokens (${promptTokens} in the messages, ${maxTokens.value} in the completion). Please reduce the length of the messages or completion.`,
      'messages',
      'context_length_exceeded',
    );
  }
  if (promptTokens <= window) return undefined;
  return invalidRequest(
    `${head}your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
    'messages',
    'context_length_exceeded',
  );
}

/**
 * The most tokens an answer may have: the request's max_tokens, else the
 * output cap and what the window leaves after the prompt; null: no bound.
 * A longer answer is cut there with finish_reason `length` (Chat API
 * reference: "`length` if the maximum number of tokens specified in the
 * request was reached").
 */
export function answerBudget(
  promptTokens: number,
  maxTokens: MaxTokens,
  limits: SimModelLimits,
): number | null {
  if (maxTokens) return maxTokens.value;
  const left = limits.contextWindow === null ? null : Math.max(0, limits.contextWindow - promptTokens);
  if (left === null) return limits.maxOutputTokens;
  return limits.maxOutputTokens === null ? left : Math.min(left, limits.maxOutputTokens);
}
