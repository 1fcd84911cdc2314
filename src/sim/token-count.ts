/**
 * Tokens as OpenAI counts them, with gpt-tokenizer (OpenAI's BPE ranks in
 * pure JS): o200k_base for the gpt-4o class and later (gpt-4.1, o-series,
 * gpt-5) and the simulator's own models (they stand for gpt-4o-mini/gpt-4o,
 * model-limits.ts), cl100k_base for gpt-4, gpt-3.5 and the older
 * embeddings (tiktoken's model → encoding map, openai/tiktoken model.py).
 *
 * A chat prompt is its messages in the chat format: each message's text plus
 * its markup (`<|im_start|>role<|im_sep|>…<|im_end|>`) and the reply's
 * priming, as gpt-tokenizer's encodeChat lays it out (after the OpenAI
 * cookbook's "How to count tokens with tiktoken", §6). The markup of a role
 * is counted once and kept, and each message's text is counted alone (the
 * chat format encodes it alone too), so a prompt costs one BPE pass over its
 * text. Special tokens in the text (`<|endoftext|>`) count as the text they
 * are, as OpenAI reads a user's text.
 */
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';

type Encoding = typeof o200k;

/** Special tokens in a text are plain text. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** The encoding OpenAI uses for `model`. */
function encodingOf(model: string): { enc: Encoding; chatModel: 'gpt-4o' | 'gpt-4' } {
  return /^(gpt-4(?![o.])|gpt-3\.5|text-embedding-ada|text-embedding-3)/.test(model)
    ? { enc: cl100k as Encoding, chatModel: 'gpt-4' }
    : { enc: o200k, chatModel: 'gpt-4o' };
}

/** Tokens of `text` alone (an answer, an embedding input). */
export function textTokens(text: string, model: string): number {
  if (text.length === 0) return 0;
  return encodingOf(model).enc.countTokens(text, AS_TEXT);
}

/** The first `n` tokens of `text` (an answer cut at max_tokens), and whether it was cut. */
export function firstTokens(text: string, n: number, model: string): string {
  const { enc } = encodingOf(model);
  return enc.decode(enc.encode(text, AS_TEXT).slice(0, n));
}

const markupCache = new Map<string, number>();

/** The chat format's tokens around one message of `role`, and (role '') the reply's priming. */
function markupTokens(role: string, model: string): number {
  const { enc, chatModel } = encodingOf(model);
  const key = `${chatModel}\u0000${role}`;
  let n = markupCache.get(key);
  if (n === undefined) {
    const priming = enc.encodeChat([], chatModel).length;
    n = role === '' ? priming : enc.encodeChat([{ role, content: '' } as never], chatModel).length - priming;
    markupCache.set(key, n);
  }
  return n;
}

/** Tokens of a chat prompt: each message's text and markup, and the reply's priming. */
export function chatPromptTokens(messages: readonly { role: string; text: string }[], model: string): number {
  let n = markupTokens('', model);
  for (const m of messages) n += markupTokens(m.role, model) + textTokens(m.text, model);
  return n;
}
