/**
 * `createLlmClient()`: the OpenAI-compatible chat client. One call flows
 * through composed layers: retry( gate( http ) ), each in its own file.
 *
 *   const llm = createLlmClient({ baseUrl: sim.url });
 *   const r = await llm.chat({ model: 'sim-small', messages: [{ role: 'user', content: 'Hi' }] });
 */
import type { Pool } from 'undici';
import { RvbbitError } from '../../base/errors.js';
import { rememberSecret } from '../../base/secrets.js';
import { checkedApiKey } from './api-key.js';
import { createBatchApi, unsupportedBatchApi } from './batch-api.js';
import { BatchSession, type BatchSessionDeps, type BatchSessionOptions } from './batch-delivery.js';
import { type FittedRequest, fitRequest, largerMaxTokens } from './call-fit.js';
import { checkClientOptions, type LlmClientOptions } from './client-options.js';
import { type EmbedDeps, embedCall } from './embed-call.js';
import {
  excerpt,
  FailedCallError,
  LLM_ERROR,
  llmError,
  namedDown,
  RetryableFailure,
  redact,
  toLlmError,
} from './errors.js';
import { type Gate, withGate } from './gate.js';
import { paceTicket } from './gate-ticket.js';
import { boundedHeaderWarning, withBoundedWaits } from './header-bounds.js';
import { httpSend, LazyPool } from './http.js';
import {
  bodyWithImageFiles,
  holdsImageFiles,
  type ImageFiles,
  inlineImageFiles,
  withImageFiles,
} from './image-files.js';
import { ModelLimitsBook } from './model-limits.js';
import { LISTING_THRESHOLD_TOKENS, readListedLimits } from './model-list.js';
import { type Answer, readReply, retryable } from './reply.js';
import { bodyOf } from './request-body.js';
import { DEFAULT_BACKOFF, DEFAULT_DEADLINE_MS, type RetryPolicy, withRetry } from './retry.js';
import type { HttpReply } from './send.js';
import { SharedGate } from './shared-gate.js';
import { answerInOriginalShape, rejectsResponseFormat, STRUCTURED_MODES } from './structured.js';
import { promptTokensUpperBound } from './token-count.js';
import type {
  CallOptions,
  ChatRequest,
  ChatResult,
  EmbeddingClient,
  LlmClient,
  StructuredMode,
} from './types.js';

export type { LlmCallRecord, LlmClientOptions } from './client-options.js';

/** A client that can deliver calls through the provider's Batch API (batch-delivery.ts). */
export interface BatchDelivering {
  /** An LlmClient for one chunk's runs whose calls go in batches (see BatchSession). */
  batchSession(options?: BatchSessionOptions): BatchSession;
}

