/**
 * Proxy-model cascades. Two kinds:
 * - A threshold (`-- @ proxy: small-fast confidence 0.8`): a cheap model answers
 *   every tuple of a filter or score operator, saying how sure it is
 *   (cascade/confidence.ts); answers at or above the threshold are kept, the
 *   rest go to the statement's model.
 * - Targets (`-- @ proxy: small-fast recall 0.9 precision 0.9 delta 0.05`), for a
 *   filter: the proxy scores every tuple with P(true) (its logprobs where the
 *   provider gives them, else its self-reported confidence); the statement's model
 *   labels an importance sample; SUPG thresholds (src/plan/supg.ts) learnt from it
 *   let the proxy answer the confident rest, and only the uncertain band goes to the
 *   statement's model. A sample that cannot support the targets sends every tuple to
 *   the statement's model, and the strategy says so.
 * - The embedding proxy (`-- @ proxy: embedding recall 0.9 precision 0.9`), targets
 *   only: the statement's embedding model scores every tuple by the similarity of its
 *   first argument to the others (src/plan/embedding-proxy.ts), with no chat call, and
 *   SUPG runs on those scores as on a model's. Its vectors are the statement's
 *   embeddings (cached per model and text); its calls are counted apart.
 * A proxy call that fails or answers out of shape counts as unsure. Both models'
 * calls are logged under their own model name; the split is reported in the
 * statement's strategy (rvbbit.queries) and by EXPLAIN.
 */
import { BOOLEAN, DOUBLE } from '@duckdb/node-api';
import { RvbbitError } from '../../../base/errors.js';
import type { ProxySpec, ProxyTargets } from '../../../grammar/index.js';
import { type ConfidenceSource, splitConfidence } from '../../cascade/confidence.js';
import { unpackableReason } from '../../cascade/packed-prompt.js';
import { EMBEDDING_PROXY, proxyTexts, similarityScore } from '../../plan/embedding-proxy.js';
import type { SemanticFunction } from '../../plan/operator-catalog.js';
import {
  type Draw,
  decide,
  defaultSampleSize,
  learnThresholds,
  MAX_SAMPLE_SHARE,
  needsMoreSample,
  positivesFor,
  sampleRound,
  targetDelta,
} from '../../plan/supg.js';
import type { CallRunner, CallTarget } from './call-runner.js';
import { EMBED_BATCH, type EmbedCounters } from './embedder.js';
import type { TextVectors } from './entities.js';
import { duckType } from './sql-types.js';

/** What a run with targets learnt (rvbbit.queries' strategy and EXPLAIN ANALYZE report it). */
export interface GuaranteeReport {
  readonly targets: ProxyTargets;
  /** Draws of the importance sample, and the distinct tuples they labelled. */
  readonly draws: number;
  readonly sampled: number;
  /** Of the sampled tuples, those the statement's model answered true. */
  readonly positives: number;
  /** Scores under `reject` answered false by the proxy, at or above `accept` true. */
  readonly reject?: number;
  readonly accept?: number;
  /** Why the sample could not support the targets (every tuple went to the statement's model). */
  readonly fallback?: string;
}

/** What the embedding proxy scores with: the statement's embedding model, its vectors and call counters. */
export interface ProxyEmbeddings {
  readonly model: string;
  readonly vectors: TextVectors;
  readonly counters: EmbedCounters;
}

/** The embedding proxy's own calls (rvbbit.queries' strategy counts them apart from the chat calls). */
export interface EmbeddingScoring {
  readonly model: string;
  /** Distinct texts scored (the tuples' values and what they are judged against). */
  readonly texts: number;
  readonly calls: number;
  readonly cacheHits: number;
}

