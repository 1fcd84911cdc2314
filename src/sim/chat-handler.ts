/**
 * The chat endpoint: reads the body (bounded), then answers as the knobs say:
 * the rate limit, a model's quirk, a seeded fault (error, reset, hang,
 * malformed body) or the completion, each when due: a sampled latency after
 * the request arrived (SimState.dueTime).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readChatRequest } from './chat-request.js';
import { completionFor, errorBody, faultFor, MALFORMED_BODY } from './completion.js';
import type { SimState } from './sim-state.js';

/** Cached answers kept at most; past it the cache starts over. */
const ANSWER_CACHE_MAX = 4096;

export function handleChat(state: SimState, req: IncomingMessage, res: ServerResponse): void {
  state.stats.requests++;
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
    respond(state, raw, u, due, res);
  });
}

function respond(state: SimState, raw: string, u: number, due: number, res: ServerResponse): void {
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
  const req = readChatRequest(raw);
  if (typeof req === 'string') {
    state.send(res, 400, errorBody(req, 'invalid_request_error'));
    return;
  }
  const { model } = req;
  state.stats.byModel[model] = (state.stats.byModel[model] ?? 0) + 1;
  if (state.stats.promptsSeen) {
    state.stats.promptsSeen.push({ model, messages: req.messages, hasResponseFormat: req.hasResponseFormat });
  }
  const quirk = state.opts.quirks[model];
  if (quirk === 'reject-response-format' && req.hasResponseFormat) {
    const message = `response_format json_schema is not supported for model ${model}`;
    state.at(due, () => state.send(res, 400, errorBody(message, 'invalid_request_error', 'response_format')));
    return;
  }
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
        state.send(res, 200, MALFORMED_BODY);
      });
      return;
    case undefined:
      break;
  }
  const cacheKey = quirk ? `${quirk}\n${raw}` : raw;
  let answer = state.answers.get(cacheKey);
  if (answer === undefined) {
    answer = completionFor(req, quirk, state.opts);
    if (state.answers.size >= ANSWER_CACHE_MAX) state.answers.clear();
    state.answers.set(cacheKey, answer);
  }
  const done = answer;
  state.at(due, () => {
    if (res.destroyed) return;
    state.stats.completed++;
    state.stats.tokensIn += done.tokensIn;
    state.stats.tokensOut += done.tokensOut;
    state.send(res, 200, done.body);
  });
}
