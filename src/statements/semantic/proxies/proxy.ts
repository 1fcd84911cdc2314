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
 * - An accuracy target (`-- @ proxy: small-fast accuracy 0.9`), for a classification
 *   (CLASSIFY, a function returning VARCHAR or an ENUM): the proxy's score is its
 *   probability of the label it chose; a uniform sample labelled by the statement's model
 *   sets the threshold above which the proxy's labels stand (src/plan/accuracy-cascade.ts).
 * - The embedding proxy (`-- @ proxy: embedding recall 0.9 precision 0.9`), targets
 *   only: the statement's embedding model scores every tuple by the similarity of its
 *   first argument to the others (src/plan/embedding-proxy.ts), with no chat call, and
 *   SUPG runs on those scores as on a model's. Its vectors are the statement's
 *   embeddings (cached per model and text); its calls are counted apart.
 * The proxy is the statement's (`-- @ proxy:`), else the function's own (`sql_function.proxy`,
 * CREATE SEMANTIC FUNCTION … WITH (proxy = …)): proxyFor.
 * A proxy call that fails or answers out of shape counts as unsure. Both models'
 * calls are logged under their own model name; the split is reported in the
 * statement's strategy (rvbbit.queries) and by EXPLAIN.
 */
import { RvbbitError } from '../../../../base/errors.js';
import type { ProxySpec, ProxyTargets } from '../../../../grammar/index.js';
import { typeFamily } from '../../../../grammar/index.js';
import { type ConfidenceSource, splitConfidence } from '../../../cascade/confidence.js';
import { unpackableReason } from '../../../cascade/packed-prompt.js';
import type { GuaranteeColumns } from '../../../obs/guarantee-columns.js';
import { learnAccuracyThreshold, uniformSample } from '../../../plan/accuracy-cascade.js';
import { EMBEDDING_PROXY, proxyTextPairs, similarityScore } from '../../../plan/embedding-proxy.js';
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
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
} from '../../../plan/supg.js';
import type { TextVectors } from '../aggregates/entities.js';
import type { CallRunner, CallTarget, DollarTally } from '../calls/call-runner.js';
import { EMBED_BATCH, type EmbedCounters } from '../embeddings/embedder.js';
import {
  baggedShare,
  describePayoff,
  type PayoffReport,
  PILOT_MIN,
  paysOff,
  pilotRows,
  predictAccuracyShare,
  predictTargetsShare,
  predictThresholdShare,
} from './proxy-payoff.js';

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
  /** An accuracy target's: sampled tuples whose proxy label was the statement model's, and the bound on the error kept. */
  readonly agreed?: number;
  readonly errorBound?: number;
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
  /** What the pay-off rule decided (proxy-payoff.ts); absent when a model has no price. */
  readonly payoff?: PayoffReport;
}

/** The statement model's answers a pilot got before the proxy run: `known` rows of `outputs`. */
interface Pilot {
  readonly outputs: unknown[];
  readonly known: ReadonlySet<number>;
}

/** The proxy a function's calls use: the statement's, else the function's own (sql_function.proxy). */
export function proxyFor(fn: SemanticFunction, statement?: ProxySpec): ProxySpec | undefined {
  return statement ?? fn.sql.proxy;
}

/**
 * Why a function of this shape and result cannot take `proxy`, or null: a threshold needs a
 * filter or a score (BOOLEAN or DOUBLE), recall and precision a filter, accuracy a label
 * (VARCHAR or an ENUM: CLASSIFY, `RETURNS ENUM(…)`). Checked when a statement runs (proxyUnfitReason)
 * and when CREATE SEMANTIC FUNCTION … WITH (proxy = …) defines one (sql-function-definition.ts).
 */