/** How a function's tuples split between the proxy and the statement's model. */
export interface ProxySplit {
  readonly model: string;
  readonly confidence: number;
  /** Tuples the proxy answered (the cache included). */
  readonly tuples: number;
  /** Of them, answers kept (not sent to the statement's model). */
  readonly kept: number;
  /** Proxy answers scored by logprobs and by the model's own word. */
  readonly scored?: Readonly<Record<ConfidenceSource, number>>;
  /** The embedding proxy's scoring (no chat call). */
  readonly embedding?: EmbeddingScoring;
  readonly guarantee?: GuaranteeReport;
}

/** Why `fn` cannot take a proxy, or null when it can: a filter or score with one LLM cell (a filter for targets). */
export function proxyUnfitReason(fn: SemanticFunction, proxy?: ProxySpec): string | null {
  const type = duckType(fn.sql.returns);
  if (fn.sql.shape !== 'scalar' || (type !== BOOLEAN && type !== DOUBLE)) {
    return `${fn.name} is not a filter or a score (returns ${fn.sql.returns})`;
  }
  if (proxy?.targets && type !== BOOLEAN) {
    return `${fn.name} is a score (returns ${fn.sql.returns}): recall and precision targets need a filter (BOOLEAN)`;
  }
  if (proxy?.model === EMBEDDING_PROXY) {
    // Nothing of the cascade runs for a score: only its arguments are compared.
    if (fn.sql.args.length < 2) {
      return `${fn.name} takes one argument: the embedding proxy compares a row's first argument with the others`;
    }
    return null;
  }
  const why = unpackableReason(fn.lazy.cascade);
  if (why) return `${fn.name}'s cascade cannot say its confidence: ${why}`;
  return null;
}

/** Reads the statement's model's boolean answer from an output (the operator's result). */
export type TruthOf = (output: unknown) => boolean;

/** Outputs for every input: the proxy's sure answers, the statement's model for the rest. */
export async function runWithProxy(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  proxy: ProxySpec,
  truthOf: TruthOf,
  by: { readonly args: readonly string[]; readonly embeddings?: ProxyEmbeddings },
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  if (proxy.model === EMBEDDING_PROXY && proxy.targets) {
    if (!by.embeddings)
      throw new RvbbitError('ENGINE_ERROR', "the embedding proxy ran without the statement's embeddings");
    const { scores, embedding } = await embeddingScores(inputs, by.args, by.embeddings);
    return withTargets(target, inputs, runner, proxy, proxy.targets, scores, truthOf, { embedding });
  }
  const guesses = await runner.run(
    { ...target, call: { ...target.call, model: proxy.model, askConfidence: true }, nullOnInvalid: true },
    inputs,
  );
  const parts = guesses.map((g) => splitConfidence(g));
  const scored = { logprobs: 0, 'self-reported': 0 };
  guesses.forEach((g, i) => {
    if (g !== null) scored[parts[i]!.source]++;
  });
  if (proxy.targets) {
    const maybe = guesses.map(trueScore);
    const answers = (i: number) => splitConfidence(guesses[i]).answer as Record<string, unknown>;
    return withTargets(target, inputs, runner, proxy, proxy.targets, maybe, truthOf, { scored }, answers);
  }
  const outputs = new Array<unknown>(inputs.length);
  const unsure: number[] = [];
  guesses.forEach((g, i) => {
    const { answer, confidence } = parts[i]!;
    if (g !== null && confidence >= proxy.confidence) outputs[i] = answer;
    else unsure.push(i);
  });
  await ask(target, inputs, runner, unsure, outputs);
  const split = {
    model: proxy.model,
    confidence: proxy.confidence,
    tuples: inputs.length,
    kept: inputs.length - unsure.length,
    scored,
  };
  return { outputs, split };
}

/** The statement's model's answers for `rows`, written into `outputs`. */
async function ask(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  rows: readonly number[],
  outputs: unknown[],
): Promise<void> {
  if (rows.length === 0) return;
  const checked = await runner.run(
    target,
    rows.map((i) => inputs[i]!),
  );
  rows.forEach((at, j) => {
    outputs[at] = checked[j];
  });
}

