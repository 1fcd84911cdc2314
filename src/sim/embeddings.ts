/**
 * The simulator's `/embeddings`: deterministic vectors whose cosine
 * similarity follows word overlap, so tests of EMBED, SIMILAR_TO and
 * pre-filtered joins mean something. A text's vector is its bag of content
 * stems (words.ts, the same "understanding" the chat answers use), each stem
 * hashed to a dimension and a sign, normalised to length 1: two texts with
 * no stem in common are orthogonal (up to hash collisions), the same stems
 * give cosine 1, and k shared of m and n stems give about k / sqrt(m·n).
 * Faults, outages and the rate limit apply as to chat requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, faultFor, MALFORMED_BODY } from './completion.js';
import { fnv1a } from './rng.js';
import type { SimState } from './sim-state.js';
import { contentStems, tokens } from './words.js';

/** Dimensions of every simulated embedding model. */
export const SIM_EMBEDDING_DIMS = 256;

/** The simulator's vector for `text` (a plain array: it goes into JSON). */
export function simEmbedding(text: string, dims = SIM_EMBEDDING_DIMS): number[] {
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
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  // Rounded so the JSON is short and the same on every platform.
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function handleEmbeddings(state: SimState, req: IncomingMessage, res: ServerResponse): void {
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
    respond(state, Buffer.concat(chunks).toString('utf8'), u, due, res);
  });
}

function respond(state: SimState, raw: string, u: number, due: number, res: ServerResponse): undefined {
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
  let body: { model?: unknown; input?: unknown };
  try {
    body = JSON.parse(raw);
  } catch {
    return send(400, errorBody('request body is not valid JSON', 'invalid_request_error'));
  }
  const model = typeof body?.model === 'string' && body.model.length > 0 ? body.model : undefined;
  const input = typeof body?.input === 'string' ? [body.input] : body?.input;
  if (!model) return send(400, errorBody('model is required', 'invalid_request_error', 'model'));
  if (!Array.isArray(input) || input.length === 0 || !input.every((s) => typeof s === 'string'))
    return send(
      400,
      errorBody('input must be a string or a non-empty array of strings', 'invalid_request_error', 'input'),
    );
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
  let chars = 0;
  for (const s of input as string[]) chars += s.length;
  const tokensIn = Math.max(1, Math.ceil(chars / 4));
  const usage: Record<string, number> = { prompt_tokens: tokensIn, total_tokens: tokensIn };
  if (state.opts.costPerMillion) usage['cost'] = (tokensIn * state.opts.costPerMillion.in) / 1e6;
  const data = (input as string[]).map((s, index) => ({
    object: 'embedding',
    index,
    embedding: simEmbedding(s),
  }));
  const out = JSON.stringify({ object: 'list', data, model, usage });
  state.at(due, () => {
    if (res.destroyed) return;
    state.stats.embeddingInputs += input.length;
    state.stats.embeddingTokens += tokensIn;
    send(200, out);
  });
}
