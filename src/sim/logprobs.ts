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

/** The simulator's tokens: words, numbers, white space, each other character (an escape whole). */
const TOKEN = /\\.|[A-Za-z_]+|\d+|\s+|[^\sA-Za-z_\d]/g;

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

/** A token's UTF-8 bytes: an ASCII token's are its char codes (most tokens; a Buffer each was ~10% of a completion's CPU). */
function bytesOf(token: string): number[] {
  const out = new Array<number>(token.length);
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c > 0x7f) return [...Buffer.from(token, 'utf8')];
    out[i] = c;
  }
  return out;
}
const entry = (token: string, p: number): TopLogprob => ({
  token,
  logprob: p > 0 ? Math.max(UNLIKELY, Math.log(p)) : UNLIKELY,
  bytes: bytesOf(token),
});

/** Splits an answer into tokens, marking the booleans outside JSON strings. */
export function answerTokens(text: string): { readonly token: string; readonly deciding: boolean }[] {
  const out: { token: string; deciding: boolean }[] = [];
  let inString = false;
  for (const m of text.matchAll(TOKEN)) {
    const token = m[0];
    if (token === '"') inString = !inString;
    out.push({ token, deciding: !inString && (token === 'true' || token === 'false') });
  }
  return out;
}

/** A label's belief: the value written, its probability, and the label the alternative token starts. */
export interface LabelBelief {
  readonly value: string;
  readonly p: number;
  readonly alternative: string;
}

/**
 * The token index that decides each label: the first token inside the next string
 * *value* (not a key: no `:` follows it) whose text is the label, in order.
 */
function labelTokens(tokens: readonly string[], labels: readonly LabelBelief[]): Map<number, LabelBelief> {
  const out = new Map<number, LabelBelief>();
  let next = 0;
  for (let i = 0; i < tokens.length && next < labels.length; i++) {
    if (tokens[i] !== '"') continue;
    let j = i + 1;
    while (j < tokens.length && tokens[j] !== '"') j++;
    let k = j + 1;
    while (k < tokens.length && /^\s+$/.test(tokens[k]!)) k++;
    const inner = tokens.slice(i + 1, j).join('');
    const want = labels[next]!;
    if (tokens[k] !== ':' && j > i + 1 && inner === JSON.stringify(want.value).slice(1, -1)) {
      out.set(i + 1, want);
      next++;
    }
    i = j;
  }
  return out;
}

/**
 * `logprobs.content` for an answer: `beliefs[i]` is the probability of the i-th
 * deciding boolean token (missing: 1), `labels` each label's (its first token carries
 * it, the alternative label's first token has the rest); `top` alternatives per position (0..20).
 */
export function logprobsContent(
  text: string,
  beliefs: readonly number[],
  top: number,
  labels: readonly LabelBelief[] = [],
): TokenLogprob[] {
  let b = 0;
  const tokens = answerTokens(text);
  const deciders = labelTokens(
    tokens.map((t) => t.token),
    labels,
  );
  return tokens.map(({ token, deciding }, i) => {
    const label = deciders.get(i);
    if (label) {
      const chosen = entry(token, label.p);
      const other = entry(label.alternative.match(TOKEN)?.[0] ?? label.alternative, 1 - label.p);
      return { ...chosen, top_logprobs: [chosen, other].slice(0, top) };
    }
    const p = deciding ? (beliefs[b++] ?? 1) : 1;
    const chosen = entry(token, p);
    const alternatives = deciding ? [chosen, entry(token === 'true' ? 'false' : 'true', 1 - p)] : [chosen];
    return { ...chosen, top_logprobs: alternatives.slice(0, top) };
  });
}
