/**
 * How a statement's operator tuples are packed into prompts: the one rule
 * the run (resolve-tuples.ts, through CallRunner.packing) and EXPLAIN
 * (estimate/operator-cost.ts) both read.
 *  - `-- @ batch: n` (or the engine's operatorBatch): n for every operator
 *    that can be packed, its pairs too (pair-plan.ts prices blocks then);
 *    `-- @ batch: 1` turns packing off.
 *  - said nowhere: one-value operators' tuples are packed at the size
 *    plan/pack-size.ts chooses for the model, and so are pair predicates'
 *    pairs (that size prices packed pairs and blocks beside the small side,
 *    pair-plan.ts, which takes the cheapest) and the small side's candidate
 *    calls (sized for their own cascade); aggregates stay unpacked (their
 *    groups are long prompts of their own, reduced to fit: aggregate-reduce.ts);
 *    dimensions and ENTITY pack at their own sizes, whatever the statement says.
 */
import type { Cascade } from '../../../cascade/cascade-types.js';
import { unpackableReason } from '../../../cascade/packed-prompt.js';
import { batchImageBytes, type ImageFileAccess } from '../../../llm/image-files.js';
import { knownLimits, type ModelLimitsTable } from '../../../llm/model-limits.js';
import type { PriceTable } from '../../../llm/pricing.js';
import { estimateDollars, modelsOf } from '../../../plan/estimate.js';
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
import { autoPackSize, type PackChoice, type SizedModel } from '../../../plan/pack-size.js';
import type { Tuple } from '../state/statement-calls.js';

/**
 * Tuples of `target` per prompt under the statement's `-- @ batch`: its own
 * batch or the statement's when n ≥ 2 and the cascade can be packed, else 1.
 * The rule for a target run outside the planner's groups (an explicit batch, a dimension's own, blocks never).
 */
export function tuplesPerPrompt(
  target: { readonly batch?: number; readonly noPack?: boolean; readonly cascade: Cascade },
  statementBatch: number | undefined,
): number {
  const batch = target.batch ?? statementBatch ?? 1;
  return batch > 1 && !target.noPack && unpackableReason(target.cascade) === null ? batch : 1;
}

/**
 * The most image-file bytes one pack may hold, as the worker cuts packs
 * (llm/image-files.ts imageBoundedBatches): what the run's packs of IMAGE()
 * values and their price (call-cost.ts tuplesCost) are cut by. Undefined
 * when the engine reads no image files.
 */
export function packImageLimit(llm: { readonly images?: ImageFileAccess | undefined }): number | undefined {
  return llm.images ? batchImageBytes(llm.images) : undefined;
}

/** A statement's `batch`: the number it or the engine gave, or 'auto' when neither said. */
export type BatchSetting = number | 'auto';

/** How one function's tuples pack. */
export interface FunctionPacking {
  /** Pairs per prompt for its pair groups (more than 1: packed, and blocks priced), and why. */
  pairsOf(pairs: readonly Tuple[]): PackChoice;
  /** Tuples per prompt for its other tuples, and why. */
  of(tuples: readonly Tuple[]): PackChoice;
  /**
   * Calls per prompt of its small side (pair-plan.ts): the candidates
   * cascade's calls (`inputs`: one per large-side value) packed as any
   * operator's are, by the same rule.
   */
  candidatesOf(cascade: Cascade, inputs: readonly Readonly<Record<string, unknown>>[]): PackChoice;
}

/** What packing needs of the engine: the provider's model table and aliases, its default model, windows learned. */
export interface PackingEngine {
  readonly llm: {
    readonly defaultModel: string;
    readonly models?: ModelLimitsTable;
    readonly aliases?: Readonly<Record<string, string>>;
    /** The provider's prices (llm/pricing.ts): what the pair planner compares its plans by (`dollars`). */
    readonly prices?: PriceTable;
  };
  readonly learnedWindows: ReadonlyMap<string, number>;
}

export class StatementPacking {
  constructor(
    readonly batch: BatchSetting,
    /** The statement's `-- @ model`, over each cascade's own. */
    private readonly model: string | undefined,
    private readonly engine: PackingEngine,
  ) {}

