/**
 * A model's limits as the config states them (`llm.models:`), and their
 * check. Apart from model-limits.ts, which reads OpenAI's published table
 * (gpt-tokenizer's model specs): every start reads the config, and only a
 * statement that calls a model needs that table (~25 ms of CPU to load).
 */

export interface ModelLimits {
  /** Prompt plus answer, in tokens. */
  readonly contextWindow?: number;
  /** The most tokens one answer may have (`max_tokens` may not exceed it). */
  readonly maxOutputTokens?: number;
}

/** `llm.models:` in the config: the limits a user states per model id. */
export type ModelLimitsTable = Readonly<Record<string, ModelLimits>>;

/** Checks `llm.models` of the config; `fail(path, want)` throws the config's error at that key. */
export function checkedModelLimits(
  value: unknown,
  fail: (path: string[], want: string) => never,
): Record<string, ModelLimits> {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isMap(value))
    fail(['llm', 'models'], 'expected a mapping of model: { context_window, max_output_tokens }');
  const out: Record<string, ModelLimits> = {};
  for (const [model, v] of Object.entries(value)) {
    if (!isMap(v)) fail(['llm', 'models', model], 'expected { context_window, max_output_tokens }');
    const limits: { contextWindow?: number; maxOutputTokens?: number } = {};
    for (const [key, n] of Object.entries(v)) {
      if (key !== 'context_window' && key !== 'max_output_tokens')
        fail(['llm', 'models', model, key], 'unknown key (expected context_window, max_output_tokens)');
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
        fail(['llm', 'models', model, key], 'expected a positive integer (tokens)');
      if (key === 'context_window') limits.contextWindow = n;
      else limits.maxOutputTokens = n;
    }
    if (
      limits.contextWindow !== undefined &&
      limits.maxOutputTokens !== undefined &&
      limits.maxOutputTokens > limits.contextWindow
    )
      fail(['llm', 'models', model, 'max_output_tokens'], 'expected at most context_window');
    out[model] = limits;
  }
  return out;
}
