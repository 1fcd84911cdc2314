/**
 * The simulator's `/embeddings`: deterministic vectors whose cosine
 * similarity follows word overlap, so tests of EMBED, SIMILAR_TO and
 * pre-filtered joins mean something. A text's vector is its bag of content
 * stems (words.ts, the same "understanding" the chat answers use), each stem
 * hashed to a dimension and a sign, normalised to length 1: two texts with
 * no stem in common are orthogonal (up to hash collisions), the same stems
 * give cosine 1, and k shared of m and n stems give about k / sqrt(m·n).
 *
 * An embedding model with a profile (`profiles: { 'emb-small': { embeddingNoise: 1 } }`,
 * profile.ts) is a weaker one: a real embedding model gives related texts a higher
 * similarity, but how much higher varies from text to text and does not follow the
 * chat model's judgement exactly (an embedding proxy's scores rank a chat model's
 * answers imperfectly). Its vector is the word vector plus σ·g, g a Gaussian vector
 * of per-component variance 1/dims seeded by the simulator's seed, the model and the
 * text (the same text always gets the same vector), normalised again: the cosine of
 * two texts is then about (their word cosine + σ·N(0, 2/dims) + σ²·N(0, 1/dims)) / (1 + σ²),
 * still higher for related texts on average, with σ setting how noisily (σ = 1 on
 * 256 dimensions: about ±0.09 around the word cosine's half).
 * Faults, outages and the rate limit apply as to chat requests.
 *
 * `encoding_format` (Embeddings API reference): `float` (the default) sends
 * the vector as a JSON array; `base64` sends the bytes of its little-endian
 * float32 array in base64, as OpenAI does — the official `openai` SDK asks
 * for base64 whenever the caller names no format and decodes it. (A
 * simulator that ignored the parameter answered a JSON array to that
 * request, and the SDK, decoding the array as base64 bytes, got a quarter as
 * many floats, nearly all zero: 64 zeros for these 256 dimensions.)
 * `dimensions` shortens the vector as text-embedding-3 does: its first n
 * values, normalised again (1 ≤ n ≤ 256). Errors and the model check follow
 * the profile (provider-profiles.ts); only the default profile reports `usage.cost`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, faultFor, MALFORMED_BODY } from './completion.js';
import { countsExactly } from './model-limits.js';
import { azureRateLimited } from './openai-rate-limits.js';
import type { ResolvedSimOptions, SimLimitKey } from './options.js';
import { priceAnswer } from './prices.js';
import { profileOf, providerError, unknownModel } from './provider-profiles.js';
import { fnv1a, hashSeed, mulberry32, normal } from './rng.js';
import type { SimState } from './sim-state.js';
import { textTokens } from './token-count.js';
import { contentStems, tokens } from './words.js';

/** Inputs per request, and tokens summed across them (OpenAI's limits). */
const MAX_EMBED_INPUTS = 2048;
const MAX_EMBED_TOKENS = 300_000;

/** Dimensions of every simulated embedding model. */
export const SIM_EMBEDDING_DIMS = 256;

/** A weaker model's noise (see the head of this file): σ and what seeds it. */
export interface EmbeddingNoise {
  readonly sigma: number;
  readonly seed: number;
  readonly model: string;
}

/** The simulator's vector for `text` (a plain array: it goes into JSON). */
export function simEmbedding(text: string, dims = SIM_EMBEDDING_DIMS, noise?: EmbeddingNoise): number[] {
  let features: Iterable<string> = contentStems(text);
  if ((features as Set<string>).size === 0) {
    // Only stop-words, or none: the words themselves, else the exact text.
    const t = tokens(text);
    features = t.length > 0 ? new Set(t) : [`\u0001${text}`];
  }
  const v = new Array<number>(dims).fill(0);
  for (const f of features) {
    const h = fnv1a(f);
    v[h % dims]! += h & 0x80000000 ? -1 : 1;
  }
  if (noise && noise.sigma > 0) {
    let words = 0;
    for (const x of v) words += x * x;
    // The word vector's own length, so σ is relative to a unit word vector.
    const scale = (noise.sigma * Math.sqrt(words)) / Math.sqrt(dims);
    const rng = mulberry32(hashSeed(`embedding noise\u0000${noise.seed}\u0000${noise.model}\u0000${text}`));
    for (let i = 0; i < dims; i++) v[i]! += scale * normal(rng);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  // Rounded so the JSON is short and the same on every platform.
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** The vector as `encoding_format: 'base64'` sends it: its little-endian float32 bytes, base64. */
export function embeddingBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
}

/** A vector shortened to its first `dims` values and normalised again (text-embedding-3's `dimensions`). */
function shortened(v: number[], dims: number): number[] {
  if (dims >= v.length) return v;
  const head = v.slice(0, dims);
  let norm = 0;
  for (const x of head) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return head.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function handleEmbeddings(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  route: { readonly model?: string; readonly apiVersion?: string } = {},
): void {
  state.stats.embeddingRequests++;
  const u = state.faultRng();
  const due = state.dueTime();
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= state.opts.maxBodyBytes) chunks.push(c);
  });
  req.on('end', () => {
    if (size > state.opts.maxBodyBytes) {
      state.send(
        res,
        413,
        errorBody(`request body over ${state.opts.maxBodyBytes} bytes`, 'invalid_request_error'),
        {},
        false,
      );
      return;
    }
    respond(state, Buffer.concat(chunks).toString('utf8'), u, due, res, route.model, route.apiVersion);
  });
}

