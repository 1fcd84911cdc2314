/**
 * A model's accuracy/confidence profile (`profiles: { 'small-fast': { accuracy: 0.85 } }`):
 * the simulator's stand-in for a cheap model. Its operator answers (a boolean
 * `result`, a number `score`) are wrong for a deterministic (1 − accuracy)
 * share of the (question, text) pairs it is asked (the key: world.ts modelKey, the
 * model, the seed and the pair, so every form and packing of one question errs alike):
 * the verdict flipped, the score mirrored. A model without a profile (every name by
 * default) answers the truth. A `confidence`
 * field the schema asks for says how sure it is: wrong answers in [0.2, 0.7)
 * (except a `confidentErrors` share of them, in [0.8, 0.95)), right answers in
 * [0.7, 1.0). A model without a profile is always right, with confidence = its score.
 *
 * The token probability of a boolean answer (what `logprobs` report, logprobs.ts) is
 * calibrated: among a model's answers given probability ≈ x, about x are right. The
 * probability p of the answer given is drawn from g(p) on [0.5, 1] whose mean is the
 * accuracy a (p = 0.5 + 0.5·u^k, u uniform, k = 1/(2a − 1) − 1); a right answer
 * draws p from p·g(p)/a and a wrong one from (1 − p)·g(p)/(1 − a). By Bayes,
 * P(right | p) = a·(p·g/a) / (a·(p·g/a) + (1 − a)·((1 − p)·g/(1 − a))) = p. Wrong
 * answers stay the same ones as without logprobs (the `wrong` draw above), and some
 * of them come with p near 1: confident errors, as real models make.
 *
 * A label (a top-level string property whose schema has an `enum` of two or more
 * values: CLASSIFY's `label`, an ENUM function's `result`) is wrong for the same
 * requests: another of the enum's values, a seeded pick over the sorted values. Its first token carries the
 * same calibrated probability (labelBelief), so a classification's proxy is scored by
 * its logprobs as a filter's is.
 */
import { hashSeed, mulberry32 } from './rng.js';
import { sortedLabels } from './world.js';

export interface ModelProfile {
  /** Share of answers that are right, 0..1 (absent: 1, as an embedding model's profile may leave it). */
  readonly accuracy?: number;
  /** Share of wrong answers given high confidence (default 0). */
  readonly confidentErrors?: number;
  /**
   * For an embedding model: σ of the seeded noise added to its vectors (embeddings.ts),
   * relative to a unit word vector; 0 or absent: the word vectors alone.
   */
  readonly embeddingNoise?: number;
}

/** A well-mixed draw in [0, 1) per text. */
const unit = (text: string): number => mulberry32(hashSeed(text))();

/** `value` (the answer to one request) as a model with `profile` gives it; `key` identifies the request. */
export function profiled(
  value: unknown,
  profile: ModelProfile,
  key: string,
  schema?: Readonly<Record<string, unknown>>,
): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = { ...(value as Record<string, unknown>) };
  const wrong = isWrong(profile, key);
  if (wrong) {
    if (typeof out.result === 'boolean') out.result = !out.result;
    if (typeof out.score === 'number') out.score = Math.round((1 - out.score) * 1000) / 1000;
    const label = labelField(out, schema);
    if (label) {
      const others = sortedLabels(label.values).filter((v) => v !== out[label.name]);
      out[label.name] = others[Math.floor(unit(`label\u0000${key}`) * others.length)]!;
    }
  }
  if ('confidence' in out) {
    const u = unit(`confidence\u0000${key}`);
    const loud = wrong && unit(`loud\u0000${key}`) < (profile.confidentErrors ?? 0);
    const c = !wrong ? 0.7 + 0.3 * u : loud ? 0.8 + 0.15 * u : 0.2 + 0.5 * u;
    out.confidence = Math.round(c * 1000) / 1000;
  }
  return out;
}

/** The answer's label: its first top-level string property whose schema has an enum of two or more strings. */
export function labelField(
  value: Readonly<Record<string, unknown>>,
  schema: Readonly<Record<string, unknown>> | undefined,
): { readonly name: string; readonly values: readonly string[] } | undefined {
  const props = schema?.properties as Record<string, { enum?: unknown }> | undefined;
  if (!props) return undefined;
  for (const [name, v] of Object.entries(value)) {
    const values = props[name]?.enum;
    if (
      typeof v === 'string' &&
      Array.isArray(values) &&
      values.length >= 2 &&
      values.every((x) => typeof x === 'string')
    ) {
      return { name, values: values as string[] };
    }
  }
  return undefined;
}

function isWrong(profile: ModelProfile, key: string): boolean {
  return unit(`wrong\u0000${key}`) >= (profile.accuracy ?? 1);
}

/** Accuracy is kept inside (0.5, 1): a model at 0.5 or below knows nothing its probabilities could say. */
const MIN_ACCURACY = 0.55;

/**
 * The probability the model gives its own boolean answer to the request `key`
 * (calibrated, see the head of this file); 1 for a model without a profile (always right).
 */
export function answerProbability(profile: ModelProfile | undefined, key: string): number {
  if (!profile || (profile.accuracy ?? 1) >= 1) return 1;
  const accuracy = profile.accuracy ?? 1;
  const a = Math.max(MIN_ACCURACY, accuracy);
  const k = 1 / (2 * a - 1) - 1;
  const wrong = isWrong(profile, key);
  const rng = mulberry32(hashSeed(`belief\u0000${key}`));
  // Rejection sampling from p·g(p) (right) or (1 − p)·g(p) (wrong); the acceptance is
  // p or (1 − p)/0.5, both ≤ 1 on [0.5, 1]. 1000 rounds never run out in practice.
  let p = 0.5;
  for (let i = 0; i < 1000; i++) {
    p = 0.5 + 0.5 * rng() ** k;
    const accept = wrong ? (1 - p) / 0.5 : p;
    if (rng() < accept) break;
  }
  return Math.round(p * 1e6) / 1e6;
}
