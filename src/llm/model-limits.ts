/**
 * What a model can take and give: its context window (prompt plus answer, in
 * tokens) and its output cap. The client never sends a prompt known not to
 * fit, and reads a cut answer as cut (client.ts); the operators shrink a pack
 * or reduce a group to fit (statements/semantic).
 *
 * A model's limits come from the first of, highest first:
 *   1. the config: `llm.models.<name>.context_window` / `max_output_tokens`
 *   2. what the provider told this client: a `context_length_exceeded` 400
 *      states the window ("This model's maximum context length is 128000
 *      tokens…", OpenAI's wording; vLLM's and OpenRouter's say the same
 *      number in other words), learned once per model
 *   3. the provider's model list (`GET /models`): vLLM's `max_model_len`,
 *      OpenRouter's `context_length` and `top_provider.max_completion_tokens`
 *   4. the built-in table: OpenAI's published figures per model, from
 *      gpt-tokenizer's model specs (scraped from OpenAI's model pages, e.g.
 *      gpt-4o-mini: "128,000 context window, 16,384 max output tokens")
 * An unknown model has no known limits until the provider states them.
 */
// models.gen, not models: 4.0.0's CommonJS build of `models` throws on load (tsx loads it so in worker threads).
import * as OPENAI_MODEL_SPECS from 'gpt-tokenizer/models.gen';

import type { ModelLimits, ModelLimitsTable } from './model-limits-config.js';

export { checkedModelLimits, type ModelLimits, type ModelLimitsTable } from './model-limits-config.js';

interface PublishedSpec {
  readonly context_window?: number;
  readonly max_output_tokens?: number;
}

/** OpenAI's published limits of a model id (dated snapshots included), if it is one of theirs. */
export function publishedLimits(model: string): ModelLimits | undefined {
  const spec = (OPENAI_MODEL_SPECS as Readonly<Record<string, PublishedSpec | undefined>>)[model];
  if (!spec || typeof spec.context_window !== 'number') return undefined;
  return {
    contextWindow: spec.context_window,
    ...(typeof spec.max_output_tokens === 'number' ? { maxOutputTokens: spec.max_output_tokens } : {}),
  };
}

/**
 * The window a provider's context-length refusal states, or undefined when
 * the text is not one. Wordings (public issue reports of each):
 * - OpenAI: "This model's maximum context length is 128000 tokens. However,
 *   your messages resulted in 130512 tokens…" (code context_length_exceeded)
 * - vLLM: "This model's maximum context length is 4096 tokens. However, you
 *   requested 5000 tokens (…)" / "…maximum context length is 4096 tokens and
 *   your request has 5000 input tokens…"
 * - OpenRouter: "This endpoint's maximum context length is 131072 tokens.
 *   However, you requested about 140000 tokens…"
 */
export function statedContextWindow(text: string): number | undefined {
  const m = /maximum context length is (\d+) tokens/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The limits the engine knows for `model` before it calls it, as its main
 * thread plans (EXPLAIN, the automatic pack size, an aggregate's reduction):
 * the config, then a window an earlier run of this engine learned from a
 * refusal, then the published table. The provider's model list is not read
 * (that takes a call). `id` is the model an alias names.
 */
export function knownLimits(
  provider: { readonly models?: ModelLimitsTable; readonly aliases?: Readonly<Record<string, string>> },
  model: string,
  learnedWindows: ReadonlyMap<string, number> = new Map(),
): ModelLimits & { readonly id: string } {
  const id = provider.aliases?.[model] ?? model;
  const book = new ModelLimitsBook(provider.models);
  const learned = learnedWindows.get(id);
  if (learned !== undefined) book.learnWindow(id, learned);
  return { id, ...book.limitsOf(id) };
}

/**
 * One client's book of model limits: the config's, then what the provider
 * stated, then its model list, then the published table, field by field.
 */
export class ModelLimitsBook {
  private readonly learned = new Map<string, ModelLimits>();
  private readonly listed = new Map<string, ModelLimits>();
  /**
   * limitsOf's answers, until the book learns something: every call asks it
   * (twice), and merging four sources each time was ~1% of a worker's CPU at
   * latency 0 (issue 56).
   */
  private readonly merged = new Map<string, ModelLimits>();

  constructor(private readonly configured: ModelLimitsTable = {}) {}

  limitsOf(model: string): ModelLimits {
    let known = this.merged.get(model);
    if (known === undefined) {
      known = this.merge(model);
      this.merged.set(model, known);
    }
    return known;
  }

  private merge(model: string): ModelLimits {
    const sources = [
      this.configured[model],
      this.learned.get(model),
      this.listed.get(model),
      publishedLimits(model),
    ];
    const window = sources.find((s) => s?.contextWindow !== undefined)?.contextWindow;
    const cap = sources.find((s) => s?.maxOutputTokens !== undefined)?.maxOutputTokens;
    return { ...(window ? { contextWindow: window } : {}), ...(cap ? { maxOutputTokens: cap } : {}) };
  }

  /** The window a provider stated for `model` (its context-length refusal); true when it was news. */
  learnWindow(model: string, window: number): boolean {
    if (this.learned.get(model)?.contextWindow === window) return false;
    this.learned.set(model, { ...this.learned.get(model), contextWindow: window });
    this.merged.delete(model);
    return true;
  }

  /** The limits a provider's model list reports. */
  noteListed(model: string, limits: ModelLimits): void {
    this.listed.set(model, limits);
    this.merged.delete(model);
  }
}
