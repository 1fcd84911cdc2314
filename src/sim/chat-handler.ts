/**
 * The chat endpoint: reads the body (bounded), then answers as the knobs say:
 * the rate limit, the profile's rules (provider-profiles.ts), a model's
 * quirk, a seeded fault (error, reset, hang, malformed body) or the
 * completion — as JSON, or as server-sent events for `stream: true` — each
 * when due: a sampled latency after the request arrived (SimState.dueTime).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readChatRequestOrParam, type SimChatRequest } from './chat-request.js';
import {
  type AnswerFormat,
  completionBody,
  completionEvents,
  completionFor,
  errorBody,
  faultFor,
  MALFORMED_BODY,
  MALFORMED_STREAM,
  type PromptTokens,
  promptTokensOf,
} from './completion.js';
import { capRefusal, contextRefusal, limitsOf } from './model-limits.js';
import { admissionTokens, azureRateLimited } from './openai-rate-limits.js';
import type { ResolvedSimOptions, SimQuirk } from './options.js';
import { CACHE_MIN_TOKENS, CACHE_STEP_TOKENS } from './prompt-cache.js';
import {
  profileOf,
  providerError,
  type RouteFacts,
  responseFormatDecision,
  strictToolsProblem,
  unknownModel,
} from './provider-profiles.js';
import type { SimState } from './sim-state.js';

/** Cached answers kept at most; past it the cache starts over. */
const ANSWER_CACHE_MAX = 4096;

/** What the path says about a chat request: Azure's deployment (the model) and api-version. */
export interface ChatRoute extends RouteFacts {
  readonly model?: string;
}

export function handleChat(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  route: ChatRoute = {},
): void {
  state.stats.requests++;
  state.stats.firstRequestAt ??= performance.timeOrigin + performance.now();
  state.stats.inFlight++;
  if (state.stats.inFlight > state.stats.maxInFlight) state.stats.maxInFlight = state.stats.inFlight;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    state.stats.inFlight--;
  };
  res.on('close', finish);
  // One draw per request, in arrival order, whatever happens next.
  const u = state.faultRng();
  const due = state.dueTime();

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > state.opts.maxBodyBytes) {
    state.send(
      res,
      413,
      errorBody(`request body over ${state.opts.maxBodyBytes} bytes`, 'invalid_request_error'),
      {
        connection: 'close',
      },
    );
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > state.opts.maxBodyBytes) tooBig = true;
    else chunks.push(c);
  });
  req.on('end', () => {
    if (tooBig) {
      state.send(
        res,
        413,
        errorBody(`request body over ${state.opts.maxBodyBytes} bytes`, 'invalid_request_error'),
      );
      return;
    }
    const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    state.gated(() => respond(state, raw, u, due, res, route));
  });
}

/** A chat request checked: refused (with the 400 or 404 to send), or to be answered. */
export type ChatVerdict =
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: string;
      /** The request, when it could be read. */
      readonly req?: SimChatRequest;
      /** Refused for its response_format (counted in `responseFormatRefusals`). */
      readonly formatRefusal: boolean;
      /** Refused for the model's limits: its output cap or its context window (model-limits.ts). */
      readonly limit?: 'cap' | 'context';
      /** The prompt's tokens, when the refusal came after counting them. */
      readonly prompt?: PromptTokens;
    }
  | {
      readonly ok: true;
      readonly req: SimChatRequest;
      readonly format: AnswerFormat;
      readonly quirk: SimQuirk | undefined;
      readonly prompt: PromptTokens;
    };

/**
 * Everything a chat body is checked for before it is answered, by the
 * profile's rules: the body itself, the model (local servers), the
 * response_format, strict tools, and the `reject-response-format` quirk.
 * The same for a request and a Batch API line.
 */
