/**
 * A streamed chat completion (`stream: true`: server-sent events, one
 * `chat.completion.chunk` per `data:` line, `data: [DONE]` last) read back into the
 * body a non-streamed call returns, so one reader (reply.ts) serves both: the
 * content is the deltas' `content` joined, `finish_reason` the last one given,
 * `logprobs.content` every chunk's `choices[0].logprobs.content` in order (the
 * official `openai` SDK's ChatCompletionChunk.Choice.Logprobs: `{content:
 * ChatCompletionTokenLogprob[] | null, refusal: … | null}`, resources/chat/completions),
 * and `usage` the chunk that carries it (`stream_options.include_usage`: the last
 * chunk, with no choices). A chunk that is no JSON, or an `error` event, makes the
 * body unreadable (null), as a garbled non-streamed body is.
 */

interface Chunk {
  readonly model?: unknown;
  readonly error?: unknown;
  readonly usage?: unknown;
  readonly choices?: readonly {
    readonly index?: unknown;
    readonly delta?: { readonly content?: unknown; readonly role?: unknown };
    readonly finish_reason?: unknown;
    readonly logprobs?: { readonly content?: unknown } | null;
  }[];
}

/** Whether a reply is server-sent events (a streamed answer). */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

/** The non-streamed body `{model, choices: [{message, finish_reason, logprobs}], usage}` of an event stream, or null. */
export function assembleStream(text: string): Record<string, unknown> | null {
  let content: string | null = null;
  let finish: unknown = null;
  let model: unknown;
  let usage: unknown;
  let tokens: unknown[] | null = null;
  let choices = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') break;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return null;
    }
    if (chunk === null || typeof chunk !== 'object' || chunk.error !== undefined) return null;
    if (model === undefined && typeof chunk.model === 'string' && chunk.model !== '') model = chunk.model;
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if ((choice?.index ?? 0) !== 0) continue;
      choices++;
      const piece = choice.delta?.content;
      if (typeof piece === 'string') content = (content ?? '') + piece;
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish = choice.finish_reason;
      const lp = choice.logprobs?.content;
      if (Array.isArray(lp)) tokens = [...(tokens ?? []), ...lp];
    }
  }
  return {
    ...(model !== undefined ? { model } : {}),
    choices:
      choices === 0
        ? []
        : [
            {
              index: 0,
              message: { role: 'assistant', content },
              finish_reason: finish,
              logprobs: tokens === null ? null : { content: tokens, refusal: null },
            },
          ],
    ...(usage !== undefined ? { usage } : {}),
  };
}