function respond(
  state: SimState,
  raw: string,
  u: number,
  due: number,
  res: ServerResponse,
  pathModel: string | undefined,
  apiVersion: string | undefined,
): undefined {
  // Returns undefined so every branch can end with `return send(…)`.
  const send = (status: number, body: string, headers: Record<string, string> = {}): undefined => {
    state.send(res, status, body, headers, false);
  };
  const at = (when: number, fn: () => void): undefined => {
    state.at(when, fn);
  };
  if (state.opts.outage?.mode === 'error') return send(503, errorBody('simulated outage', 'server_error'));
  if (state.bucket) {
    const take = state.bucket.take();
    if (!take.ok) {
      const seconds = Math.max(1, Math.ceil(take.waitMs / 1000));
      return send(429, errorBody('rate limit exceeded', 'rate_limit_error'), {
        'retry-after': String(seconds),
      });
    }
  }
  const answer = embeddingsAnswer(raw, state.opts, pathModel);
  if (answer.status !== 200) return send(answer.status, answer.body);
  // The tpm/rpm limits (openai-rate-limits.ts): an embedding counts its input's tokens.
  let limitHeaders: Record<string, string> = {};
  if (state.rateLimits) {
    const admission = state.rateLimits.admit(answer.model, answer.tokensIn);
    limitHeaders = admission.headers;
    if (!admission.ok) {
      if (admission.cause === 'tokens') state.stats.rateLimitedTokens++;
      else state.stats.rateLimitedRequests++;
      if (state.profile.paths !== 'azure') return send(429, admission.body, admission.headers);
      const azure = azureRateLimited(admission, 'Embeddings_Create', apiVersion);
      return send(429, azure.body, azure.headers);
    }
  }
  switch (faultFor(u, state.opts)) {
    case 'error':
      return at(due, () => send(500, errorBody('simulated server error', 'server_error')));
    case 'reset':
      return at(due, () => {
        state.stats.resets++;
        res.socket?.destroy();
      });
    case 'hang':
      state.stats.hangs++;
      return;
    case 'malformed':
      return at(due, () => {
        state.stats.malformed++;
        send(200, MALFORMED_BODY);
      });
    case undefined:
      break;
  }
  state.at(due, () => {
    if (res.destroyed) return;
    state.stats.embeddingInputs += answer.inputs;
    state.stats.embeddingTokens += answer.tokensIn;
    send(200, answer.body, limitHeaders);
  });
}

export type EmbeddingsAnswer =
  | {
      readonly status: 200;
      readonly body: string;
      readonly model: string;
      readonly tokensIn: number;
      readonly inputs: number;
      /** Each input's `embedding` as the body carries it (a base64 string with `encoding_format: base64`). */
      readonly embeddings: readonly (readonly number[] | string)[];
    }
  | { readonly status: 400 | 404; readonly body: string };

/**
 * The answer to an /embeddings body (a 400 for a bad one, a 404 for a model
 * a local server does not have): the same for a request and a Batch API
 * line. `pathModel` is the model the path names (Azure's deployment).
 */
