/**
 * The automatic pack size of a one-value operator (`-- @ batch` unsaid): the
 * largest pack of at most AUTO_PACK_MAX tuples whose request, priced by the
 * cost model the run and EXPLAIN share (call-cost.ts requestCost: the packed
 * prompt the worker sends, its schema, the least answer of n items), fits the
 * model's context window and its output cap. The tuples priced are the
 * longest the statement asks, so every pack of the run is no bigger. Packing
 * only when there are at least two tuples to ask. An explicit `-- @ batch: n`
 * (or the engine's operatorBatch) never comes here.
 */
import type { Cascade } from '../cascade/cascade-types.js';
import { unpackableReason } from '../cascade/packed-prompt.js';
import type { ModelLimits } from '../llm/model-limits-config.js';
import { AUTO_PACK_MAX } from './auto-pack-max.js';
import { requestBound, requestCost } from './call-cost.js';

/**
 * The share of the window and the output cap a pack may fill: the estimate
 * counts o200k_base tokens, another model's tokenizer counts the same text
 * somewhat differently.
 */
const FIT_SHARE = 0.9;

/** Tuples per prompt and why: what EXPLAIN prints ('' when there is no choice to explain). */
export interface PackChoice {
  readonly perPrompt: number;
  readonly why: string;
}

type Inputs = Readonly<Record<string, unknown>>;

/** The model a pack is sized for: its id and the limits the engine knows of it (llm/model-limits.ts knownLimits). */
export type SizedModel = ModelLimits & { readonly id: string };

export function autoPackSize(cascade: Cascade, inputs: readonly Inputs[], model: SizedModel): PackChoice {
  const unpackable = unpackableReason(cascade);
  if (unpackable !== null) return { perPrompt: 1, why: `auto: not packed, ${unpackable}` };
  // One tuple is one call either way: nothing to explain.
  if (inputs.length < 2) return { perPrompt: 1, why: '' };
  const { contextWindow: window, maxOutputTokens: cap } = model;
  const limits = `${model.id}: context ${window ?? 'unknown'}, output ${cap ?? 'unknown'}`;
  const longest = longestInputs(inputs, AUTO_PACK_MAX);
  // A limit the engine does not know bounds nothing: every size fits.
  if (window === undefined && cap === undefined)
    return {
      perPrompt: longest.length,
      why: `auto: the largest pack ≤ ${AUTO_PACK_MAX} that fits (${limits})`,
    };
  for (let n = longest.length; n >= 2; n--) {
    const rows = longest.slice(0, n);
    // The tokenizer only when the bound without it does not fit (a long text, a small window, an image).
    const bound = requestBound(cascade, rows);
    const boundFits =
      bound !== undefined &&
      (window === undefined || bound.tokensIn + bound.tokensOut <= window * FIT_SHARE) &&
      (cap === undefined || bound.tokensOut <= cap * FIT_SHARE);
    if (boundFits)
      return { perPrompt: n, why: `auto: the largest pack ≤ ${AUTO_PACK_MAX} that fits (${limits})` };
    const { tokensIn, tokensOut } = requestCost(cascade, rows);
    const fitsWindow = window === undefined || tokensIn + tokensOut <= window * FIT_SHARE;
    const fitsOutput = cap === undefined || tokensOut <= cap * FIT_SHARE;
    if (fitsWindow && fitsOutput)
      return { perPrompt: n, why: `auto: the largest pack ≤ ${AUTO_PACK_MAX} that fits (${limits})` };
  }
  return {
    perPrompt: 1,
    why: `auto: not packed, two of its longest tuples do not fit one prompt (${limits})`,
  };
}

/**
 * The `count` tuples of longest JSON text, longest first: what prices the
 * pack (a value's length is a fair stand-in for its tokens; the pack itself
 * is priced exactly).
 */
function longestInputs(inputs: readonly Inputs[], count: number): Inputs[] {
  const sized = inputs.map((i) => ({ i, chars: JSON.stringify(i).length }));
  sized.sort((a, b) => b.chars - a.chars);
  return sized.slice(0, count).map((x) => x.i);
}
