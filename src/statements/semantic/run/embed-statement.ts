/**
 * A semantic statement's embeddings, in the batch strategy's passes
 * (statements/semantic/run/run-semantic.ts): `rvbbit_embed` answers a text's vector from the
 * statement's map or records it as missed (NULL), `rvbbit_prefilter` records
 * the distinct values on each side of a pre-filtered `~`, and between passes
 * resolveEmbeddings() embeds what was missed (cached per model and text) and
 * picks each left value's top-k right values, so the next pass asks the model
 * about those pairs only. Functions run on the main thread, as the operators'.
 */
import {
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBScalarFunction,
  FLOAT,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { errorMessage, RvbbitError } from '../../../../base/errors.js';
import type { ResultCache } from '../../../cache/result-cache.js';
import { mostPerPrompt } from '../../../plan/auto-pack-max.js';
import { ENTITY_NEIGHBOURS, type TextVectors } from '../aggregates/entities.js';
import {
  EMBED_BATCH,
  type EmbedContext,
  type EmbedCounters,
  type Embedder,
  embedCacheKey,
  embedderOf,
  embeddingCalls,
} from '../embeddings/embedder.js';
import { PrefilterState } from '../pairs/prefilter-state.js';
import type { PlannedSql, SemanticPlan } from '../plan/semantic-plan.js';
import type { ProxyEmbeddings } from '../proxies/proxy.js';
import { EMBED_FN, PREFILTER_FN, RANK_PREFILTER_FN } from '../rewrite/embed-rewrite.js';
import { type StatementCalls, statementFor } from '../state/statement-calls.js';
import type { SemanticRunContext } from './semantic-run.js';

export interface EmbedStatement {
  readonly embedder: Embedder;
  /** The model of prefilters and ENTITY's blocking. */
  readonly defaultModel: string;
  readonly cache: ResultCache;
  /** Pairs a pre-filter keeps all of below this many (the statement's small-side limit, semantic-options.ts). */
  readonly smallSideLimit: number;
  readonly ctx: EmbedContext;
  /** Vectors by `model \0 text`. */
  readonly vectors: Map<string, number[]>;
  readonly missing: Map<string, { readonly model: string; readonly text: string }>;
  readonly prefilter: PrefilterState | undefined;
  /** The relevance order's prefilter (left: its topic, right: the rows' texts). */
  readonly ranking: PrefilterState | undefined;
  readonly counters: EmbedCounters;
}

const live = new Map<number, EmbedStatement>();

/**
 * The statement's embedding state (undefined when it embeds nothing) and its
 * rewrite with each embedding model's dimension in: learned first (one probe
 * call per model the first time, then cached); EXPLAIN and Describe
 * (`explain`) make no call: a model whose dimension is unknown stays FLOAT[1].
 */
export async function openEmbeddings(
  plan: SemanticPlan,
  s: StatementCalls,
  run: Pick<SemanticRunContext, 'engine' | 'cache' | 'logs' | 'queryId' | 'signal'>,
  explain = false,
): Promise<{ rewritten: PlannedSql; state?: EmbedStatement }> {
  const { embed, options } = plan;
  if (!embed) return { rewritten: plan.rewritten };
  const counters: EmbedCounters = { calls: 0, cacheHits: 0, cost: 0, tokens: 0 };
  const ctx: EmbedContext = {
    queryId: run.queryId,
    limits: options.limits,
    counters,
    ...(run.signal ? { signal: run.signal } : {}),
  };
  const { engine } = run;
  const embedder = embedderOf({
    cache: run.cache,
    logs: run.logs,
    llm: engine.llm,
    semantic: engine.semantic,
  });
  const dims = new Map<string, number>();
  for (const m of embed.models) {
    const n = explain ? embedder.knownDims(m) : await embedder.dims(m, ctx);
    if (n !== undefined) dims.set(m, n);
  }
  const state: EmbedStatement = {
    embedder,
    defaultModel: embed.defaultModel,
    cache: run.cache,
    smallSideLimit: options.smallSide,
    ctx,
    vectors: new Map(),
    missing: new Map(),
    prefilter:
      embed.prefilter === undefined
        ? undefined
        : new PrefilterState(embed.prefilter, embed.defaultModel, 'pairs', mostPerPrompt(options.batch)),
    ranking:
      embed.ranking === undefined
        ? undefined
        : new PrefilterState(embed.ranking, embed.defaultModel, 'ranking'),
    counters,
  };
  live.set(s.token, state);
  return { rewritten: dims.size > 0 ? plan.render(dims) : plan.rewritten, state };
}

export function closeEmbeddings(s: StatementCalls): void {
  live.delete(s.token);
}

/** Embeds what the last pass missed and plans the prefilter; true when there was anything to do. */
export async function resolveEmbeddings(st: EmbedStatement): Promise<boolean> {
  let did = false;
  if (st.missing.size > 0) {
    await fill(st, [...st.missing.values()]);
    st.missing.clear();
    did = true;
  }
  for (const p of [st.prefilter, st.ranking]) {
    if (!p?.stale) continue;
    await p.replan(st.smallSideLimit, textVectors(st), st.ctx.signal);
    did = true;
  }
  return did;
}

/**
 * EXPLAIN: plans each prefilter over the values its passes met as the run
 * would, from cached vectors only (no call): a prefilter that keeps every pair
 * (a small side) needs none. True when every prefilter is planned, so the
 * next passes ask about exactly the pairs the run asks about; false leaves
 * the unplanned ones to EXPLAIN's bound (callsBound, sampledBound).
 */
export async function planPrefiltersFromCache(st: EmbedStatement): Promise<boolean> {
  let all = true;
  for (const p of [st.prefilter, st.ranking]) {
    if (!p) continue;
    const texts = [...new Set([...p.lefts.values(), ...p.rights.values()])];
    const got = p.keepsAll(st.smallSideLimit)
      ? new Map<string, number[]>()
      : await st.embedder.cachedVectors(p.model, texts, st.ctx);
    if (!got) {
      all = false;
      continue;
    }
    await p.replan(st.smallSideLimit, async () => (t) => got.get(t)!, st.ctx.signal);
  }
  return all;
}

/** Vectors of texts in the statement's default model, embedded (cached) as its prefilters' are. */
export function textVectors(st: EmbedStatement): TextVectors {
  const model = st.defaultModel;
  return async (texts) => {
    await fill(
      st,
      texts.map((text) => ({ model, text })),
    );
    return (t) => st.vectors.get(`${model}\u0000${t}`)!;
  };
}

/** What the embedding proxy scores with (proxy.ts): the statement's default model, its vectors and counters. */
export function proxyEmbeddings(st: EmbedStatement | undefined): ProxyEmbeddings | undefined {
  if (!st) return undefined;
  return { model: st.defaultModel, vectors: textVectors(st), counters: st.counters };
}

/** How ENTITY blocks (entities.ts): by the statement's embeddings, `-- @ prefilter: k` nearest values or ENTITY_NEIGHBOURS. */
export function entityBlocking(
  st: EmbedStatement | undefined,
  prefilter: number | undefined,
): { vectors: TextVectors; neighbours: number; signal?: AbortSignal } | undefined {
  if (!st) return undefined;
  const { signal } = st.ctx;
  return {
    vectors: textVectors(st),
    neighbours: prefilter ?? ENTITY_NEIGHBOURS,
    ...(signal ? { signal } : {}),
  };
}

/**
 * What EXPLAIN shows and counts: the texts to embed (the cache peeked, not
 * counted) as the calls the embedder would batch them into, and a pre-filtered `~`'s pairs, whose
 * calls EXPLAIN's passes never reach (the pairs are chosen by embeddings): its bound.
 */
export async function explainEmbeddings(st: EmbedStatement): Promise<{ lines: string[]; calls: number }> {
  const lines: string[] = [];
  let calls = 0;
  const count = async (model: string, texts: readonly string[], what: string) => {
    const planned = await explainEmbedCalls(st.cache, st.ctx.limits, model, texts, what);
    calls += planned.calls;
    lines.push(planned.line);
  };
  const byModel = new Map<string, string[]>();
  for (const { model, text } of st.missing.values())
    byModel.set(model, [...(byModel.get(model) ?? []), text]);
  for (const [model, texts] of byModel) await count(model, texts, 'embeddings');
  for (const p of [st.prefilter, st.ranking]) {
    if (!p) continue;
    const limit = st.smallSideLimit;
    lines.push(p.describe(limit));
    // A planned prefilter's pairs are counted as the operator's tuples (planPrefiltersFromCache).
    if (!p.plan) calls += p.callsBound(limit);
    if (!p.keepsAll(limit))
      await count(p.model, [...new Set([...p.lefts.values(), ...p.rights.values()])], 'prefilter embeddings');
  }
  return { lines, calls };
}

/**
 * EXPLAIN's line and count for embedding these distinct texts in one model: the cache peeked (not
 * counted as a hit), the rest in the calls Embedder.vectors would make (embeddingCalls).
 * `what` names who needs them: `embeddings`, `prefilter embeddings`, `proxy embeddings for f`.
 */
export async function explainEmbedCalls(
  cache: ResultCache,
  limits: EmbedContext['limits'],
  model: string,
  texts: readonly string[],
  what: string,
): Promise<{ line: string; calls: number }> {
  const keys = texts.map((t) => embedCacheKey(model, t));
  const found =
    limits.cache === false || texts.length === 0
      ? new Map<string, string>()
      : await cache.lookup(keys, false);
  const uncached = texts.filter((_, i) => !found.has(keys[i]!));
  const calls = embeddingCalls(uncached);
  return {
    line: `${what} (${model}): ${texts.length} distinct texts, ${texts.length - uncached.length} cached, ${calls} calls of up to ${EMBED_BATCH}`,
    calls,
  };
}

/** Vectors for these texts into the statement's map (the ones it lacks), by model. */
async function fill(st: EmbedStatement, wanted: readonly { model: string; text: string }[]): Promise<void> {
  // A text on both sides of a prefilter (a topic that is also a row's text) is embedded once.
  const byModel = new Map<string, Set<string>>();
  for (const w of wanted) {
    if (st.vectors.has(`${w.model}\u0000${w.text}`)) continue;
    const texts = byModel.get(w.model);
    if (texts) texts.add(w.text);
    else byModel.set(w.model, new Set([w.text]));
  }
  const { embedder } = st;
  await Promise.all(
    [...byModel].map(async ([model, texts]) => {
      const got = await embedder.vectors(model, [...texts], st.ctx);
      for (const [t, v] of got) st.vectors.set(`${model}\u0000${t}`, v);
    }),
  );
}

const registered = new WeakSet<object>();

/** Registers rvbbit_embed and rvbbit_prefilter once per database (`db` identifies it). */
export function registerEmbedFunctions(db: object, con: DuckDBConnection): void {
  if (registered.has(db)) return;
  con.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: EMBED_FN,
      returnType: LIST(FLOAT),
      parameterTypes: [INTEGER, VARCHAR, VARCHAR],
      specialHandling: true,
      volatile: true,
      mainFunction: (info, input, output) => {
        try {
          const { s, st, sync } = stateOf(Number(input.getColumnVector(0).getItem(0)));
          const texts = input.getColumnVector(1);
          const models = input.getColumnVector(2);
          for (let r = 0; r < input.rowCount; r++) {
            const text = texts.getItem(r) as string | null;
            const model = models.getItem(r) as string | null;
            // '' has nothing to embed (and OpenAI refuses it): NULL, as for a NULL text.
            if (text === null || model === null || text === '') {
              output.setItem(r, null);
              continue;
            }
            const key = `${model}\u0000${text}`;
            const v = st.vectors.get(key);
            if (v) output.setItem(r, listValue(v));
            else if (sync) {
              // Sync strategies run after record passes fetched every text they reached (embed-write.ts).
              throw new RvbbitError(
                'EMBED_NEEDS_BATCH',
                'EMBED of a text only an operator answer reveals needs the batch strategy (the record passes could not see it)',
              );
            } else {
              st.missing.set(key, { model, text });
              s.missed.add(`embed\u0000${key}`);
              output.setItem(r, null);
            }
          }
          output.flush();
        } catch (err) {
          keepError(input.getColumnVector(0).getItem(0), err);
          info.setError(`EMBED: ${errorMessage(err)}`);
        }
      },
    }),
  );
  for (const [name, which] of [
    [PREFILTER_FN, 'prefilter'],
    [RANK_PREFILTER_FN, 'ranking'],
  ] as const) {
    con.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType: BOOLEAN,
        // token, hash(a) and hash(b) as DOUBLE (prefilter-state.ts), a, b
        parameterTypes: [INTEGER, DOUBLE, DOUBLE, VARCHAR, VARCHAR],
        specialHandling: true,
        volatile: true,
        mainFunction: (info, input, output) => {
          try {
            const { s, st, sync } = stateOf(Number(input.getColumnVector(0).getItem(0)));
            st[which]!.evaluate(input, output, s, sync);
          } catch (err) {
            keepError(input.getColumnVector(0).getItem(0), err);
            info.setError(`prefilter: ${errorMessage(err)}`);
          }
        },
      }),
    );
  }
  registered.add(db);
}

/** The statement rethrows its first function error as itself (run-semantic.ts query()). */
function keepError(token: unknown, err: unknown): void {
  const s = statementFor(Number(token));
  if (s) s.error ??= err;
}

function stateOf(token: number): { s: StatementCalls; st: EmbedStatement; sync: boolean } {
  const s = statementFor(token);
  const st = live.get(token);
  if (!s || !st)
    throw new Error('called outside an rvbbit statement (embedding functions run only through the engine)');
  return { s, st, sync: s.mode !== 'record' };
}
