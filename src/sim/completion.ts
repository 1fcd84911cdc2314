/**
 * The bodies the simulator sends: a chat completion (with usage), the same
 * as a `text/event-stream` of `chat.completion.chunk`s (`stream: true`), and
 * OpenAI-style errors. What a profile adds to them (usage details, Azure's
 * content filter results, …) is read from provider-profiles.ts.
 *
 * Streaming follows the Chat API reference ("Streaming"): a first chunk
 * with the assistant role, chunks of content (or of a tool call's
 * arguments), a chunk with `finish_reason` and an empty delta, with
 * `stream_options: {include_usage: true}` a last chunk with empty `choices`
 * and the usage ("All other chunks will also include a usage field, but
 * with a null value"), then `data: [DONE]`. Azure sends its
 * `prompt_filter_results` first in a chunk without choices.
 */
import { answerWithBeliefs } from './answer.js';
import type { SimChatRequest } from './chat-request.js';
import { type LabelBelief, logprobsContent, type TokenLogprob } from './logprobs.js';
import { answerBudget, countsExactly, limitsOf } from './model-limits.js';
import type { ResolvedSimOptions, SimQuirk } from './options.js';
import { priceAnswer } from './prices.js';
import { type ProviderProfile, profileOf, responseFormatDecision } from './provider-profiles.js';
import { fnv1a } from './rng.js';
import { chatPromptTokens, firstTokens, schemaPromptTokens, textTokens } from './token-count.js';
import { type SimToolCall, toolCallFor } from './tool-calls.js';

export interface Completion {
  /** The chat.completion body (no prompt tokens cached). */
  readonly body: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Of tokensIn, the images' (image-input.ts). */
  readonly imageTokens: number;
  readonly id: string;
  readonly model: string;
  /** The answer's text; null when it is a tool call. */
  readonly content: string | null;
  readonly toolCall: SimToolCall | undefined;
  /** The `no-choices` quirk: no choice at all. */
  readonly noChoices: boolean;
  /** `length` when the answer was cut at max_tokens or the model's limits (model-limits.ts). */
  readonly finishReason: 'stop' | 'tool_calls' | 'length';
  /** `choices[0].logprobs.content` when the request asked for logprobs and the provider gives them (logprobs.ts). */
  readonly logprobs?: TokenLogprob[];
}

/** A prompt's tokens (images' included) and, of them, the images'. */
export interface PromptTokens {
  readonly tokens: number;
  readonly imageTokens: number;
}

/**
 * A prompt's tokens: as OpenAI counts chat messages where it counts exactly
 * (model-limits.ts countsExactly; token-count.ts), else its text's characters
 * / 4; each image adds its own tokens (image-input.ts), not its description's;
 * a json_schema response_format adds its schema's (token-count.ts
 * schemaPromptTokens; characters / 4 where counting is not exact).
 */
export function promptTokensOf(
  req: Pick<SimChatRequest, 'model' | 'messages' | 'schema'>,
  opts: ResolvedSimOptions,
): PromptTokens {
  const { model, messages, schema } = req;
  let imageTokens = 0;
  for (const m of messages) if (m.images) for (const image of m.images) imageTokens += image.tokens;
  if (countsExactly(model, opts)) {
    const texts = messages.map((m) => ({ role: m.role, text: m.text ?? m.content }));
    const schemaTokens = schema ? schemaPromptTokens(schema, model) : 0;
    return { tokens: chatPromptTokens(texts, model) + schemaTokens + imageTokens, imageTokens };
  }
  let promptChars = schema ? JSON.stringify(schema).length : 0;
  for (const m of messages) promptChars += (m.text ?? m.content).length;
  return { tokens: Math.max(1, Math.ceil(promptChars / 4) + imageTokens), imageTokens };
}

/** What the answer must be: a schema's value, a JSON object, or free text. */
export interface AnswerFormat {
  readonly schema?: Record<string, unknown>;
  readonly json: boolean;
}

/** The `created` time of every answer (fixed: answers are deterministic). */
const CREATED = 1_700_000_000;

/**
 * A chat completion; tokens ≈ characters / 4, plus each image's own. `format` is the profile's
 * reading of the request's response_format (provider-profiles.ts); without
 * it, the profile's rule is applied here, and a request it would refuse is
 * answered as the permissive simulator would.
 */
