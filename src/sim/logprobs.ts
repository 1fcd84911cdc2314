/**
 * `logprobs: true, top_logprobs: n` in OpenAI's shape: `choices[0].logprobs`
 * is `{content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}], refusal: null}`
 * (the official `openai` SDK's types, resources/chat/completions: ChatCompletionTokenLogprob,
 * `top_logprobs` "an integer between 0 and 20 … `logprobs` must be set to `true` if this
 * parameter is used"; a token outside the top 20 is given `-9999.0`).
 *
 * Tokens here are a plain split of the answer (words, numbers, each punctuation
 * mark), not a model's BPE: what matters to a reader of logprobs is the token that
 * decides a boolean answer, `true` or `false` outside a JSON string. Its probability
 * is the model's belief in its answer (profile.ts answerProbability, calibrated to the
 * model's accuracy profile); the other choice has the rest. Every other token is certain.
 */

/** OpenAI's stand-in logprob for a token outside the top 20. */
const UNLIKELY = -9999;

/** The most `top_logprobs` OpenAI takes. */
export const MAX_TOP_LOGPROBS = 20;

interface TopLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: number[];
}
export interface TokenLogprob extends TopLogprob {
  readonly top_logprobs: TopLogprob[];
}

const bytesOf = (token: string): number[] => [...Buffer.from(token, 'utf8')];
const entry = (token: string, p: number): TopLogprob => ({
  token,
  logprob: p > 0 ? Math.max(UNLIKELY, Math.log(p)) : UNLIKELY,
  bytes: bytesOf(token),
});

/** Splits an answer into tokens, marking the booleans outside JSON strings. */
export function answerTokens(text: string): { readonly token: string; readonly deciding: boolean }[] {
  const out: { token: string; deciding: boolean }[] = [];
  let inString = false;
  for (const m of text.matchAll(/\\.|[A-Za-z_]+|\d+|\s+|[^\sA-Za-z_\d]/g)) {
    const token = m[0];
    if (token === '"') inString = !inString;
    out.push({ token, deciding: !inString && (token === 'true' || token === 'false') });
  }
  return out;
}

/**
 * `logprobs.content` for an answer: `beliefs[i]` is the probability of the i-th
 * deciding token (missing: 1); `top` alternatives per position (0..20).
 */
export function logprobsContent(text: string, beliefs: readonly number[], top: number): TokenLogprob[] {
  let b = 0;
  return answerTokens(text).map(({ token, deciding }) => {
    const p = deciding ? (beliefs[b++] ?? 1) : 1;
    const chosen = entry(token, p);
    const alternatives = deciding ? [chosen, entry(token === 'true' ? 'false' : 'true', 1 - p)] : [chosen];
    return { ...chosen, top_logprobs: alternatives.slice(0, top) };
  });
}
