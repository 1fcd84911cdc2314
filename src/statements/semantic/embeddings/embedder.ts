/**
 * Embeddings for SQL (EMBED, SIMILAR_TO, VECTOR_SEARCH, pre-filtered `~`):
 * distinct texts are looked up in the result cache (per model and text), the
 * misses embedded in batches of `EMBED_BATCH` inputs per `/embeddings` call
 * (concurrent, within the process-wide gate), every call logged in
 * rvbbit.unified_logs as a chat call is (cell `embed`, tokens, cost, who
 * answered) and every cache hit as a hit. One embedder per engine, on the
 * main thread: an embedding call is a few ms of JSON, not worth a worker.
 */
import { hash } from 'node:crypto';
import { RvbbitError } from '../../../../base/errors.js';
import type { ResultCache } from '../../../cache/result-cache.js';
import type { CallLimits } from '../../../cascade/call-limits.js';
import type { EmbeddingClient, LlmClient } from '../../../llm/types.js';
import { type CallOrigin, type LogWriter, loggedCall } from '../../../obs/log-writer.js';
import type { WorkerLlmConfig } from '../../../thread/chunk-protocol.js';

/**
 * What an embedder uses of the engine (a statement context's cache and logs,
 * its SemanticEngine's llm and semantic); named here so the embedder does not
 * import the engine's type, which holds the SemanticShared that closes embedders.
 */
interface EmbedderEngine {
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  readonly llm: WorkerLlmConfig;
  /** The engine's SemanticShared: one embedder per engine, keyed by it. */
  readonly semantic: object;
}

/** Inputs per `/embeddings` call: OpenAI's most (its reference, `input`); EMBED_BATCH_CHARS bounds the body. */
export const EMBED_BATCH = 2048;
/** The text embedded to learn a model's dimension when nothing says it yet. */
const PROBE_TEXT = 'rvbbit';

export interface EmbedCounters {
  calls: number;
  cacheHits: number;
  cost: number;
  tokens: number;
}

/** One statement's embedding calls. */
export interface EmbedContext {
  readonly queryId: string;
  readonly signal?: AbortSignal;
  /**
   * The statement's limits (cascade/call-limits.ts): its cache setting (false:
   * neither read nor write), retries and timeout (attempts per call, deadline
   * of one attempt), and budgets (no embedding call starts once spent).
   */
  readonly limits: CallLimits;
  /**
   * The statement's one spend account (its operator dispatcher's budget
   * buffer, set once its runner exists): embedding calls add to it, and the
   * budgets are checked against it, so operator and embedding calls see each other's spend.
   */
  spend?: SpendAccount;
  readonly counters: EmbedCounters;
}

/** A statement's spend, shared by its operator and embedding calls. */
export interface SpendAccount {
  add(dollars: number, tokens: number): void;
  spent(): { readonly dollars: number; readonly tokens: number };
}

export const embedCacheKey = (model: string, text: string): string =>
  hash('sha256', `rvbbit-embed\u0000${model}\u0000${text}`, 'hex');
const dimsKey = (model: string): string => hash('sha256', `rvbbit-embed-dims\u0000${model}`, 'hex');

export class Embedder {
  private client: (LlmClient & EmbeddingClient) | undefined;
  private readonly dimsOf = new Map<string, number>();

  constructor(private readonly engine: EmbedderEngine) {}

  /** A model's dimension if this engine has seen it (EXPLAIN: no call). */
  knownDims(model: string): number | undefined {
    return this.dimsOf.get(model);
  }

  /** A model's vector length: known, cached, else learned from one probe call. */
  async dims(model: string, ctx: EmbedContext): Promise<number> {
    const known = this.dimsOf.get(model);
    if (known !== undefined) return known;
    if (ctx.limits.cache !== false) {
      const hit = (await this.engine.cache.lookup([dimsKey(model)], false)).get(dimsKey(model));
      if (hit !== undefined) {
        this.dimsOf.set(model, Number(hit));
        return Number(hit);
      }
    }
    const v = await this.vectors(model, [PROBE_TEXT], ctx);
    return v.get(PROBE_TEXT)!.length;
  }