export function completionFor(
  req: SimChatRequest,
  quirk: SimQuirk | undefined,
  opts: ResolvedSimOptions,
  format?: AnswerFormat,
  promptTokens?: PromptTokens,
): Completion {
  const profile = profileOf(opts.profile);
  const { model, messages } = req;
  let toolCall = toolCallFor(req, opts.seed, profile.honoursToolChoice);
  let content: string | null = null;
  let beliefs: readonly number[] = [];
  let labels: readonly LabelBelief[] = [];
  if (!toolCall) {
    let f = format;
    if (f === undefined) {
      const d = responseFormatDecision(profile, req);
      f = d.ok ? d : { schema: req.schema, json: false };
    }
    const schema = f.schema && ignoresEnum(quirk, messages) ? withoutEnums(f.schema) : f.schema;
    ({
      text: content,
      beliefs,
      labels = [],
    } = answerWithBeliefs(
      { model, messages, ...(schema ? { schema } : {}), ...(f.json && !schema ? { json: true } : {}) },
      opts.seed,
      opts.profiles[model],
    ));
    if (quirk === 'empty') content = '';
    else if (quirk === 'truncated-json')
      content = content.slice(0, Math.max(1, Math.floor(content.length / 2)));
    else if (quirk === 'huge') content = 'x'.repeat(opts.hugeBytes);
    else if (quirk === 'short-batch') content = dropLastOfLongList(content);
  }
  const prompt = promptTokens ?? promptTokensOf(req, opts);
  const exact = countsExactly(model, opts);
  let finishReason: Completion['finishReason'] = toolCall ? 'tool_calls' : 'stop';
  let tokensOut: number;
  if (toolCall && exact) {
    // A call's arguments are its answer's text: cut at the budget as text is (finish_reason length).
    tokensOut = textTokens(toolCall.name, model) + textTokens(toolCall.arguments, model);
    const budget = answerBudget(prompt.tokens, req.maxTokens, limitsOf(model, opts));
    if (budget !== null && tokensOut > budget) {
      const room = Math.max(0, budget - textTokens(toolCall.name, model));
      toolCall = { ...toolCall, arguments: firstTokens(toolCall.arguments, room, model) };
      tokensOut = budget;
      finishReason = 'length';
    }
  } else if (toolCall) {
    const out = toolCall.name + toolCall.arguments;
    tokensOut = Math.ceil(out.length / 4);
  } else if (exact) {
    if (quirk === 'verbose') content = verbose(content!, opts.verboseTokens, model);
    tokensOut = textTokens(content!, model);
    const budget = answerBudget(prompt.tokens, req.maxTokens, limitsOf(model, opts));
    if (budget !== null && tokensOut > budget) {
      content = firstTokens(content!, budget, model);
      tokensOut = budget;
      finishReason = 'length';
    }
  } else {
    if (quirk === 'verbose') content = verbose(content!, opts.verboseTokens, model);
    tokensOut = Math.ceil(content!.length / 4);
  }
  const tokensIn = prompt.tokens;
  const imageTokens = prompt.imageTokens;
  const id = `chatcmpl-sim-${fnv1a((toolCall ? toolCall.arguments : content!) + model).toString(16)}`;
  const c = {
    id,
    model,
    content,
    toolCall,
    noChoices: quirk === 'no-choices',
    finishReason,
    tokensIn,
    tokensOut,
    imageTokens,
    // A provider that ignores the parameter (opts.logprobs false) answers without them.
    ...(req.logprobs && opts.logprobs && content !== null
      ? { logprobs: logprobsContent(content, beliefs, req.logprobs.top, labels) }
      : {}),
  };
  // The body is made when first read: the server sends it, while code that reads the answer's
  // facts alone (the statistical tests' trials, test/fixtures/*-trials.ts: 480,000 answers a
  // run) never pays for serialising it.
  let body: string | undefined;
  return {
    ...c,
    get body() {
      body ??= completionBody(c, profile, opts, 0);
      return body;
    },
  };
}

type CompletionFacts = Omit<Completion, 'body'>;