export function checkChatRequest(raw: string, opts: ResolvedSimOptions, route: ChatRoute = {}): ChatVerdict {
  const profile = profileOf(opts.profile);
  const read = readChatRequestOrParam(raw, route.model);
  if ('error' in read) {
    const param = profile.name === 'default' && read.code === undefined ? null : read.param;
    return {
      ok: false,
      status: 400,
      body: providerError(profile, 400, read.error, { param, ...(read.code ? { code: read.code } : {}) }),
      formatRefusal: false,
    };
  }
  const req = read;
  const notServed = unknownModel(profile, req.model, opts.models);
  if (notServed) return { ok: false, status: 404, body: notServed, req, formatRefusal: false };
  const format = responseFormatDecision(profile, req, route);
  if (!format.ok) return { ok: false, status: format.status, body: format.body, req, formatRefusal: true };
  const choice = req.toolChoice;
  if (
    profile.honoursToolChoice &&
    typeof choice === 'object' &&
    !req.tools.some((t) => t.name === choice.name)
  ) {
    const message = `tool_choice names function '${choice.name}', which is not in tools`;
    return {
      ok: false,
      status: 400,
      body: providerError(profile, 400, message, { param: 'tool_choice' }),
      req,
      formatRefusal: false,
    };
  }
  const toolsProblem = strictToolsProblem(profile, req);
  if (toolsProblem) return { ok: false, status: 400, body: toolsProblem, req, formatRefusal: false };
  const quirk = opts.quirks[req.model];
  if (quirk === 'reject-response-format' && req.hasResponseFormat) {
    const message = `response_format json_schema is not supported for model ${req.model}`;
    return {
      ok: false,
      status: 400,
      body: errorBody(message, 'invalid_request_error', 'response_format'),
      req,
      formatRefusal: true,
    };
  }
  // The model's limits, last: OpenAI weighs them on a request otherwise valid (model-limits.ts).
  const limits = limitsOf(req.model, opts);
  const prompt = promptTokensOf(req, opts);
  const overCap = capRefusal(req.maxTokens, limits);
  if (overCap)
    return { ok: false, status: 400, body: overCap, req, formatRefusal: false, limit: 'cap', prompt };
  const overWindow = contextRefusal(prompt.tokens, req.maxTokens, limits);
  if (overWindow) {
    return { ok: false, status: 400, body: overWindow, req, formatRefusal: false, limit: 'context', prompt };
  }
  return { ok: true, req, format, quirk, prompt };
}

/**
 * The prompt cache counts its prefixes in characters / 4 (prompt-cache.ts); where the
 * prompt is counted as OpenAI counts it, the cached part is at most the prompt: the
 * largest step of OpenAI's sequence (1024, 1152, …) within it.
 */
function cachedWithin(cached: number, promptTokens: number): number {
  if (cached <= promptTokens) return cached;
  if (promptTokens < CACHE_MIN_TOKENS) return 0;
  return (
    CACHE_MIN_TOKENS + Math.floor((promptTokens - CACHE_MIN_TOKENS) / CACHE_STEP_TOKENS) * CACHE_STEP_TOKENS
  );
}

/** Counts what a checked chat request (or Batch API line) adds to the limits' counters. */
export function countVerdict(stats: SimState['stats'], verdict: ChatVerdict): void {
  if (verdict.ok || verdict.prompt) {
    const tokens = verdict.prompt!.tokens;
    if (tokens > stats.maxPromptTokens) stats.maxPromptTokens = tokens;
  }
  if (!verdict.ok && verdict.limit === 'cap') stats.capRejected++;
  if (!verdict.ok && verdict.limit === 'context') stats.contextRejected++;
}