  /**
   * EXPLAIN's vectors (no call): every text's from the cache, peeked without
   * counting a hit; undefined when the cache is off or any text is not in it.
   */
  async cachedVectors(
    model: string,
    texts: readonly string[],
    ctx: EmbedContext,
  ): Promise<Map<string, number[]> | undefined> {
    if (ctx.limits.cache === false) return undefined;
    const distinct = [...new Set(texts)].filter((t) => t !== '');
    const keys = distinct.map((t) => embedCacheKey(model, t));
    const found =
      distinct.length > 0 ? await this.engine.cache.lookup(keys, false) : new Map<string, string>();
    const out = new Map<string, number[]>();
    for (const [i, t] of distinct.entries()) {
      const v = found.get(keys[i]!);
      if (v === undefined) return undefined;
      out.set(t, decode(v));
    }
    if (texts.includes('')) out.set('', new Array<number>(this.dimsOf.get(model) ?? 1).fill(0));
    return out;
  }

  /** Vectors of distinct `texts` (as plain arrays: they go into DuckDB lists). */
  async vectors(model: string, texts: readonly string[], ctx: EmbedContext): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    // '' is refused by OpenAI's endpoint: it is the zero vector here, without a call (EMBED('') is NULL).
    const distinct = [...new Set(texts)].filter((t) => t !== '');
    const keys = distinct.map((t) => embedCacheKey(model, t));
    const origin: CallOrigin = { callerId: 'semantic', queryId: ctx.queryId, cascadeId: 'embed', model };
    if (ctx.limits.cache !== false && distinct.length > 0) {
      const found = await this.engine.cache.lookup(keys);
      const hits: number[] = [];
      distinct.forEach((t, i) => {
        const v = found.get(keys[i]!);
        if (v !== undefined) {
          out.set(t, decode(v));
          hits.push(i);
        }
      });
      ctx.counters.cacheHits += hits.length;
      await this.engine.logs.cacheHits(origin, hits);
    }
    const misses = distinct.filter((t) => !out.has(t));
    await Promise.all(batchesOf(misses).map((b) => this.embedBatch(model, b, ctx, origin, out)));
    if (texts.includes('') && !out.has(''))
      out.set('', new Array<number>(this.dimsOf.get(model) ?? 1).fill(0));
    return out;
  }

  private async embedBatch(
    model: string,
    texts: string[],
    ctx: EmbedContext,
    origin: CallOrigin,
    out: Map<string, number[]>,
  ): Promise<void> {
    const over = overBudget(ctx);
    if (over) {
      // As an operator call the budget stopped: the statement fails, naming the cause.
      throw new RvbbitError(
        'SEMANTIC_CALL_FAILED',
        `embed failed: BUDGET_EXCEEDED: ${over} was spent before this embedding call started`,
        { function: 'embed', cause: 'BUDGET_EXCEEDED' },
      );
    }
    const client = await this.llm();
    const startedAt = Date.now();
    ctx.counters.calls++;
    try {
      const r = await client.embed(
        { model, input: texts },
        {
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.limits.retries !== undefined ? { retries: ctx.limits.retries } : {}),
          ...(ctx.limits.timeoutMs !== undefined ? { timeoutMs: ctx.limits.timeoutMs } : {}),
        },
      );
      ctx.counters.cost += r.usage.cost ?? 0;
      ctx.counters.tokens += r.usage.tokensIn;
      ctx.spend?.add(r.usage.cost ?? 0, r.usage.tokensIn);
      const call = {
        cell: 'embed',
        model: r.model,
        started_at: startedAt,
        duration_ms: r.durationMs,
        tokens_in: r.usage.tokensIn,
        tokens_out: 0,
        cost: r.usage.cost,
        status: 'ok',
        answered_by: r.answeredBy,
      } as const;
      await this.engine.logs.calls([loggedCall(origin, null, call)]);
      const dims = r.vectors[0]!.length;
      this.dimsOf.set(model, dims);
      const writes = texts.map((t, i) => {
        const v = Array.from(r.vectors[i]!);
        out.set(t, v);
        return {
          key: embedCacheKey(model, t),
          cascadeId: 'embed',
          value: encode(r.vectors[i]!),
          ...ttl(ctx),
        };
      });
      if (ctx.limits.cache !== false) {
        writes.push({ key: dimsKey(model), cascadeId: 'embed', value: String(dims), ...ttl(ctx) });
        await this.engine.cache.store(writes);
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'INTERNAL';
      const call = {
        cell: 'embed',
        model,
        started_at: startedAt,
        duration_ms: Date.now() - startedAt,
        tokens_in: 0,
        tokens_out: 0,
        cost: 0,
        status: 'error',
        error: code,
      } as const;
      await this.engine.logs.calls([loggedCall(origin, null, call)]);
      throw err;
    }
  }

  /** The client, made on first use (loaded lazily: an engine that never embeds never loads it here). */
  private async llm(): Promise<LlmClient & EmbeddingClient> {
    if (this.client) return this.client;
    const [{ createLlmClient }, { SharedGate }] = await Promise.all([
      import('../../../llm/client.js'),
      import('../../../llm/shared-gate.js'),
    ]);
    // The engine's provider settings, whole (embedding reads no image files).
    const { gateBuffer, images: _images, ...settings } = this.engine.llm;
    this.client ??= createLlmClient({
      ...settings,
      // The process-wide gate (and its breaker): embedding calls count against the same concurrency and rate.
      ...(gateBuffer ? { gate: SharedGate.fromBuffer(gateBuffer) } : {}),
      // Sockets, not concurrency (the gate decides that): embedding calls are few, 128 texts each.
      maxConcurrency: 16,
    });
    return this.client;
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}