export function embeddingsAnswer(
  raw: string,
  opts: Pick<ResolvedSimOptions, 'costPerMillion'> &
    Partial<Pick<ResolvedSimOptions, 'profile' | 'models' | 'prices' | 'profiles' | 'seed' | SimLimitKey>>,
  pathModel?: string,
): EmbeddingsAnswer {
  const profile = profileOf(opts.profile ?? 'default');
  const bad = (message: string, param?: string, code?: string): EmbeddingsAnswer => ({
    status: 400,
    body: providerError(profile, 400, message, { param: param ?? null, code: code ?? null }),
  });
  let body: { model?: unknown; input?: unknown; encoding_format?: unknown; dimensions?: unknown };
  try {
    body = JSON.parse(raw);
  } catch {
    return bad('request body is not valid JSON');
  }
  const model =
    pathModel ?? (typeof body?.model === 'string' && body.model.length > 0 ? body.model : undefined);
  const input = typeof body?.input === 'string' ? [body.input] : body?.input;
  if (!model) return bad('model is required', 'model');
  const notServed = unknownModel(profile, model, opts.models ?? []);
  if (notServed) return { status: 404, body: notServed };
  if (!Array.isArray(input) || input.length === 0 || !input.every((s) => typeof s === 'string'))
    return bad('input must be a string or a non-empty array of strings', 'input');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return profile.errors === 'ollama'
      ? bad(`Invalid value for 'encoding_format' = ${String(format)}. Supported values: ['float', 'base64'].`)
      : bad(`'${String(format)}' is not one of ['float', 'base64'] - 'encoding_format'`, 'encoding_format');
  }
  const dims = body.dimensions;
  if (dims !== undefined && dims !== null) {
    if (typeof dims !== 'number' || !Number.isInteger(dims))
      return bad("Invalid type for 'dimensions': expected an integer.", 'dimensions', 'invalid_type');
    if (dims < 1)
      return bad(
        `Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got ${dims} instead.`,
        'dimensions',
        'integer_below_min_value',
      );
    if (dims > SIM_EMBEDDING_DIMS)
      return bad(
        `Invalid 'dimensions': integer above maximum value. Expected a value <= ${SIM_EMBEDDING_DIMS}, but got ${dims} instead.`,
        'dimensions',
        'integer_above_max_value',
      );
  }
  // Counted as OpenAI counts them where the chat endpoint is (model-limits.ts countsExactly), else characters / 4.
  const exact = countsExactly(model, {
    profile: opts.profile ?? 'default',
    contextWindow: opts.contextWindow ?? null,
    maxOutputTokens: opts.maxOutputTokens ?? null,
    tpm: opts.tpm ?? null,
    rpm: opts.rpm ?? null,
  });
  let tokensIn: number;
  if (exact) {
    tokensIn = 0;
    for (const s of input as string[]) tokensIn += textTokens(s, model);
  } else {
    let chars = 0;
    for (const s of input as string[]) chars += s.length;
    tokensIn = Math.max(1, Math.ceil(chars / 4));
  }
  // OpenAI's request limits (Embeddings API reference, `input`): 2,048 inputs, 300,000 tokens summed.
  if (profile.errors !== 'ollama') {
    if (input.length > MAX_EMBED_INPUTS)
      return bad(
        `Invalid 'input': array too long. Expected an array with maximum length ${MAX_EMBED_INPUTS}, but got an array with length ${input.length} instead.`,
        'input',
        'array_above_max_length',
      );
    if (tokensIn > MAX_EMBED_TOKENS)
      return bad(`Requested ${tokensIn} tokens, max ${MAX_EMBED_TOKENS} tokens per request`, 'input');
  }
  const usage: Record<string, number> = { prompt_tokens: tokensIn, total_tokens: tokensIn };
  if (opts.costPerMillion && profile.reportsCost) usage['cost'] = (tokensIn * opts.costPerMillion.in) / 1e6;
  else if (profile.reportsCost && opts.prices?.[model])
    usage['cost'] = priceAnswer(opts.prices[model]!, tokensIn, 0, 0, false);
  const sigma = opts.profiles?.[model]?.embeddingNoise;
  const noise = sigma ? { sigma, seed: opts.seed ?? 0, model } : undefined;
  const embeddings = (input as string[]).map((s) => {
    const full = simEmbedding(s, SIM_EMBEDDING_DIMS, noise);
    const v = typeof dims === 'number' ? shortened(full, dims) : full;
    return format === 'base64' ? embeddingBase64(v) : v;
  });
  // The body is made when first read: the server sends it, while code that reads the vectors
  // alone (the embedding proxy's trials, test/fixtures/supg-embedding-trials.ts: 2,001 vectors of
  // 256 floats a trial) never pays for writing and parsing them (a third of a trial's CPU).
  let answerBody: string | undefined;
  return {
    status: 200,
    get body() {
      answerBody ??= JSON.stringify({
        object: 'list',
        data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        model,
        usage,
      });
      return answerBody;
    },
    model,
    tokensIn,
    inputs: input.length,
    embeddings,
  };
}