function respond(
  state: SimState,
  raw: string,
  u: number,
  due: number,
  res: ServerResponse,
  route: ChatRoute,
): void {
  if (state.opts.outage?.mode === 'error') {
    state.send(res, 503, errorBody('simulated outage', 'server_error'));
    return;
  }
  if (state.bucket) {
    const take = state.bucket.take();
    if (!take.ok) {
      const seconds = Math.max(1, Math.ceil(take.waitMs / 1000));
      const retryAfter =
        state.opts.retryAfterFormat === 'date'
          ? new Date(Date.now() + seconds * 1000).toUTCString()
          : String(seconds);
      state.send(res, 429, errorBody('rate limit exceeded', 'rate_limit_error'), {
        'retry-after': retryAfter,
      });
      return;
    }
  }
  const verdict = checkChatRequest(raw, state.opts, route);
  const req = verdict.req;
  if (req) {
    const { model } = req;
    state.stats.byModel[model] = (state.stats.byModel[model] ?? 0) + 1;
    if (state.stats.promptsSeen) {
      state.stats.promptsSeen.push({
        model,
        messages: req.messages,
        hasResponseFormat: req.hasResponseFormat,
        ...(req.responseFormat ? { responseFormat: req.responseFormat } : {}),
      });
    }
  }
  // The tpm/rpm limits admit a request before anything else is weighed (openai-rate-limits.ts).
  let limitHeaders: Record<string, string> = {};
  if (state.rateLimits && req) {
    const admission = state.rateLimits.admit(req.model, admissionTokens(req.messages, req.maxTokens?.value));
    limitHeaders = admission.headers;
    if (!admission.ok) {
      if (admission.cause === 'tokens') state.stats.rateLimitedTokens++;
      else state.stats.rateLimitedRequests++;
      const tokens = verdict.ok ? verdict.prompt.tokens : (verdict.prompt?.tokens ?? 0);
      if (tokens > state.stats.maxPromptTokens) state.stats.maxPromptTokens = tokens;
      if (state.profile.paths === 'azure') {
        const azure = azureRateLimited(admission, 'ChatCompletions_Create', route.apiVersion);
        state.send(res, 429, azure.body, azure.headers);
      } else state.send(res, 429, admission.body, admission.headers);
      return;
    }
  }
  countVerdict(state.stats, verdict);
  if (!verdict.ok) {
    if (verdict.formatRefusal) state.stats.responseFormatRefusals++;
    // A body that cannot be read is refused at once; the others when due, as before.
    if (!req) state.send(res, verdict.status, verdict.body);
    else state.at(due, () => state.send(res, verdict.status, verdict.body, limitHeaders));
    return;
  }
  const { quirk, format } = verdict;
  const chat = verdict.req;
  switch (faultFor(u, state.opts)) {
    case 'error':
      state.at(due, () => state.send(res, 500, errorBody('simulated server error', 'server_error')));
      return;
    case 'reset':
      state.at(due, () => {
        state.stats.resets++;
        res.socket?.destroy();
      });
      return;
    case 'hang':
      state.stats.hangs++;
      return;
    case 'malformed':
      state.at(due, () => {
        state.stats.malformed++;
        if (chat.stream) state.sendStream(res, [MALFORMED_STREAM]);
        else state.send(res, 200, MALFORMED_BODY);
      });
      return;
    case undefined:
      break;
  }
  const profile = state.profile;
  // Keyed by a digest, not the body: V8 hashes a string of more than 16,383 characters by its
  // length alone (String::kMaxHashCalcLength), so packed requests of one length all collided in
  // the map and each lookup compared bodies (15% of the simulator's CPU at 16 rows a request).
  const cacheKey = createHash('sha1')
    .update(`${route.model ?? ''}\n${quirk ?? ''}\n`)
    .update(raw)
    .digest('base64');
  let answer = state.answers.get(cacheKey);
  if (answer === undefined) {
    answer = completionFor(chat, quirk, state.opts, format, verdict.prompt);
    if (state.answers.size >= ANSWER_CACHE_MAX) state.answers.clear();
    state.answers.set(cacheKey, answer);
  }
  // Prompt caching counts in arrival order, like every other draw.
  const cached = profile.cachedTokens
    ? cachedWithin(state.promptCache.lookupAndRemember(chat.model, chat.messages), answer.tokensIn)
    : 0;
  const done = answer;
  const opts = state.opts;
  state.at(due, () => {
    if (res.destroyed) return;
    state.stats.completed++;
    if (done.finishReason === 'length') state.stats.truncated++;
    state.stats.tokensIn += done.tokensIn;
    state.stats.imageTokens += done.imageTokens;
    state.stats.tokensOut += done.tokensOut;
    state.stats.tokensCached += cached;
    if (chat.stream) state.stats.streamed++;
    if (chat.stream)
      state.sendStream(res, completionEvents(done, profile, opts, cached, chat.includeUsage), limitHeaders);
    else
      state.send(
        res,
        200,
        cached > 0 ? completionBody(done, profile, opts, cached) : done.body,
        limitHeaders,
      );
  });
}
