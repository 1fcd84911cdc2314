/** The JSON bodies the simulator sends: a chat completion (with usage) and OpenAI-style errors. */
import { answerFor } from './answer.js';
import type { SimChatRequest } from './chat-request.js';
import type { ResolvedSimOptions, SimQuirk } from './options.js';
import { fnv1a } from './rng.js';

export interface Completion {
  readonly body: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/** A chat.completion body; tokens ≈ characters / 4. */
export function completionFor(
  req: SimChatRequest,
  quirk: SimQuirk | undefined,
  opts: ResolvedSimOptions,
): Completion {
  const { model, messages } = req;
  const schema = req.schema && ignoresEnum(quirk, messages) ? withoutEnums(req.schema) : req.schema;
  let content = answerFor(
    { model, messages, ...(schema ? { schema } : {}) },
    opts.seed,
    opts.profiles[model],
  );
  if (quirk === 'empty') content = '';
  else if (quirk === 'truncated-json')
    content = content.slice(0, Math.max(1, Math.floor(content.length / 2)));
  else if (quirk === 'huge') content = 'x'.repeat(opts.hugeBytes);
  else if (quirk === 'short-batch') content = dropLastOfLongList(content);
  let promptChars = 0;
  for (const m of messages) promptChars += m.content.length;
  const tokensIn = Math.max(1, Math.ceil(promptChars / 4));
  const tokensOut = Math.ceil(content.length / 4);
  const usage: Record<string, number> = {
    prompt_tokens: tokensIn,
    completion_tokens: tokensOut,
    total_tokens: tokensIn + tokensOut,
  };
  if (opts.costPerMillion) {
    usage['cost'] = (tokensIn * opts.costPerMillion.in + tokensOut * opts.costPerMillion.out) / 1e6;
  }
  const id = `chatcmpl-sim-${fnv1a(content + model).toString(16)}`;
  const choices =
    quirk === 'no-choices'
      ? []
      : [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }];
  const body = JSON.stringify({
    id,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices,
    usage,
  });
  return { body, tokensIn, tokensOut };
}

export function errorBody(message: string, type: string, param?: string): string {
  return JSON.stringify({ error: { message, type, param: param ?? null, code: null } });
}

/** A body cut mid-way: what `malformedRate` sends with a 200. */
export const MALFORMED_BODY =
  '{"id":"chatcmpl-sim","object":"chat.completion","choices":[{"index":0,"message":{"rol';

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