/** A proxy answer's P(true), or undefined when it has no boolean result (a failed or invalid call). */
function trueScore(guess: unknown): number | undefined {
  if (guess === null) return undefined;
  const { answer, confidence } = splitConfidence(guess);
  const result = (answer as { result?: unknown } | null)?.result;
  if (typeof result !== 'boolean') return undefined;
  const c = Math.min(1, Math.max(0, confidence));
  return result ? c : 1 - c;
}

/** Each input's similarity score (embedding-proxy.ts), its texts embedded as the statement's embeddings are. */
async function embeddingScores(
  inputs: readonly Record<string, unknown>[],
  args: readonly string[],
  embeddings: ProxyEmbeddings,
): Promise<{ scores: number[]; embedding: EmbeddingScoring }> {
  const pairs = inputs.map((input) => proxyTexts(args, input));
  const texts = [...new Set(pairs.flatMap((p) => [p.value, p.against]))];
  const { counters } = embeddings;
  const before = { calls: counters.calls, cacheHits: counters.cacheHits };
  const vectorOf = await embeddings.vectors(texts);
  const scores = pairs.map((p) => similarityScore(vectorOf(p.value), vectorOf(p.against)));
  const embedding = {
    model: embeddings.model,
    texts: texts.length,
    calls: counters.calls - before.calls,
    cacheHits: counters.cacheHits - before.cacheHits,
  };
  return { scores, embedding };
}

/** The seed of a run's importance sample: runs of the same statement over the same tuples draw alike. */
const SAMPLE_SEED = 54;

async function withTargets(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  proxy: ProxySpec,
  targets: ProxyTargets,
  maybe: readonly (number | undefined)[],
  truthOf: TruthOf,
  scoring: Pick<ProxySplit, 'scored' | 'embedding'>,
  /** The proxy's own answer for tuple i (a model's keeps its other fields); an embedding has none but the verdict. */
  answers: (i: number) => Record<string, unknown> = () => ({}),
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  const n = inputs.length;
  // An unscored tuple is drawn as an even guess and always asked of the statement's model.
  const scores = maybe.map((s) => s ?? 0.5);
  const outputs = new Array<unknown>(n);
  const labelled = new Set<number>();
  const draws: Draw[] = [];
  const perRound = targets.sample ?? defaultSampleSize(n);
  for (let round = 0; ; round++) {
    const more = sampleRound(scores, perRound, SAMPLE_SEED, round);
    draws.push(...more);
    const fresh = [...new Set(more.map((d) => d.row))].filter((r) => !labelled.has(r));
    await ask(target, inputs, runner, fresh, outputs);
    for (const r of fresh) labelled.add(r);
    const positives = draws.filter((d) => truthOf(outputs[d.row])).length;
    if (!needsMoreSample(draws.length, positives, n, targets)) break;
  }
  const labels = draws.map((d) => truthOf(outputs[d.row]));
  const learnt = learnThresholds(draws, labels, targets);
  const band: number[] = [];
  for (let i = 0; i < n; i++) {
    if (labelled.has(i)) continue;
    const d = learnt.ok && maybe[i] !== undefined ? decide(maybe[i]!, learnt) : 'oracle';
    if (d === 'oracle') band.push(i);
    else outputs[i] = { ...answers(i), result: d };
  }
  await ask(target, inputs, runner, band, outputs);
  const guarantee: GuaranteeReport = {
    targets,
    draws: draws.length,
    sampled: labelled.size,
    positives: [...labelled].filter((r) => truthOf(outputs[r])).length,
    ...(learnt.ok ? { reject: learnt.reject, accept: learnt.accept } : { fallback: learnt.reason }),
  };
  const split = {
    model: proxy.model,
    confidence: proxy.confidence,
    tuples: n,
    kept: n - labelled.size - band.length,
    ...scoring,
    guarantee,
  };
  return { outputs, split };
}

