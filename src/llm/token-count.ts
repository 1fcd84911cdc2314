/**
 * A chat's prompt tokens as OpenAI counts them: each message's content in
 * the o200k_base encoding (GPT-4o and later; gpt-tokenizer, pure JS), 3
 * tokens of markup per message plus its role (one token: system, user and
 * assistant are each one), and 3 priming the reply (OpenAI cookbook, "How to
 * count tokens with tiktoken": tokens_per_message = 3, each value of the
 * message encoded, "every reply is primed with <|start|>assistant<|message|>"),
 * each image its own tokens (images.ts).
 * Other providers' tokenizers differ by a few percent; their windows are
 * checked with this count, and a refusal from them teaches the client the
 * window (model-limits.ts) without trusting the count further.
 *
 * The encoding loads on first use (~250 ms, 4 MB): most prompts are far from
 * any window, and `upperBound` (a token is at least one UTF-8 byte) settles
 * them without it.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { type BoundedEncoding, boundedEncoding, type LibraryEncoding } from './bounded-encoding.js';
import { imageRefTokens, mayHoldImage, splitImages } from './images.js';
import { schemaInstruction, strictFormOf } from './structured.js';
import type { ChatRequest, StructuredMode } from './types.js';

/** Per message: its markup and its role's one token; and priming the answer (OpenAI cookbook). */
const TOKENS_PER_MESSAGE = 3 + 1;
const REPLY_PRIMING = 3;

let encoding: BoundedEncoding | undefined;

/**
 * The o200k_base encoding, loaded once per thread (gpt-tokenizer's CommonJS
 * build: TEXT_CHUNKS runs inside DuckDB's call and cannot await, and one
 * copy of its 200,000 ranks serves both callers). Its load is main-thread
 * work either way (about 250 ms idle, seconds under load): a server loads it
 * at start (engine/llm-statements-loader.ts).
 */
export function loadEncodingSync(): BoundedEncoding {
  encoding ??= boundedEncoding(
    (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { default: LibraryEncoding })
      .default,
  );
  return encoding;
}

/** The same encoding, for callers that await. */
export async function loadEncoding(): Promise<BoundedEncoding> {
  return loadEncodingSync();
}

interface CountedMessage {
  readonly content: string;
}

/** The tokens of each message's images, and its text without their markers. */
function parts(m: CountedMessage): { text: string; imageTokens: number } {
  if (!mayHoldImage(m.content)) return { text: m.content, imageTokens: 0 };
  const { text, images } = splitImages(m.content);
  return { text, imageTokens: images.reduce((sum, ref) => sum + imageRefTokens(ref), 0) };
}

/** At least the prompt's tokens, without the encoding: its text's UTF-8 bytes. */
export function promptTokensUpperBound(messages: readonly CountedMessage[]): number {
  let n = REPLY_PRIMING;
  for (const m of messages) {
    const p = parts(m);
    n += TOKENS_PER_MESSAGE + Buffer.byteLength(p.text, 'utf8') + p.imageTokens;
  }
  return n;
}

/**
 * The prompt's tokens as OpenAI counts them, without awaiting (the encoding
 * loaded synchronously, once per thread): also for a reply read
 * synchronously whose provider reported no usable count (usage.ts).
 */
export function promptTokensNow(messages: readonly CountedMessage[]): number {
  const enc = loadEncodingSync();
  let n = REPLY_PRIMING;
  for (const m of messages) {
    const p = parts(m);
    n += TOKENS_PER_MESSAGE + enc.countTokens(p.text) + p.imageTokens;
  }
  return n;
}

/** The prompt's tokens as OpenAI counts them. */
export async function promptTokens(messages: readonly CountedMessage[]): Promise<number> {
  return promptTokensNow(messages);
}

/** A text's tokens (o200k_base), without awaiting. */
export function textTokensNow(text: string): number {
  return loadEncodingSync().countTokens(text);
}

/** How long counting may hold the thread before it lets other work (a server's clients) run. */
const COUNT_SLICE_MS = 8;

/**
 * Each text's tokens (o200k_base), counted in slices of at most
 * COUNT_SLICE_MS with a turn of the event loop between them: counting the
 * 60,000 values of one aggregate group takes about a second of CPU, and on
 * the main thread (where aggregates are reduced and explained) that second
 * would hold every other client of the server. An awaited promise alone
 * yields to microtasks only, never to sockets or timers.
 */
export async function textsTokens(texts: readonly string[]): Promise<number[]> {
  const enc = await loadEncoding();
  const out = new Array<number>(texts.length);
  let sliceStart = performance.now();
  for (let i = 0; i < texts.length; i++) {
    out[i] = enc.countTokens(texts[i]!);
    if (performance.now() - sliceStart >= COUNT_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}

/** A text's tokens (o200k_base). */
export async function textTokens(text: string): Promise<number> {
  return textTokensNow(text);
}

/**
 * `text` cut into pieces of at most `maxTokens` tokens each, in order, at
 * token boundaries (a character two pieces' tokens share goes to the later).
 */
export async function piecesOfTokens(text: string, maxTokens: number): Promise<string[]> {
  const enc = await loadEncoding();
  return enc.decodeRuns(enc.encode(text), maxTokens);
}

/** Keys OpenAI's prompt_tokens do not grow with (openai-cookbook#2140, measured against the API's usage). */
const UNCOUNTED_SCHEMA_KEYS = new Set(['required', 'additionalProperties', '$schema']);

/** Tokens around the schema (the same measurement: the schema's text + 9). */
const SCHEMA_FRAME_TOKENS = 9;

/**
 * The prompt tokens a json_schema response_format adds, as sent (its strict
 * form, structured.ts): OpenAI counts the schema it enforces in
 * prompt_tokens (openai-cookbook, "How to count tokens with tiktoken", §8
 * "Counting tokens for structured responses", proposed in
 * openai/openai-cookbook#2133); by the rule measured in
 * openai/openai-cookbook#2140, the schema as compact JSON without
 * `required`, `additionalProperties` and `$schema`, plus 9. The simulator
 * counts by the same rule in its own code (src/sim/token-count.ts).
 */
export function schemaTokensNow(schema: Readonly<Record<string, unknown>>): number {
  const counted = JSON.stringify(schema, (key, value: unknown) =>
    UNCOUNTED_SCHEMA_KEYS.has(key) ? undefined : value,
  );
  return textTokensNow(counted) + SCHEMA_FRAME_TOKENS;
}

/**
 * A request's prompt tokens as OpenAI counts them, in the structured-output
 * mode it goes in (request-body.ts): its messages, the schema's system
 * message in json_object and prompt modes, or the json_schema
 * response_format's schema (strict form, as sent). The one rule for a
 * reply without a usable usage (reply.ts) and for EXPLAIN (plan/call-cost.ts).
 */
export function requestTokensNow(
  request: Pick<ChatRequest, 'messages' | 'responseFormat'>,
  mode: StructuredMode,
): number {
  const rf = request.responseFormat;
  if (!rf) return promptTokensNow(request.messages);
  if (mode === 'json_schema')
    return promptTokensNow(request.messages) + schemaTokensNow(strictFormOf(rf).schema);
  return promptTokensNow([schemaInstruction(rf, mode), ...request.messages]);
}
