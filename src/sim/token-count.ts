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

import { createRequire } from 'node:module';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');
type EncodingName = 'o200k_base' | 'cl100k_base';

/** Special tokens in a text are plain text. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * gpt-tokenizer's CommonJS build, loaded synchronously on first use: an encoding
 * builds its rank maps when loaded (o200k_base ~400 ms of CPU, cl100k_base ~180 ms),
 * and the simulator counts exactly only on the openai profiles or under a limit
 * (model-limits.ts countsExactly). Imported with the module, every simulator start
 * (each `--sim` CLI run, `serve --sim`, each engine's simulator thread) paid both
 * for prompts counted as characters / 4. The CommonJS build is the one the client
 * loads (llm/token-count.ts): a simulator in the client's thread shares its copy.
 */
const requireCjs = createRequire(import.meta.url);
const loaded = new Map<EncodingName, Encoding>();
function encoding(name: EncodingName): Encoding {
  let enc = loaded.get(name);
  if (enc === undefined) {
    enc = requireCjs(`gpt-tokenizer/encoding/${name}`) as Encoding;
    loaded.set(name, enc);
  }
  return enc;
}

/** The encoding OpenAI uses for `model`. */
function encodingOf(model: string): { enc: Encoding; chatModel: 'gpt-4o' | 'gpt-4' } {
  return /^(gpt-4(?![o.])|gpt-3\.5|text-embedding-ada|text-embedding-3)/.test(model)
    ? { enc: encoding('cl100k_base'), chatModel: 'gpt-4' }
    : { enc: encoding('o200k_base'), chatModel: 'gpt-4o' };
}

/**
 * A run of more characters than this, all space or all not (one pre-token,
 * most likely: a long word, CJK or emoji without a break, a run of spaces),
 * is counted in pieces of RUN_PIECE_CHARS: gpt-tokenizer's merge is n² in
 * one pre-token (a 16,000-character CJK word was ~2 s of the simulator's
 * CPU, a 500,000-character one hours). A piece ends, where it can, before an
 * ASCII punctuation mark that follows a letter or digit (pieceEnd): the
 * encodings' pre-tokenizers split there, so a long run of JSON without a
 * space (a packed answer of 256 items) is counted exactly; a run without such
 * a place (one long word) is a few tokens off per piece. Every other text is
 * counted exactly. The client
 * counts with its own code (llm/bounded-encoding.ts): the simulator must
 * not lean on the code it tests.
 */
const LONG_RUN_CHARS = 1024;
const RUN_PIECE_CHARS = 64;

/** `text` as segments to count (or encode) alone: the text between long runs, and each long run in pieces. */
function segments(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  let runStart = 0;
  let runSpace = false;
  const close = (end: number) => {
    if (end - runStart <= LONG_RUN_CHARS) return;
    if (runStart > from) out.push(text.slice(from, runStart));
    for (let at = runStart; at < end; ) {
      let stop = pieceEnd(text, at, Math.min(at + RUN_PIECE_CHARS, end));
      const last = text.charCodeAt(stop - 1);
      if (stop < end && last >= 0xd800 && last <= 0xdbff) stop--; // never between a surrogate pair's halves
      out.push(text.slice(at, stop));
      at = stop;
    }
    from = end;
  };
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (i > runStart && space !== runSpace) {
      close(i);
      runStart = i;
    }
    runSpace = space;
  }
  close(text.length);
  if (from < text.length) out.push(from === 0 ? text : text.slice(from));
  return out;
}

/**
 * Where a piece of a long run from `at` ends, at most `most`: the last place
 * in it before an ASCII punctuation mark (not `'`, which may begin a
 * contraction: "it's" is one pre-token) that follows an ASCII letter or
 * digit. o200k_base's and cl100k_base's pre-tokenizers (tiktoken's regular
 * expressions) end a word or a number there, and a run of punctuation or a
 * punctuation mark leading a word starts there, so the pieces count as the
 * whole does. `most` when there is no such place (a long word: a few tokens
 * off per piece) or `most` is the run's end.
 */
function pieceEnd(text: string, at: number, most: number): number {
  if (most - at < RUN_PIECE_CHARS) return most;
  for (let k = most - 1; k > at; k--) {
    if (isAsciiPunctuation(text.charCodeAt(k)) && isAsciiAlnum(text.charCodeAt(k - 1))) return k;
  }
  return most;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAsciiPunctuation(c: number): boolean {
  return c >= 33 && c <= 126 && c !== 39 && !isAsciiAlnum(c);
}

/** `\s` as JavaScript's regular expressions read it, by code unit. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Tokens of `text` alone (an answer, an embedding input). */
export function textTokens(text: string, model: string): number {
  if (text.length === 0) return 0;
  const { enc } = encodingOf(model);
  let n = 0;
  for (const segment of segments(text)) n += enc.countTokens(segment, AS_TEXT);
  return n;
}

/**
 * The first `n` tokens of `text` (an answer cut at max_tokens). gpt-tokenizer
 * decodes through one shared streaming TextDecoder, so the bytes of a
 * character cut at the end would begin the next answer decoded: flushed.
 */
export function firstTokens(text: string, n: number, model: string): string {
  const { enc } = encodingOf(model);
  const tokens: number[] = [];
  for (const segment of segments(text)) {
    for (const t of enc.encode(segment, AS_TEXT)) tokens.push(t);
    if (tokens.length >= n) break;
  }
  const first = enc.decode(tokens.slice(0, n));
  (requireCjs('gpt-tokenizer/BytePairEncodingCore') as { decoder: TextDecoder }).decoder.decode();
  return first;
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

/**
 * Keys left out of a response_format schema's count: OpenAI's prompt_tokens
 * grow with the schema's text without them (openai-cookbook issue #2140,
 * measured against the API's usage).
 */
const UNCOUNTED_SCHEMA_KEYS = new Set(['required', 'additionalProperties', '$schema']);

/** Tokens OpenAI adds around the schema (the same measurement: the schema's text + 9). */
const SCHEMA_FRAME_TOKENS = 9;

/**
 * The prompt tokens a `json_schema` response_format adds: OpenAI counts the
 * schema it enforces in prompt_tokens too (openai-cookbook, "How to count
 * tokens with tiktoken", §8 "Counting tokens for structured responses",
 * proposed in openai/openai-cookbook#2133: "the model uses additional tokens
 * to enforce the schema"). Its size follows the rule measured in
 * openai/openai-cookbook#2140: the schema as compact JSON without
 * `required`, `additionalProperties` and `$schema` (at any depth), plus 9.
 * The schema is the request's, already parsed within the body's bound.
 */
export function schemaPromptTokens(schema: Readonly<Record<string, unknown>>, model: string): number {
  const counted = JSON.stringify(schema, (key, value: unknown) =>
    UNCOUNTED_SCHEMA_KEYS.has(key) ? undefined : value,
  );
  return textTokens(counted, model) + SCHEMA_FRAME_TOKENS;
}