const fixed = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : x > 0 ? '∞' : '−∞');

/** `proxy small-fast recall 0.9 precision 0.9 delta 0.05`, the targets as written. */
export function describeTargets(t: ProxyTargets): string {
  return [
    ...(t.recall !== undefined ? [`recall ${t.recall}`] : []),
    ...(t.precision !== undefined ? [`precision ${t.precision}`] : []),
    `delta ${t.delta}`,
  ].join(' ');
}

/** How the proxy's answers were scored: `scores from logprobs`, or the fallback said plainly. */
function describeScoring(s: ProxySplit): string {
  const e = s.embedding;
  if (e) {
    return `scores from ${e.model} similarity (${e.texts} texts: ${e.calls} embedding call${e.calls === 1 ? '' : 's'}, ${e.cacheHits} cached; no chat call)`;
  }
  const by = s.scored ?? { logprobs: 0, 'self-reported': 0 };
  if (by['self-reported'] === 0) return 'scores from logprobs';
  if (by.logprobs === 0) return 'self-reported confidence (the provider gave no logprobs)';
  return `scores from logprobs (${by['self-reported']} self-reported: no logprobs with them)`;
}

/** The strategy's and EXPLAIN ANALYZE's line for one function's proxy split. */
export function describeSplit(fn: string, s: ProxySplit, model: string): string {
  const g = s.guarantee;
  if (!g) {
    return `${fn}: proxy ${s.model} kept ${s.kept} of ${s.tuples} answers (confidence ≥ ${s.confidence}, ${describeScoring(s)}), ${s.tuples - s.kept} went to ${model}`;
  }
  const proxyName = s.embedding ? `embedding (${s.embedding.model})` : s.model;
  const head = `${fn}: proxy ${proxyName} targets ${describeTargets(g.targets)} (SUPG), ${describeScoring(s)}; sample ${g.draws} draws, ${g.sampled} tuples to ${model} (${g.positives} true)`;
  if (g.fallback) {
    return `${head}; the sample cannot support the targets: ${g.fallback}; all ${s.tuples} tuples went to ${model}`;
  }
  return `${head}; thresholds: false under ${fixed(g.reject!)}, true at or above ${fixed(g.accept!)}; proxy answered ${s.kept} of ${s.tuples}, ${s.tuples - s.kept - g.sampled} more went to ${model}`;
}

/**
 * EXPLAIN's line for a proxy with targets over `tuples` uncached tuples: the
 * targets, the sample, and the statement model's calls (the band is known once run).
 */
export function explainTargets(proxy: ProxySpec, model: string, tuples: number, embedModel: string): string {
  const t = proxy.targets!;
  const draws = t.sample ?? defaultSampleSize(tuples);
  const first = Math.min(tuples, draws);
  const scoring =
    proxy.model === EMBEDDING_PROXY
      ? `proxy embedding (${embedModel}) scores all ${tuples} tuples by the similarity of their first argument to the others (embedding calls of up to ${EMBED_BATCH} texts, cached texts free; no chat call)`
      : `proxy ${proxy.model} scores all ${tuples} tuples (logprobs where the provider gives them, else its own confidence)`;
  // Only a recall target grows the sample (supg.ts needsMoreSample).
  const rounds =
    t.recall === undefined
      ? ''
      : `more rounds while it holds under ${positivesFor(t.recall, targetDelta(t))} true answers, `;
  return `${scoring}; targets ${describeTargets(t)} against ${model}'s answers (SUPG importance sampling): a sample of ${draws} draws (at most ${first} tuples, ${rounds}up to ${Math.round(MAX_SAMPLE_SHARE * 100)}% of tuples) goes to ${model}, then only the uncertain band: ${model} answers ${first} to ${tuples} tuples (saves up to ${tuples - first} of ${tuples} calls, known once run); a sample that cannot support the targets sends every tuple to ${model}`;
}