export function proxyResultUnfit(
  name: string,
  sql: { readonly shape: string; readonly returns: string },
  proxy?: ProxySpec,
): string | null {
  const family = typeFamily(sql.returns);
  if (proxy?.targets?.accuracy !== undefined) {
    const label = sql.shape === 'scalar' && (family === 'text' || /^ENUM\s*\(/i.test(sql.returns));
    return label
      ? null
      : `${name} is not a classification (returns ${sql.returns}): an accuracy target needs a label (VARCHAR or ENUM)`;
  }
  if (sql.shape !== 'scalar' || (family !== 'boolean' && family !== 'double')) {
    return `${name} is not a filter or a score (returns ${sql.returns})`;
  }
  if (proxy?.targets && family !== 'boolean') {
    return `${name} is a score (returns ${sql.returns}): recall and precision targets need a filter (BOOLEAN)`;
  }
  return null;
}

/**
 * Why `fn` cannot take a proxy, or null when it can: a result that fits (proxyResultUnfit)
 * and one LLM cell that can say its confidence.
 */
export function proxyUnfitReason(fn: SemanticFunction, proxy?: ProxySpec): string | null {
  const unfit = proxyResultUnfit(fn.name, fn.sql, proxy);
  if (unfit) return unfit;
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

/** Reads an output's SQL value (the operator's result: a boolean for a filter, a label for a classification). */
export type AnswerValue = (output: unknown) => unknown;

/** How the proxy's price compares with the statement model's (proxy-payoff.ts); undefined: a model has no price. */
export interface ProxyCosts {
  readonly priceRatio?: number;
}

/** Outputs for every input: the proxy's sure answers, the statement's model for the rest. */
export async function runWithProxy(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  proxy: ProxySpec,
  answerValue: AnswerValue,
  by: { readonly args: readonly string[]; readonly embeddings?: ProxyEmbeddings } & ProxyCosts,
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  const truthOf = (o: unknown) => answerValue(o) === true;
  if (proxy.model === EMBEDDING_PROXY && proxy.targets) {
    if (!by.embeddings)
      throw new RvbbitError('ENGINE_ERROR', "the embedding proxy ran without the statement's embeddings");
    const { scores, embedding } = await embeddingScores(inputs, by.args, by.embeddings);
    return withTargets(target, inputs, runner, proxy, proxy.targets, scores, truthOf, { embedding });
  }
  const n = inputs.length;
  const outputs = new Array<unknown>(n);
  const ratio = by.priceRatio;
  const unused = async (payoff: PayoffReport, known: ReadonlySet<number>) => {
    const rest: number[] = [];
    for (let i = 0; i < n; i++) if (!known.has(i)) rest.push(i);
    await ask(target, inputs, runner, rest, outputs);
    return {
      outputs,
      split: { model: proxy.model, confidence: proxy.confidence, tuples: n, kept: 0, payoff },
    };
  };
  if (ratio !== undefined && ratio >= 1) return unused({ ratio, pilot: 0, ran: false }, new Set());
  const guesses = new Array<unknown>(n);
  const guess = async (rows: readonly number[], tally?: DollarTally) => {
    if (rows.length === 0) return;
    const got = await runner.run(
      { ...target, call: { ...target.call, model: proxy.model, askConfidence: true }, nullOnInvalid: true },
      rows.map((i) => inputs[i]!),
      tally,
    );
    rows.forEach((r, j) => {
      guesses[r] = got[j];
    });
  };
  // The statement model's answers the pilot got: kept, never asked again.
  const known = new Set<number>();
  let payoff: PayoffReport | undefined;
  const pilot = ratio !== undefined && ratio > 0 && n > PILOT_MIN ? pilotRows(n, SAMPLE_SEED) : [];
  if (pilot.length > 0) {
    // One after the other, each with its own tally: what each model's calls cost on the same tuples.
    const proxyTally = { dollars: 0, unpriced: 0 };
    const modelTally = { dollars: 0, unpriced: 0 };
    await guess(pilot, proxyTally);
    await ask(target, inputs, runner, pilot, outputs, modelTally);
    for (const r of pilot) known.add(r);
    const measured = measuredRatio(proxyTally, modelTally) ?? ratio!;
    const predicted = await predictShare(proxy, pilot, guesses, outputs, answerValue, n);
    payoff = {
      ratio: measured,
      pilot: pilot.length,
      predictedShare: predicted,
      ran: paysOff(measured, predicted),
    };
    if (!payoff.ran) return unused(payoff, known);
  }
  const piloted = new Set(pilot);
  await guess(Array.from({ length: n }, (_, i) => i).filter((i) => !piloted.has(i)));
  const withPayoff = <T extends { split: ProxySplit }>(r: T): T =>
    payoff ? { ...r, split: { ...r.split, payoff } } : r;
  const parts = guesses.map((g) => splitConfidence(g));
  const scored = { logprobs: 0, 'self-reported': 0 };
  guesses.forEach((g, i) => {
    if (g !== null) scored[parts[i]!.source]++;
  });
  if (proxy.targets?.accuracy !== undefined) {
    return withPayoff(
      await withAccuracy(target, inputs, runner, proxy, proxy.targets, guesses, answerValue, scored, {
        outputs,
        known,
      }),
    );
  }
  if (proxy.targets) {
    const maybe = guesses.map(trueScore);
    const answers = (i: number) => splitConfidence(guesses[i]).answer as Record<string, unknown>;
    return withPayoff(
      await withTargets(target, inputs, runner, proxy, proxy.targets, maybe, truthOf, { scored }, answers, {
        outputs,
        known,
      }),
    );
  }
  const unsure: number[] = [];
  guesses.forEach((g, i) => {
    if (known.has(i)) return;
    if (sure(g, proxy)) outputs[i] = parts[i]!.answer;
    else unsure.push(i);
  });
  await ask(target, inputs, runner, unsure, outputs);
  const split = {
    model: proxy.model,
    confidence: proxy.confidence,
    tuples: inputs.length,
    kept: inputs.length - unsure.length - known.size,
    scored,
    ...(payoff ? { payoff } : {}),
  };
  return { outputs, split };
}

/**
 * The share of tuples the statement's model would answer with `proxy`, from the
 * pilot's proxy guesses (and, under targets, the statement model's answers).
 */
async function predictShare(
  proxy: ProxySpec,
  pilot: readonly number[],
  guesses: readonly unknown[],
  outputs: readonly unknown[],
  answerValue: AnswerValue,
  n: number,
): Promise<number> {
  const t = proxy.targets;
  if (t?.accuracy !== undefined) {
    const pairs = pilot.map((r) => {
      const { label, score } = labelScore(guesses[r], answerValue);
      return { score, wrong: label === undefined || label !== answerValue(outputs[r]) };
    });
    const target = { accuracy: t.accuracy, delta: t.delta };
    return baggedShare(pairs, SAMPLE_SEED, (resampled, seed) =>
      predictAccuracyShare(resampled, n, target, t.sample ?? defaultSampleSize(n), seed),
    );
  }
  if (t) {
    const pairs = pilot.map((r) => ({
      score: trueScore(guesses[r]),
      truth: answerValue(outputs[r]) === true,
    }));
    return baggedShare(pairs, SAMPLE_SEED, (resampled, seed) =>
      predictTargetsShare(resampled, n, t, t.sample ?? defaultSampleSize(n), seed),
    );
  }
  return predictThresholdShare(
    pilot.map((r) => sure(guesses[r], proxy)),
    n,
  );
}

/** Whether a threshold proxy's answer stands: a call that answered, at or above the proxy's confidence. */
function sure(guess: unknown, proxy: ProxySpec): boolean {
  return guess !== null && splitConfidence(guess).confidence >= proxy.confidence;
}

/**
 * A classification proxy's label (undefined for a failed or invalid call) and its score, its
 * probability of that label clamped to 0..1. A guess without a label (undefined or NULL) has
 * no score: it is never kept.
 */
function labelScore(guess: unknown, answerValue: AnswerValue): { label: unknown; score: number | undefined } {
  if (guess === null) return { label: undefined, score: undefined };
  const { answer, confidence } = splitConfidence(guess);
  const label = answerValue(answer);
  const score = label === null || label === undefined ? undefined : Math.min(1, Math.max(0, confidence));
  return { label, score };
}

/**
 * The proxy's price a call over the statement model's as the pilot paid them
 * (the same tuples, the proxy's prompt asking its confidence too), or undefined
 * when a cost is unknown or the statement model's answers were all cached.
 */
function measuredRatio(proxy: DollarTally, model: DollarTally): number | undefined {
  if (proxy.unpriced > 0 || model.unpriced > 0 || model.dollars <= 0) return undefined;
  return proxy.dollars / model.dollars;
}

/** The statement's model's answers for `rows`, written into `outputs`. */
async function ask(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  rows: readonly number[],
  outputs: unknown[],
  tally?: DollarTally,
): Promise<void> {
  if (rows.length === 0) return;
  const checked = await runner.run(
    target,
    rows.map((i) => inputs[i]!),
    tally,
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
  const { pairs, texts } = proxyTextPairs(args, inputs);
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
  truthOf: (output: unknown) => boolean,
  scoring: Pick<ProxySplit, 'scored' | 'embedding'>,
  /** The proxy's own answer for tuple i (a model's keeps its other fields); an embedding has none but the verdict. */
  answers: (i: number) => Record<string, unknown> = () => ({}),
  /** The statement model's answers so far (the pilot's: proxy-payoff.ts), kept and never asked again. */
  pilot: Pilot = { outputs: new Array<unknown>(inputs.length), known: new Set() },
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  const n = inputs.length;
  // An unscored tuple is drawn as an even guess and always asked of the statement's model.
  const scores = maybe.map((s) => s ?? 0.5);
  const { outputs } = pilot;
  const labelled = new Set<number>(pilot.known);
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

/**
 * An accuracy target: every tuple's proxy label scored by its probability; a uniform sample
 * to the statement's model; its labels stand at or above the learnt threshold, the rest go
 * to the statement's model (accuracy-cascade.ts).
 */
async function withAccuracy(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  proxy: ProxySpec,
  targets: ProxyTargets,
  guesses: readonly unknown[],
  answerValue: AnswerValue,
  scored: Readonly<Record<ConfidenceSource, number>>,
  pilot: Pilot,
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  const n = inputs.length;
  // A proxy answer without a label (failed, invalid, NULL) is never kept (labelScore).
  const read = guesses.map((g) => labelScore(g, answerValue));
  const labels = read.map((r) => r.label);
  const scores = read.map((r) => r.score);
  const { outputs, known } = pilot;
  const draws = uniformSample(n, targets.sample ?? defaultSampleSize(n), SAMPLE_SEED);
  const sampled = [...new Set(draws)];
  await ask(
    target,
    inputs,
    runner,
    sampled.filter((r) => !known.has(r)),
    outputs,
  );
  const wrong = draws.map((r) => labels[r] === undefined || labels[r] !== answerValue(outputs[r]));
  const learnt = learnAccuracyThreshold(
    draws.map((r) => scores[r]),
    wrong,
    { accuracy: targets.accuracy!, delta: targets.delta },
  );
  const taken = new Set([...sampled, ...known]);
  const band: number[] = [];
  for (let i = 0; i < n; i++) {
    if (taken.has(i)) continue;
    if (learnt.ok && scores[i] !== undefined && scores[i]! >= learnt.accept)
      outputs[i] = splitConfidence(guesses[i]).answer;
    else band.push(i);
  }
  await ask(target, inputs, runner, band, outputs);
  const guarantee: GuaranteeReport = {
    targets,
    draws: draws.length,
    sampled: sampled.length,
    positives: 0,
    agreed: sampled.filter((r) => labels[r] !== undefined && labels[r] === answerValue(outputs[r])).length,
    errorBound: learnt.errorBound,
    ...(learnt.ok ? { accept: learnt.accept } : { fallback: learnt.reason }),
  };
  const split = {
    model: proxy.model,
    confidence: proxy.confidence,
    tuples: n,
    kept: n - taken.size - band.length,
    scored,
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
    ...(t.accuracy !== undefined ? [`accuracy ${t.accuracy}`] : []),
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
  const p = s.payoff;
  if (p && !p.ran) return `${fn}: ${describePayoff(s.model, model, p)}`;
  const line = describeRun(fn, s, model);
  return p ? `${line}; ${describePayoff(s.model, model, p)}` : line;
}

function describeRun(fn: string, s: ProxySplit, model: string): string {
  const g = s.guarantee;
  if (!g) {
    return `${fn}: proxy ${s.model} kept ${s.kept} of ${s.tuples} answers (confidence ≥ ${s.confidence}, ${describeScoring(s)}), ${s.tuples - s.kept} went to ${model}`;
  }
  if (g.targets.accuracy !== undefined) return describeAccuracySplit(fn, s, g, model);
  const proxyName = s.embedding ? `embedding (${s.embedding.model})` : s.model;
  const head = `${fn}: proxy ${proxyName} targets ${describeTargets(g.targets)} (SUPG), ${describeScoring(s)}; sample ${g.draws} draws, ${g.sampled} tuples to ${model} (${g.positives} true)`;
  if (g.fallback) {
    return `${head}; the sample cannot support the targets: ${g.fallback}; all ${s.tuples} tuples went to ${model}`;
  }
  return `${head}; thresholds: false under ${fixed(g.reject!)}, true at or above ${fixed(g.accept!)}; proxy answered ${s.kept} of ${s.tuples}, ${s.tuples - s.kept - g.sampled} more went to ${model}`;
}

/**
 * rvbbit.queries' guarantee columns from a statement's splits (one per function and pass):
 * counts summed; thresholds and the error bound when one split learnt them, else null.
 */
export function guaranteeColumns(
  splits: readonly (ProxySplit & { readonly fn: string })[],
): GuaranteeColumns | undefined {
  const runs = splits.filter((s) => s.guarantee);
  const first = runs[0];
  if (!first) return undefined;
  const t = first.guarantee!.targets;
  const total = (f: (s: ProxySplit, g: GuaranteeReport) => number) =>
    runs.reduce((a, s) => a + f(s, s.guarantee!), 0);
  const one = runs.length === 1 ? first.guarantee! : undefined;
  const sampled = total((_, g) => g.sampled);
  const reasons = runs.flatMap((s) => (s.guarantee!.fallback ? [`${s.fn}: ${s.guarantee!.fallback}`] : []));
  return {
    proxy_model: first.model,
    target_recall: t.recall ?? null,
    target_precision: t.precision ?? null,
    target_accuracy: t.accuracy ?? null,
    target_delta: t.delta,
    sample_draws: total((_, g) => g.draws),
    sample_tuples: sampled,
    sample_positives: t.accuracy === undefined ? total((_, g) => g.positives) : null,
    sample_agreement:
      t.accuracy !== undefined && sampled > 0 ? total((_, g) => g.agreed ?? 0) / sampled : null,
    threshold_reject: one?.reject ?? null,
    threshold_accept: one?.accept ?? null,
    error_bound: one?.errorBound ?? null,
    proxy_answered: total((s) => s.kept),
    big_model_tuples: total((s) => s.tuples - s.kept),
    guarantee_fallback: reasons.length > 0 ? reasons.join('; ') : null,
  };
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The strategy's line for an accuracy target's split. */
function describeAccuracySplit(fn: string, s: ProxySplit, g: GuaranteeReport, model: string): string {
  const head = `${fn}: proxy ${s.model} targets ${describeTargets(g.targets)} (Clopper-Pearson, fixed-sequence thresholds), ${describeScoring(s)}; sample ${g.draws} draws, ${g.sampled} tuples to ${model} (the proxy agreed on ${g.agreed})`;
  if (g.fallback) {
    return `${head}; the sample cannot support the target: ${g.fallback}; all ${s.tuples} tuples went to ${model}`;
  }
  return `${head}; threshold: the proxy's label kept at or above ${fixed(g.accept!)} (error bound ${percent(g.errorBound!)}); proxy answered ${s.kept} of ${s.tuples}, ${s.tuples - s.kept - g.sampled} more went to ${model}`;
}

/**
 * EXPLAIN's line for a proxy with targets over `tuples` uncached tuples: the
 * targets, the sample, and the statement model's calls (the band is known once run).
 */
export function explainTargets(proxy: ProxySpec, model: string, tuples: number, embedModel: string): string {
  const t = proxy.targets!;
  const draws = t.sample ?? defaultSampleSize(tuples);
  const first = Math.min(tuples, draws);
  if (t.accuracy !== undefined) {
    return `proxy ${proxy.model} labels all ${tuples} tuples, each scored by its probability of its label (logprobs where the provider gives them, else its own confidence); target ${describeTargets(t)} against ${model}'s answers (a uniform sample, Clopper-Pearson bound, fixed-sequence thresholds): a sample of ${draws} draws (at most ${first} tuples) goes to ${model}, then the tuples the proxy is unsure of: ${model} answers ${first} to ${tuples} tuples (saves up to ${tuples - first} of ${tuples} calls, known once run); a sample that cannot support the target sends every tuple to ${model}`;
  }
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
