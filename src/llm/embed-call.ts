/**
 * `/embeddings` calls: the same layers as chat (retry( gate( http ) ), the
 * API key redacted, usage priced by the table), a different body and reply.
 * One call embeds a batch of inputs; splitting a long list into batches is the
 * caller's choice (src/statements/semantic/embeddings/embedder.ts), as is caching.
 */
import type { RvbbitError } from '../../base/errors.js';
import { SIM_HEADER } from '../runtime/simulator-mark.js';
import type { LlmCallRecord } from './client-options.js';
import { LLM_ERROR, llmError, RetryableFailure } from './errors.js';
import type { PriceTable } from './pricing.js';
import { retryable } from './reply.js';
import { type RetryPolicy, withRetry } from './retry.js';
import type { HttpReply, Send } from './send.js';
import { textTokensNow } from './token-count.js';
import type { CallOptions, EmbedRequest, EmbedResult } from './types.js';
import { usageOf } from './usage.js';

/** What an embed call borrows from its client. */
export interface EmbedDeps {
  readonly send: Send;
  /** {base}/embeddings */
  /** The embeddings path for a model (Azure puts the deployment in the path). */
  readonly path: (model: string) => string;
  readonly headers: Record<string, string>;
  readonly host: string;
  readonly clean: (text: string) => string;
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly defaultTimeoutMs: number;
  readonly isClosed: () => boolean;
  /** The client's retry policy for one call (attempts, deadline, breaker, backoff, Retry-After pauses). */
  readonly policy: (call: CallOptions, startedAt: number, model: string) => Omit<RetryPolicy, 'signal'>;
  /** Any thrown value → an RvbbitError with an LLM_ code (the client's own mapping). */
  readonly toError: (err: unknown, signal: AbortSignal | undefined) => RvbbitError;
  readonly onCall?: (record: LlmCallRecord) => void;
}

export async function embedCall(
  deps: EmbedDeps,
  request: EmbedRequest,
  call: CallOptions = {},
): Promise<EmbedResult> {
  const started = performance.now();
  if (!request.model) throw llmError(LLM_ERROR.BAD_REQUEST, 'no embedding model');
  const model = deps.aliases?.[request.model] ?? request.model;
  if (
    !Array.isArray(request.input) ||
    request.input.length === 0 ||
    !request.input.every((s) => typeof s === 'string')
  )
    throw llmError(LLM_ERROR.BAD_REQUEST, 'input must be a non-empty array of strings');
  if (deps.isClosed()) throw llmError(LLM_ERROR.BAD_REQUEST, 'the LLM client is closed');
  const signal = call.signal;
  // base64, as OpenAI's own Node SDK asks by default "for performance reasons"
  // (openai-node #1312): a float32 vector is 4 bytes in base64 rather than ~20
  // characters of JSON number, and decodes without parsing. 2,048 vectors as JSON
  // numbers were ~10 MB to parse on the main thread per call. A server that
  // answers with numbers anyway is read as before (the SDK reads both too).
  const body = JSON.stringify({ model, input: request.input, encoding_format: 'base64' });
  let attempts = 0;
  const once = (): Promise<EmbedAnswer> => {
    attempts++;
    return deps
      .send({
        path: deps.path(model),
        body,
        headers: deps.headers,
        signal,
        timeoutMs: call.timeoutMs ?? deps.defaultTimeoutMs,
        model,
      })
      .then((reply) => readEmbeddings(retryable(reply, deps.host, deps.clean), model, request.input, deps));
  };
  try {
    const done = await withRetry(() => once(), {
      ...deps.policy(call, started, model),
      ...(signal ? { signal } : {}),
    });
    const result: EmbedResult = { ...done, durationMs: performance.now() - started, attempts };
    deps.onCall?.({
      model,
      ok: true,
      attempts,
      durationMs: result.durationMs,
      usage: result.usage,
      answeredBy: result.answeredBy,
    });
    return result;
  } catch (err) {
    const e = deps.toError(err, signal);
    deps.onCall?.({
      model,
      ok: false,
      code: e.code,
      attempts,
      durationMs: performance.now() - started,
      answeredBy: deps.host,
    });
    throw e;
  }
}

type EmbedAnswer = Omit<EmbedResult, 'durationMs' | 'attempts'>;

/**
 * An embedding as base64 (little-endian float32 values: what OpenAI sends for
 * `encoding_format: 'base64'`) or as a list of numbers; undefined when it is
 * neither, is empty, or holds a value that is not a finite number.
 */
function vectorOf(embedding: unknown): Float32Array | undefined {
  let out: Float32Array;
  if (typeof embedding === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(embedding)) return undefined;
    const bytes = Buffer.from(embedding, 'base64');
    if (bytes.length % 4 !== 0) return undefined;
    out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  } else if (Array.isArray(embedding) && embedding.every((x) => typeof x === 'number')) {
    out = Float32Array.from(embedding as number[]);
  } else return undefined;
  if (out.length === 0 || !out.every(Number.isFinite)) return undefined;
  return out;
}

/** An OpenAI embeddings body → one Float32Array per input, by `index`. */
function readEmbeddings(
  reply: HttpReply,
  model: string,
  inputs: readonly string[],
  ctx: { readonly host: string; readonly clean: (t: string) => string; readonly prices?: PriceTable },
): EmbedAnswer {
  const { host } = ctx;
  const count = inputs.length;
  const s = reply.status;
  if (s >= 400 && s < 500)
    throw llmError(`LLM_HTTP_${s}`, `HTTP ${s} from ${host}: ${ctx.clean(reply.text).slice(0, 300)}`, {
      status: s,
    });
  if (s < 200 || s >= 300)
    throw llmError(LLM_ERROR.HTTP_ERROR, `unexpected HTTP ${s} from ${host}`, { status: s });
  let json: { data?: unknown; usage?: unknown; model?: unknown };
  try {
    json = JSON.parse(reply.text);
  } catch {
    throw new RetryableFailure(LLM_ERROR.BAD_RESPONSE, `the body from ${host} is not valid JSON`, s);
  }
  const data = json?.data;
  const bad = (why: string) =>
    llmError(LLM_ERROR.BAD_RESPONSE, `the embeddings from ${host} ${why}`, { status: s });
  if (!Array.isArray(data) || data.length !== count)
    throw bad(`are ${Array.isArray(data) ? data.length : 'no'} vectors for ${count} inputs`);
  const vectors: Float32Array[] = new Array(count);
  let dims = -1;
  data.forEach((d: { index?: unknown; embedding?: unknown }, i) => {
    const at = typeof d?.index === 'number' ? d.index : i;
    const e = vectorOf(d?.embedding);
    if (!e) throw bad(`hold a vector that is not a list of numbers (item ${i})`);
    if (dims !== -1 && e.length !== dims) throw bad(`differ in length (${dims} and ${e.length})`);
    if (!(at >= 0 && at < count) || vectors[at] !== undefined)
      throw bad(`have a bad or repeated index ${at}`);
    dims = e.length;
    vectors[at] = e;
  });
  const answered = typeof json.model === 'string' && json.model.length > 0 ? json.model : model;
  return {
    vectors,
    model: answered,
    usage: usageOf(json.usage, ctx.prices, [model, answered], {}, () => ({
      tokensIn: inputs.reduce((n, text) => n + textTokensNow(text), 0),
      tokensOut: 0,
    })),
    answeredBy: reply.headers[SIM_HEADER] === '1' ? 'simulator' : host,
  };
}