/** Which budget is spent, by the statement's account (operator and embedding calls), else the embeddings' own. */
function overBudget(ctx: EmbedContext): 'budget_dollars' | 'budget_tokens' | undefined {
  const { dollars, tokens } = ctx.spend?.spent() ?? {
    dollars: ctx.counters.cost,
    tokens: ctx.counters.tokens,
  };
  const { budgetDollars, budgetTokens } = ctx.limits;
  if (budgetDollars !== undefined && dollars >= budgetDollars) return 'budget_dollars';
  if (budgetTokens !== undefined && tokens >= budgetTokens) return 'budget_tokens';
  return undefined;
}

/**
 * Characters of text per call at most: long documents must not make one
 * request body too large, nor pass OpenAI's 300,000 tokens summed across a
 * request's inputs (600,000 characters are that many tokens only at 2 per token).
 */
const EMBED_BATCH_CHARS = 600_000;

/** The `/embeddings` calls that embed these distinct texts, as Embedder.vectors batches them (EXPLAIN counts by it). */
export function embeddingCalls(texts: readonly string[]): number {
  return batchesOf(texts.filter((t) => t !== '')).length;
}

/** Texts in calls of at most EMBED_BATCH inputs and EMBED_BATCH_CHARS characters (a longer text alone). */
function batchesOf(texts: readonly string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let chars = 0;
  for (const t of texts) {
    if (cur.length > 0 && (cur.length === EMBED_BATCH || chars + t.length > EMBED_BATCH_CHARS)) {
      out.push(cur);
      cur = [];
      chars = 0;
    }
    cur.push(t);
    chars += t.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const ttl = (ctx: EmbedContext) => (typeof ctx.limits.cache === 'number' ? { ttlMs: ctx.limits.cache } : {});

/** A vector as cache text: its float32 bytes in base64 (a quarter of JSON's size, exact). */
function encode(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decode(text: string): number[] {
  // Copied out: a decoded Buffer may sit at an offset a Float32Array cannot start at.
  const bytes = Uint8Array.from(Buffer.from(text, 'base64'));
  return Array.from(new Float32Array(bytes.buffer));
}

const embedders = new WeakMap<object, Embedder>();

/** The engine's embedder (one per SemanticShared, i.e. per engine). */
export function embedderOf(engine: EmbedderEngine): Embedder {
  let e = embedders.get(engine.semantic);
  if (!e) {
    e = new Embedder(engine);
    embedders.set(engine.semantic, e);
  }
  return e;
}

/** Closes the engine's embedder, if it ever made one (semantic-shared.ts close()). */
export async function closeEmbedder(semantic: object): Promise<void> {
  await embedders.get(semantic)?.close();
}
