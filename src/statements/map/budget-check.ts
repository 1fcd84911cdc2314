/**
 * `budget_dollars` needs prices: a MAP whose models have none would spend
 * without ever reaching its budget (the cost of every call is unknown), so
 * planning refuses it, naming the model and the option, unless a token
 * budget (`budget_tokens`) bounds the statement instead.
 */

import { RvbbitError } from '../../../base/errors.js';
import type { Annotation } from '../../../grammar/index.js';
import { billedModel, modelsOf, type PricingView } from '../../plan/estimate.js';
import type { MapPlan } from './plan-map.js';

export type { PricingView } from '../../plan/estimate.js';

/** The models a MAP's cells call, as the provider knows them (aliases resolved). */
function providerModels(plan: MapPlan, pricing: PricingView): string[] {
  const asked = modelsOf(plan.cascade, plan.limits.model, pricing.defaultModel);
  return [...new Set(asked.map((m) => billedModel(pricing, m)))];
}

/** Throws BUDGET_UNPRICED when `budget_dollars` is set, no `budget_tokens` is, and a model has no price. */
export function checkBudgetPriced(plan: MapPlan, pricing: PricingView | undefined): void {
  const { budgetDollars, budgetTokens } = plan.limits;
  if (budgetDollars === undefined || budgetTokens !== undefined || !pricing) return;
  const unpriced = providerModels(plan, pricing).filter((m) => !pricing.prices?.[m]);
  if (unpriced.length === 0) return;
  const names = unpriced.map((m) => `'${m}'`).join(', ');
  throw new RvbbitError(
    'BUDGET_UNPRICED',
    `budget_dollars = ${budgetDollars}: model ${names} has no price, so its spend cannot be counted; ` +
      'give its price in rvbbit.config.yaml (llm.prices), or bound the statement with budget_tokens',
    { option: 'budget_dollars', models: unpriced },
  );
}

/** The semantic form: `-- @ budget_dollars` with the annotation's model (or the default) unpriced. */
export function checkSemanticBudgetPriced(
  annotations: readonly Annotation[],
  pricing: PricingView | undefined,
): void {
  const has = (key: string) => annotations.some((a) => a.key === key);
  if (!pricing || !has('budget_dollars') || has('budget_tokens')) return;
  const model = annotations.find((a) => a.key === 'model');
  const asked = model?.key === 'model' ? model.value : pricing.defaultModel;
  const resolved = billedModel(pricing, asked);
  if (pricing.prices?.[resolved]) return;
  throw new RvbbitError(
    'BUDGET_UNPRICED',
    `-- @ budget_dollars: model '${resolved}' has no price, so its spend cannot be counted; ` +
      'give its price in rvbbit.config.yaml (llm.prices), or bound the statement with -- @ budget_tokens',
    { option: 'budget_dollars', models: [resolved] },
  );
}
