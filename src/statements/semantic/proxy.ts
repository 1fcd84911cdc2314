/**
 * Proxy-model cascades (`-- @ proxy: small-fast confidence 0.8`): a cheap
 * model answers every tuple of a filter or score operator, saying how sure it
 * is (cascade/confidence.ts); answers at or above the threshold are kept, the
 * rest go to the statement's model. A proxy call that fails or answers out of
 * shape counts as unsure. Both models' calls are logged under their own model
 * name; the split is reported in the statement's strategy and by EXPLAIN.
 */
import { BOOLEAN, DOUBLE } from '@duckdb/node-api';
import type { ProxySpec } from '../../../grammar/index.js';
import { splitConfidence } from '../../cascade/confidence.js';
import { unpackableReason } from '../../cascade/packed-prompt.js';
import type { SemanticFunction } from '../../plan/operator-catalog.js';
import type { CallRunner, CallTarget } from './call-runner.js';
import { duckType } from './sql-types.js';

/** How a function's tuples split between the proxy and the statement's model. */
export interface ProxySplit {
  readonly model: string;
  readonly confidence: number;
  /** Tuples the proxy answered (the cache included). */
  readonly tuples: number;
  /** Of them, answers kept (confidence at or above the threshold). */
  readonly kept: number;
}

/** Why `fn` cannot take a proxy, or null when it can: a filter or score with one LLM cell. */
export function proxyUnfitReason(fn: SemanticFunction): string | null {
  const type = duckType(fn.sql.returns);
  if (fn.sql.shape !== 'scalar' || (type !== BOOLEAN && type !== DOUBLE)) {
    return `${fn.name} is not a filter or a score (returns ${fn.sql.returns})`;
  }
  const why = unpackableReason(fn.lazy.cascade);
  if (why) return `${fn.name}'s cascade cannot say its confidence: ${why}`;
  return null;
}

/** Outputs for every input: the proxy's sure answers, the statement's model for the rest. */
export async function runWithProxy(
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  runner: CallRunner,
  proxy: ProxySpec,
): Promise<{ outputs: unknown[]; split: ProxySplit }> {
  const guesses = await runner.run(
    { ...target, call: { ...target.call, model: proxy.model, askConfidence: true }, nullOnInvalid: true },
    inputs,
  );
  const outputs = new Array<unknown>(inputs.length);
  const unsure: number[] = [];
  guesses.forEach((g, i) => {
    const { answer, confidence } = splitConfidence(g);
    if (g !== null && confidence >= proxy.confidence) outputs[i] = answer;
    else unsure.push(i);
  });
  if (unsure.length > 0) {
    const checked = await runner.run(
      target,
      unsure.map((i) => inputs[i]!),
    );
    unsure.forEach((at, j) => {
      outputs[at] = checked[j];
    });
  }
  const split = {
    model: proxy.model,
    confidence: proxy.confidence,
    tuples: inputs.length,
    kept: inputs.length - unsure.length,
  };
  return { outputs, split };
}

/** `proxy small-fast kept 640 of 1000 answers (confidence ≥ 0.8)`, for the strategy and EXPLAIN. */
export function describeSplit(fn: string, s: ProxySplit, model: string): string {
  return `${fn}: proxy ${s.model} kept ${s.kept} of ${s.tuples} answers (confidence ≥ ${s.confidence}), ${s.tuples - s.kept} went to ${model}`;
}