/** An LlmClient for any OpenAI-compatible `/chat/completions` endpoint; it also embeds (`/embeddings`). */
export function createLlmClient(options: LlmClientOptions): LlmClient & EmbeddingClient & BatchDelivering {
  checkClientOptions(options);
  // A worker thread's client: its errors (a model's answer that quotes the key) never show it.
  rememberSecret(options.apiKey);
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const azureVersion = options.azureApiVersion;
  /**
   * Azure OpenAI names the deployment in the path and wants `api-version`
   * (Azure OpenAI REST reference); everyone else takes the model in the body.
   */
  const pathOf = (endpoint: 'chat/completions' | 'embeddings') =>
    azureVersion === undefined
      ? () => `${prefix}/${endpoint}${base.search}`
      : (model: string) =>
          `${prefix}/openai/deployments/${encodeURIComponent(model)}/${endpoint}?api-version=${encodeURIComponent(azureVersion)}`;
  const chatPath = pathOf('chat/completions');
  const host = base.hostname;
  const key = options.apiKey ? checkedApiKey(options.apiKey, 'options.apiKey') || undefined : undefined;
  // Enough sockets for every slot the gate may grant this client.
  const maxConcurrency =
    options.maxConcurrency ?? (options.gate instanceof SharedGate ? options.gate.snapshot().ceiling : 64);
  const maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  const poolOptions: Pool.Options = {
    connections: options.connections ?? maxConcurrency,
    pipelining: 1,
    maxResponseSize: maxBytes,
    keepAliveTimeout: 30_000,
    // Every attempt has its own deadline (http.ts), so undici's header and
    // body timers are off: they were a timer per request that kept the
    // request's state alive past young-generation GCs (a worker's heap grew
    // with N over a 100k-row MAP), and their 1 s resolution made them late.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  const pool = new LazyPool(base.origin, poolOptions);
  const gate: Gate =
    options.gate ??
    new SharedGate({
      maxConcurrency,
      requestsPerSecond: options.requestsPerSecond ?? 0,
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.paceByHeaders === undefined ? {} : { paceByHeaders: options.paceByHeaders }),
    });
  /**
   * Warnings to log with the next call of each model (its record's `warning`):
   * a provider header cut to the deadline, said once per model and header.
   */
  const pendingWarnings = new Map<string, string>();
  const saidBounded = new Set<string>();
  const send = withGate(
    withBoundedWaits(httpSend(pool, maxBytes), options.deadlineMs ?? DEFAULT_DEADLINE_MS, (b) => {
      const said = `${b.model}\n${b.header}`;
      if (saidBounded.has(said)) return;
      saidBounded.add(said);
      const text = boundedHeaderWarning(b, host);
      const earlier = pendingWarnings.get(b.model);
      pendingWarnings.set(b.model, earlier ? `${earlier}; ${text}` : text);
    }),
    gate,
  );
  /** The warnings waiting for `model`'s next call, taken. */
  const takeWarning = (model: string): string | undefined => {
    const w = pendingWarnings.get(model);
    if (w !== undefined) pendingWarnings.delete(model);
    return w;
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (key) {
    if (azureVersion === undefined) headers['authorization'] = `Bearer ${key}`;
    else headers['api-key'] = key;
  }
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const defaultAttempts = options.retries ?? 3;
  const defaultTimeout = options.timeoutMs ?? 120_000;
  const breaker = gate instanceof SharedGate ? gate.breaker : undefined;
  /** The breaker's LLM_ENDPOINT_DOWN, naming the endpoint (host and port, never the key). */
  const endpointDown = (): RvbbitError | undefined =>
    breaker?.isDown() ? namedDown(breaker.downError(), base.host) : undefined;
  /** Models that refused a structured-output mode: the mode they are at now, and the provider's words. */
  const structured = new Map<string, { mode: StructuredMode; warning?: string }>(
    (options.noResponseFormat ?? []).map((m) => [m, { mode: 'prompt' }]),
  );
  /** Each model's context window and output cap: configured, stated by the provider, listed, published. */
  const limits = new ModelLimitsBook(options.models);
  /** The provider's model list, read once (single-flight) when a long prompt's model has no known window. */
  let listingRead: Promise<void> | undefined;
  const readModelList = (): Promise<void> =>
    (listingRead ??= Promise.resolve(pool.get()).then((p) =>
      readListedLimits(p, `${prefix}/models${base.search}`, headers, limits),
    ));
  let closed = false;

  const clean = (text: string) => redact(text, key);

  /** The retry policy of one call (chat or embeddings), signal aside. */
  function policy(call: CallOptions, started: number, model: string): Omit<RetryPolicy, 'signal'> {
    return {
      attempts: call.retries ?? defaultAttempts,
      explicitAttempts: call.retries !== undefined || options.retries !== undefined,
      deadlineMs: call.deadlineMs ?? options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      startedAt: started,
      endpointDown,
      ...(breaker ? { breakerOpen: () => !breaker.isClosed() } : {}),
      backoff,
      onRetry: (e) => {
        if (e.retryAfterMs !== undefined)
          gate.pause(Math.min(e.retryAfterMs, backoff.maxRetryAfterMs ?? 60_000));
        options.onRetry?.({ ...e, model });
      },
    };
  }

  async function chat(request: ChatRequest, call: CallOptions = {}): Promise<ChatResult> {
    const started = performance.now();
    const model = modelFor(request);
    if (closed) throw llmError(LLM_ERROR.BAD_REQUEST, 'the LLM client is closed');
    const signal = call.signal;
    const timeoutMs = call.timeoutMs ?? defaultTimeout;
    const counter = { attempts: 0 };
    const answer = async (sent: ChatRequest, files?: ImageFiles): Promise<Answer> => {
      try {
        return await attemptOnce(model, sent, signal, timeoutMs, counter, files);
      } catch (err) {
        // The common case above allocates no retry machinery; retries start here.
        if (!(err instanceof RetryableFailure)) throw err;
        const once = () => attemptOnce(model, sent, signal, timeoutMs, counter, files);
        return await withRetry((n) => (n === 1 ? Promise.reject(err) : once()), {
          ...policy(call, started, model),
          ...(signal ? { signal } : {}),
        });
      }
    };
    try {
      if (
        !listingRead &&
        azureVersion === undefined &&
        limits.limitsOf(model).contextWindow === undefined &&
        promptTokensUpperBound(request.messages) > LISTING_THRESHOLD_TOKENS
      )
        await readModelList();
      const fitted = await fitRequest(model, request, limits.limitsOf(model));
      const within = (files?: ImageFiles) => answerWithinLimits(model, fitted, (r) => answer(r, files));
      // Image files (IMAGE('path')) are read here, within the process's bound, and held until the answer.
      const done = holdsImageFiles(request.messages)
        ? await withImageFiles(request.messages, options.images, signal, within)
        : await within();
      const providerWarning = takeWarning(model);
      const result: ChatResult = {
        content: done.content,
        model: done.model,
        usage: done.usage,
        durationMs: performance.now() - started,
        attempts: counter.attempts,
        answeredBy: done.answeredBy,
        ...(providerWarning ? { providerWarning } : {}),
        ...(done.structured ? { structured: done.structured } : {}),
        ...(done.structuredWarning ? { structuredWarning: done.structuredWarning } : {}),
        ...(done.trueProbabilities ? { trueProbabilities: done.trueProbabilities } : {}),
        ...(done.labelProbabilities ? { labelProbabilities: done.labelProbabilities } : {}),
      };
      options.onCall?.({
        model,
        ok: true,
        attempts: counter.attempts,
        durationMs: result.durationMs,
        usage: result.usage,
        answeredBy: result.answeredBy,
      });
      return result;
    } catch (err) {
      let e = toLlmError(err, signal);
      if (e.code === LLM_ERROR.ENDPOINT_DOWN && e.detail['host'] === undefined) e = namedDown(e, base.host);
      // How many requests the call sent (none: refused here, over a known limit), and what to log with it.
      const providerWarning = takeWarning(model);
      e = new FailedCallError(e, counter.attempts, providerWarning);
      options.onCall?.({
        model,
        ok: false,
        code: e.code,
        attempts: counter.attempts,
        durationMs: performance.now() - started,
        answeredBy: host,
      });
      throw e;
    }
  }

  /**
   * The answer to a fitted request, within the model's limits: a
   * context-length refusal teaches the book the window (once per model) and
   * the request is fitted again (a lower max_tokens may fit; a prompt over
   * the window fails here, LLM_CONTEXT_TOO_LONG); a cut answer is tried once
   * more with the most tokens the model may give (call-fit.ts).
   */
  async function answerWithinLimits(
    model: string,
    fitted: FittedRequest,
    send: (request: ChatRequest) => Promise<Answer>,
  ): Promise<Answer> {
    let current = fitted;
    for (let refit = 0; ; refit++) {
      try {
        return await send(current.request);
      } catch (err) {
        if (!(err instanceof RvbbitError)) throw err;
        if (err.code === LLM_ERROR.CONTEXT_TOO_LONG && refit === 0) {
          const window = err.detail['window'];
          if (typeof window !== 'number' || !limits.learnWindow(model, window)) throw err;
          // Over the window by our count too, or fitting where the provider's did not: its refusal stands.
          const again = await fitRequest(model, current.request, limits.limitsOf(model)).catch(() => {
            throw err;
          });
          if (again.request.maxTokens === current.request.maxTokens) throw err;
          current = again;
          continue;
        }
        if (err.code === LLM_ERROR.OUTPUT_TRUNCATED && refit === 0) {
          const known = limits.limitsOf(model);
          const more = largerMaxTokens(current.request.maxTokens, known);
          if (more === undefined) throw err;
          // Within what the window leaves the prompt.
          const again = await fitRequest(model, { ...current.request, maxTokens: more }, known);
          if ((again.request.maxTokens ?? 0) <= (current.request.maxTokens ?? 0)) throw err;
          current = again;
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * One attempt, read into an answer; more when the provider refuses the
   * request's structured-output mode (structured.ts): each refusal moves the
   * model one mode down, reported once through onStructuredFallback.
   */
  async function attemptOnce(
    model: string,
    request: ChatRequest,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    counter: { attempts: number },
    files: ImageFiles | undefined,
  ): Promise<Answer> {
    const rf = request.responseFormat;
    let mode: StructuredMode = structured.get(model)?.mode ?? 'json_schema';
    let reply = await attempt(model, request, mode, signal, timeoutMs, counter, files);
    while (rf && mode !== 'prompt' && rejectsResponseFormat(reply.status, reply.text)) {
      const next = STRUCTURED_MODES[STRUCTURED_MODES.indexOf(mode) + 1]!;
      const known = structured.get(model);
      // Calls in flight together all meet the refusal: the first one moves the model.
      if (!known || STRUCTURED_MODES.indexOf(known.mode) < STRUCTURED_MODES.indexOf(next)) {
        const warning = `${mode} refused by ${host} for ${model}: ${excerpt(clean(reply.text))}`;
        structured.set(model, { mode: next, warning });
        options.onStructuredFallback?.({ model, from: mode, to: next, warning });
      }
      mode = next;
      reply = await attempt(model, request, mode, signal, timeoutMs, counter, files);
    }
    return answerOf(reply, model, request, mode, false);
  }

  /** A reply read into an answer: its text in the request schema's own shape, and how the schema went. */
  function answerOf(
    reply: HttpReply,
    model: string,
    request: ChatRequest,
    mode: StructuredMode,
    batch: boolean,
  ): Answer {
    const answer = readReply(reply, model, request, {
      host,
      clean,
      prices: options.prices,
      checkJson: options.checkJson,
      batch,
      mode,
    });
    const rf = request.responseFormat;
    if (!rf) return batch ? { ...answer, delivery: 'batch' } : answer;
    const warning = structured.get(model)?.warning;
    return {
      ...answer,
      content: answerInOriginalShape(answer.content, rf, mode),
      structured: mode,
      ...(warning ? { structuredWarning: warning } : {}),
      ...(batch ? { delivery: 'batch' as const } : {}),
    };
  }

  /** The model a request names, after the default and aliases; BAD_REQUEST for no model or no messages. */
  function modelFor(request: ChatRequest): string {
    const asked = request.model || options.defaultModel;
    if (!asked) throw llmError(LLM_ERROR.BAD_REQUEST, 'no model: set request.model or defaultModel');
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw llmError(LLM_ERROR.BAD_REQUEST, 'messages must be a non-empty array');
    }
    return options.aliases?.[asked] ?? asked;
  }

  /** One HTTP attempt; a status worth retrying rejects with RetryableFailure. Not async: one frame fewer per call. */
  function attempt(
    model: string,
    request: ChatRequest,
    mode: StructuredMode,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    counter: { attempts: number },
    files?: ImageFiles,
  ): Promise<HttpReply> {
    counter.attempts++;
    const body = bodyOf(model, request, mode, options.stream === true);
    return send({
      path: chatPath(model),
      // Made per attempt (a structured-output fallback changes the body); the files' bytes are read once.
      body: files && files.size > 0 ? bodyWithImageFiles(body, files) : body,
      headers,
      signal,
      timeoutMs,
      model,
      // What it draws on the budget the provider announces (gate-budget.ts); never counted once its answers show none.
      pace: paceTicket(host, model, request),
    }).then((reply) => retryable(reply, host, clean));
  }

  const embedDeps: EmbedDeps = {
    send,
    path: pathOf('embeddings'),
    headers,
    host,
    clean,
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.aliases ? { aliases: options.aliases } : {}),
    defaultTimeoutMs: defaultTimeout,
    isClosed: () => closed,
    policy,
    toError: (err, signal) => {
      const e = toLlmError(err, signal);
      return e.code === LLM_ERROR.ENDPOINT_DOWN && e.detail['host'] === undefined
        ? namedDown(e, base.host)
        : e;
    },
    ...(options.onCall ? { onCall: options.onCall } : {}),
  };

  const batchApi =
    azureVersion === undefined
      ? createBatchApi({ baseUrl: options.baseUrl, apiKey: key, host })
      : unsupportedBatchApi(
          `delivery = 'batch' speaks OpenAI's Batch API; ${host} is Azure OpenAI, whose batches need a global-batch deployment and are not supported yet: use delivery = 'sync'`,
        );
  const batchDeps: BatchSessionDeps = {
    api: batchApi,
    endpoint: base.href,
    linePath: '/v1/chat/completions',
    prepare(request) {
      const model = modelFor(request);
      const mode = structured.get(model)?.mode ?? 'json_schema';
      if (holdsImageFiles(request.messages)) {
        return inlineImageFiles(request.messages, options.images).then((messages) => ({
          model,
          mode,
          body: bodyOf(model, { ...request, messages }, mode),
        }));
      }
      return { model, mode, body: bodyOf(model, request, mode) };
    },
    finish(request, prepared, status, text, startedAt) {
      const { model, mode } = prepared;
      const done = answerOf({ status, text, headers: {} }, model, request, mode, true);
      const result: ChatResult = { ...done, durationMs: performance.now() - startedAt, attempts: 1 };
      options.onCall?.({
        model,
        ok: true,
        attempts: 1,
        durationMs: result.durationMs,
        usage: result.usage,
        answeredBy: result.answeredBy,
      });
      return result;
    },
    direct: (request, call) => chat(request, call),
  };

  return {
    chat,
    batchSession: (o) => new BatchSession(batchDeps, o),
    embed: (request, call) => embedCall(embedDeps, request, call),
    close: async () => {
      closed = true;
      await pool.close();
    },
  };
}
