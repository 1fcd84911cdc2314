/**
 * Reading `choices[0].logprobs.content` (OpenAI's shape: `[{token, logprob, bytes,
 * top_logprobs: [{token, logprob, bytes}]}]`, the official `openai` SDK's
 * ChatCompletionTokenLogprob; vLLM and Ollama's OpenAI endpoint answer the same shape)
 * into the probability of `true` for each boolean a JSON answer holds, in order.
 *
 * The token that decides a boolean is `true` or `false` outside a JSON string (a BPE
 * may carry a leading space: ` true`). P(true) is read from the position's
 * alternatives when both are among `top_logprobs` (normalised over the two), else
 * from the chosen token alone (P(chosen) = e^logprob; the other has the rest).
 */

/** How many alternatives per token a proxy asks for: the two a boolean can take. */
export const PROXY_TOP_LOGPROBS = 2;

interface Entry {
  readonly token?: unknown;
  readonly logprob?: unknown;
  readonly top_logprobs?: unknown;
}

const word = (token: unknown): string | undefined => (typeof token === 'string' ? token.trim() : undefined);

/** P(true) per boolean of the answer, or undefined when the reply carries no usable logprobs. */
export function booleanProbabilities(logprobs: unknown): number[] | undefined {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const out: number[] = [];
  let inString = false;
  for (const raw of content as Entry[]) {
    const token = typeof raw?.token === 'string' ? raw.token : '';
    const w = word(token);
    if (!inString && (w === 'true' || w === 'false') && typeof raw.logprob === 'number') {
      const alts = Array.isArray(raw.top_logprobs) ? (raw.top_logprobs as Entry[]) : [];
      const lp = (name: string) => {
        const hit = alts.find((a) => word(a?.token) === name && typeof a.logprob === 'number');
        return hit ? Math.exp(hit.logprob as number) : undefined;
      };
      const pt = lp('true');
      const pf = lp('false');
      const chosen = Math.min(1, Math.exp(raw.logprob));
      out.push(
        pt !== undefined && pf !== undefined && pt + pf > 0
          ? pt / (pt + pf)
          : w === 'true'
            ? chosen
            : 1 - chosen,
      );
    }
    // An unescaped quote opens or closes a string (an escaped one, \", is inside one).
    const quotes = token.replace(/\\./g, '').split('"').length - 1;
    if (quotes % 2 === 1) inString = !inString;
  }
  return out;
}

/**
 * The probability of each string *value* of a JSON answer (not a key), in order: a
 * classification's label (`{"label": "positive", …}`). The tokens' texts joined are
 * the answer; a value's probability is the product of the probabilities of the tokens
 * that overlap it and its quotes (a BPE token may hold a quote and more), e^Σlogprob: the
 * chance the model writes that value, given what came before it. Undefined when the
 * reply carries no usable logprobs.
 */
export function stringProbabilities(logprobs: unknown): number[] | undefined {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const starts: number[] = [];
  const lps: number[] = [];
  let text = '';
  for (const raw of content as Entry[]) {
    const token = typeof raw?.token === 'string' ? raw.token : '';
    starts.push(text.length);
    lps.push(typeof raw?.logprob === 'number' && Number.isFinite(raw.logprob) ? Math.min(0, raw.logprob) : 0);
    text += token;
  }
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    const open = i + 1;
    let j = open;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    const close = Math.min(j, text.length);
    let k = close + 1;
    while (k < text.length && /\s/.test(text[k]!)) k++;
    if (text[k] !== ':') {
      // A value: the tokens overlapping it, its quotes included (what a token of `":"` holds is certain in JSON).
      let sum = 0;
      for (let t = 0; t < starts.length; t++) {
        const from = starts[t]!;
        const to = t + 1 < starts.length ? starts[t + 1]! : text.length;
        if (to > open - 1 && from < close + 1) sum += lps[t]!;
      }
      out.push(Math.exp(sum));
    }
    i = close + 1;
  }
  return out;
}