/** The usage object as the profile reports it. */
function usageOf(
  c: CompletionFacts,
  profile: ProviderProfile,
  opts: ResolvedSimOptions,
  cached: number,
): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: c.tokensIn,
    completion_tokens: c.tokensOut,
    total_tokens: c.tokensIn + c.tokensOut,
  };
  if (profile.usage === 'openai') {
    usage['prompt_tokens_details'] = { cached_tokens: cached, audio_tokens: 0 };
    usage['completion_tokens_details'] = {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    };
  } else if (profile.usage === 'vllm') {
    usage['prompt_tokens_details'] = null;
  }
  if (profile.reportsCost && opts.costPerMillion) {
    usage['cost'] = (c.tokensIn * opts.costPerMillion.in + c.tokensOut * opts.costPerMillion.out) / 1e6;
  } else if (profile.reportsCost && opts.prices?.[c.model]) {
    usage['cost'] = priceAnswer(opts.prices[c.model]!, c.tokensIn, c.tokensOut, cached, false);
  }
  // A hostile provider's figures, last: they replace the true ones (options.ts usageOverride).
  if (opts.usageOverride) Object.assign(usage, opts.usageOverride);
  return usage;
}

/** Azure's annotations: every category filtered false, severity safe (Azure OpenAI REST reference). */
const SAFE = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: SAFE }];

function toolCallsOf(call: SimToolCall) {
  return [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }];
}

/**
 * A choice's `logprobs` as the body carries them (OpenAI's chat.completion: `content`, one
 * entry per token, and `refusal`): what a client's logprob reader reads (llm/logprobs.ts).
 */
export function choiceLogprobs(content: readonly TokenLogprob[]): {
  content: readonly TokenLogprob[];
  refusal: null;
} {
  return { content, refusal: null };
}

/** The chat.completion body; `cached` prompt tokens are reported where the profile reports them. */
export function completionBody(
  c: CompletionFacts,
  profile: ProviderProfile,
  opts: ResolvedSimOptions,
  cached: number,
): string {
  const message: Record<string, unknown> = { role: 'assistant', content: c.content };
  if (c.toolCall) message['tool_calls'] = toolCallsOf(c.toolCall);
  if (profile.openaiFields) {
    message['refusal'] = null;
    message['annotations'] = [];
  }
  const choice: Record<string, unknown> = {
    index: 0,
    message,
    finish_reason: c.finishReason,
  };
  if (c.logprobs) choice['logprobs'] = choiceLogprobs(c.logprobs);
  else if (profile.openaiFields) choice['logprobs'] = null;
  if (profile.contentFilter) choice['content_filter_results'] = SAFE;
  const body: Record<string, unknown> = {
    id: c.id,
    object: 'chat.completion',
    created: CREATED,
    model: c.model,
  };
  if (profile.contentFilter) body['prompt_filter_results'] = PROMPT_FILTER_RESULTS;
  body['choices'] = c.noChoices ? [] : [choice];
  body['usage'] = usageOf(c, profile, opts, cached);
  if (profile.systemFingerprint) body['system_fingerprint'] = profile.systemFingerprint;
  if (profile.name === 'openai') body['service_tier'] = 'default';
  return JSON.stringify(body);
}