  /** The statement's explicit batch (undefined: chosen per operator), for targets run outside planTuples. */
  get explicit(): number | undefined {
    return this.batch === 'auto' ? undefined : this.batch;
  }

  /**
   * Dollars for `tokensIn` + `tokensOut` of calls to `cascade`, at the prices
   * of the models its calls go to (the statement's `-- @ model` over the
   * cascade's own, else the engine's default; estimate.ts estimateDollars,
   * the rule EXPLAIN's est_dollars and the run's logged cost use), or null
   * when a model has no price. The pair planner's measure (pair-plan.ts).
   */
  dollars(cascade: Cascade, tokensIn: number, tokensOut: number): number | null {
    const { llm } = this.engine;
    const pricing = {
      prices: llm.prices ?? {},
      defaultModel: llm.defaultModel,
      ...(llm.aliases ? { aliases: llm.aliases } : {}),
    };
    return estimateDollars(pricing, modelsOf(cascade, this.model, llm.defaultModel), tokensIn, tokensOut);
  }

  forFunction(fn: SemanticFunction): FunctionPacking {
    const cascade = fn.lazy.cascade;
    if (this.batch !== 'auto') {
      const n = tuplesPerPrompt({ cascade }, this.batch);
      const explicit = { perPrompt: n, why: `-- @ batch: ${this.batch}` };
      const batch = this.batch;
      return {
        pairsOf: () => explicit,
        of: () => explicit,
        candidatesOf: (candidates) => ({
          perPrompt: tuplesPerPrompt({ cascade: candidates }, batch),
          why: `-- @ batch: ${batch}`,
        }),
      };
    }
    if (fn.sql.shape !== 'scalar' || fn.sql.dimension) {
      // Not a choice to explain: these functions are never packed automatically (their EXPLAIN lines say their plans).
      const unpacked = { perPrompt: 1, why: '' };
      return { pairsOf: () => unpacked, of: () => unpacked, candidatesOf: () => unpacked };
    }
    // Pairs as one-value tuples: the largest pack that fits (a pair's prompt states both its values).
    const of = (tuples: readonly Tuple[]) =>
      autoPackSize(
        cascade,
        tuples.map((t) => t.inputs),
        this.sizedModel(cascade),
      );
    // The small side's calls, each listing its candidates: packed by the same rule, sized for their own cascade.
    // Without a prefilter every call lists the same candidates, which a packed prompt then states once
    // (packed-prompt.ts: the text the calls share); under one each lists its value's own k kept candidates.
    const candidatesOf = (candidates: Cascade, inputs: readonly Readonly<Record<string, unknown>>[]) =>
      autoPackSize(candidates, inputs, this.sizedModel(candidates));
    return { pairsOf: of, of, candidatesOf };
  }

  /** The model a cascade's calls go to, with the limits the engine knows (the tightest when it names several). */
  private sizedModel(cascade: Cascade): SizedModel {
    const { llm, learnedWindows } = this.engine;
    const known = modelsOf(cascade, this.model, llm.defaultModel).map((m) =>
      knownLimits(llm, m, learnedWindows),
    );
    const least = (pick: (m: SizedModel) => number | undefined) => {
      const figures = known.map(pick).filter((x): x is number => x !== undefined);
      return figures.length > 0 ? Math.min(...figures) : undefined;
    };
    const contextWindow = least((m) => m.contextWindow);
    const maxOutputTokens = least((m) => m.maxOutputTokens);
    return {
      id: known.map((m) => m.id).join(', '),
      ...(contextWindow !== undefined ? { contextWindow } : {}),
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    };
  }
}

/** The statement's packing, from its options and the engine it runs on. */
export function statementPacking(
  opts: {
    readonly batch: BatchSetting;
    readonly limits: { readonly model?: string };
  },
  engine: {
    readonly llm: PackingEngine['llm'];
    readonly semantic: { readonly learnedWindows: ReadonlyMap<string, number> };
  },
): StatementPacking {
  return new StatementPacking(opts.batch, opts.limits.model, {
    llm: engine.llm,
    learnedWindows: engine.semantic.learnedWindows,
  });
}
