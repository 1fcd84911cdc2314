/**
 * A model's accuracy/confidence profile (`profiles: { 'small-fast': { accuracy: 0.85 } }`):
 * the simulator's stand-in for a cheap model. Its operator answers (a boolean
 * `result`, a number `score`) are wrong for a deterministic (1 − accuracy)
 * share of requests: the verdict flipped, the score mirrored. A `confidence`
 * field the schema asks for says how sure it is: wrong answers in [0.2, 0.7)
 * (except a `confidentErrors` share of them, in [0.8, 0.95)), right answers in
 * [0.7, 1.0). A model without a profile is always right, with confidence = its score.
 */
import { hashSeed, mulberry32 } from './rng.js';

export interface ModelProfile {
  /** Share of answers that are right, 0..1. */
  readonly accuracy: number;
  /** Share of wrong answers given high confidence (default 0). */
  readonly confidentErrors?: number;
}

/** A well-mixed draw in [0, 1) per text. */
const unit = (text: string): number => mulberry32(hashSeed(text))();

/** `value` (the answer to one request) as a model with `profile` gives it; `key` identifies the request. */
export function profiled(value: unknown, profile: ModelProfile, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = { ...(value as Record<string, unknown>) };
  const wrong = unit(`wrong\u0000${key}`) >= profile.accuracy;
  if (wrong) {
    if (typeof out.result === 'boolean') out.result = !out.result;
    if (typeof out.score === 'number') out.score = Math.round((1 - out.score) * 1000) / 1000;
  }
  if ('confidence' in out) {
    const u = unit(`confidence\u0000${key}`);
    const loud = wrong && unit(`loud\u0000${key}`) < (profile.confidentErrors ?? 0);
    const c = !wrong ? 0.7 + 0.3 * u : loud ? 0.8 + 0.15 * u : 0.2 + 0.5 * u;
    out.confidence = Math.round(c * 1000) / 1000;
  }
  return out;
}