/** The answer as server-sent events, `data: [DONE]` last. */
export function completionEvents(
  c: CompletionFacts,
  profile: ProviderProfile,
  opts: ResolvedSimOptions,
  cached: number,
  includeUsage: boolean,
): string[] {
  const head: Record<string, unknown> = {
    id: c.id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: c.model,
  };
  if (profile.systemFingerprint) head['system_fingerprint'] = profile.systemFingerprint;
  if (profile.name === 'openai') head['service_tier'] = 'default';
  const events: string[] = [];
  const push = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const chunk = { ...head, choices, ...(includeUsage ? { usage: null } : {}), ...extra };
    events.push(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  const delta = (d: Record<string, unknown>, finish: string | null = null, tokens?: readonly unknown[]) => {
    const choice: Record<string, unknown> = { index: 0, delta: d };
    // A chunk's own tokens' logprobs, as OpenAI streams them (the official SDK's
    // ChatCompletionChunk.Choice.Logprobs, resources/chat/completions: `{content, refusal}`).
    if (tokens) choice['logprobs'] = { content: tokens, refusal: null };
    else if (profile.openaiFields) choice['logprobs'] = null;
    choice['finish_reason'] = finish;
    return [choice];
  };
  if (profile.contentFilter) {
    events.push(
      `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS })}\n\n`,
    );
  }
  if (!c.noChoices) {
    if (c.toolCall) {
      const call = c.toolCall;
      push(
        delta({
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
      );
      for (const piece of pieces(call.arguments)) {
        push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      }
      push(delta({}, c.finishReason));
    } else {
      push(
        delta(
          profile.openaiFields
            ? { role: 'assistant', content: '', refusal: null }
            : { role: 'assistant', content: '' },
        ),
      );
      // With logprobs each token is a chunk of its own, carrying its logprob (the tokens partition the text).
      if (c.logprobs) for (const t of c.logprobs) push(delta({ content: t.token }, null, [t]));
      else for (const piece of pieces(c.content ?? '')) push(delta({ content: piece }));
      push(delta({}, c.finishReason));
    }
  }
  if (includeUsage) {
    const chunk = { ...head, choices: [], usage: usageOf(c, profile, opts, cached) };
    events.push(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/** Most characters in one streamed delta. */
const PIECE = 24;

/** `text` cut into deltas: at each start of a word, and at most PIECE characters (never inside a surrogate pair). */
function pieces(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    const atWord = i < text.length && isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i));
    const full = i - start >= PIECE && !isHighSurrogate(text.charCodeAt(i - 1));
    if (i === text.length || atWord || full) {
      out.push(text.slice(start, i));
      start = i;
    }
  }
  return out;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** An OpenAI-style error body (the default profile's, and the simulator's own faults). */
export function errorBody(message: string, type: string, param?: string): string {
  return JSON.stringify({ error: { message, type, param: param ?? null, code: null } });
}

/** A body cut mid-way: what `malformedRate` sends with a 200. */
export const MALFORMED_BODY =
  '{"id":"chatcmpl-sim","object":"chat.completion","choices":[{"index":0,"message":{"rol';

/** A stream cut mid-way: what `malformedRate` sends to `stream: true`. */
export const MALFORMED_STREAM =
  'data: {"id":"chatcmpl-sim","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"rol\n\n';

export type Fault = 'error' | 'reset' | 'hang' | 'malformed';

/** Which fault (if any) a request's uniform draw `u` falls in; bands are cumulative in this order. */
export function faultFor(u: number, opts: ResolvedSimOptions): Fault | undefined {
  let band = opts.errorRate;
  if (u < band) return 'error';
  band += opts.resetRate;
  if (u < band) return 'reset';
  band += opts.hangRate;
  if (u < band) return 'hang';
  band += opts.malformedRate;
  if (u < band) return 'malformed';
  return undefined;
}

/** `ignore-enum`, and `ignore-enum-once` unless the last message asks again after an invalid answer. */
function ignoresEnum(quirk: SimQuirk | undefined, messages: SimChatRequest['messages']): boolean {
  if (quirk === 'ignore-enum') return true;
  if (quirk !== 'ignore-enum-once') return false;
  return !/^Your answer was not valid/.test(messages.at(-1)?.content ?? '');
}

function withoutEnums(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === 'enum' ? undefined : v));
}

/**
 * `verbose`: the answer grown to `tokens` tokens. Free text grows filler
 * words at its end (" the", one token each in both encodings); a JSON
 * object's first string value grows them, so a cut answer is invalid JSON,
 * as a real cut one is; JSON with no string value grows whitespace before
 * its closing bracket (" \t", one token each), as a model in JSON mode can:
 * "the model may generate an unending stream of whitespace and the request
 * could run continually until it reaches the token limit" (OpenAI's JSON mode
 * guide). Each is measured again once, so the count is exact unless the
 * growth merges with its neighbours.
 */
function verbose(content: string, tokens: number, model: string): string {
  let grown: (by: number) => string;
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    value = undefined;
  }
  const record =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const key = record && Object.keys(record).find((k) => typeof record[k] === 'string');
  if (value === undefined) grown = (by) => content + ' the'.repeat(Math.max(0, by));
  else if (record && key !== undefined)
    grown = (by) =>
      JSON.stringify({ ...record, [key]: (record[key] as string) + ' the'.repeat(Math.max(0, by)) });
  else {
    const text = JSON.stringify(value);
    const closes = text.endsWith('}') || text.endsWith(']');
    const head = closes ? text.slice(0, -1) : text;
    grown = (by) => `${head}${' \t'.repeat(Math.max(0, by))}${closes ? text.slice(-1) : ''}`;
  }
  let by = tokens - textTokens(content, model);
  let out = grown(by);
  by += tokens - textTokens(out, model);
  out = grown(by);
  return out;
}

/** `short-batch`: the answer's list (itself, or its one list-valued key) loses its last item past 4. */
function dropLastOfLongList(content: string): string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return content;
  }
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? Object.values(value).find(Array.isArray)
      : undefined;
  if (!list || list.length <= 4) return content;
  list.pop();
  return JSON.stringify(value);
}
