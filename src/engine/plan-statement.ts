/**
 * Statement (AST) → Plan for every kind (plan.ts); cascades are resolved and
 * loaded here, so a bad file fails before any row runs.
 */
import type { SqlStatement, Statement } from '../../grammar/index.js';
import { explainPrefix } from '../../grammar/split.js';
import type { CascadeResolver } from '../plan/cascade-resolver.js';
import type { OperatorCatalog } from '../plan/operator-catalog.js';
import type { PlanDefaults } from '../plan/plan-limits.js';
import {
  checkBudgetPriced,
  checkSemanticBudgetPriced,
  type PricingView,
} from '../statements/map/budget-check.js';
import { type MapPlan, planMap } from '../statements/map/plan-map.js';
import { planRun } from '../statements/run/plan-run.js';
import { semanticOptions } from '../statements/semantic/plan/semantic-options.js';
import { planSemantic } from '../statements/semantic/plan/semantic-plan.js';
import { hasSemantics, type Plan, planFunctionStatement, planPlainSql } from './plan.js';

export interface PlanContext {
  readonly resolver: CascadeResolver;
  readonly defaults: PlanDefaults;
  /** The provider's prices, aliases and default model: `budget_dollars` needs a price (budget-check.ts). */
  readonly provider?: PricingView;
  /** The operators semantic SQL may call: the rewrite resolves every construct in it. */
  readonly semantic: { readonly catalog: OperatorCatalog };
}

export async function planStatement(stmt: Statement, ctx: PlanContext): Promise<Plan> {
  switch (stmt.kind) {
    case 'SqlStatement': {
      if (!hasSemantics(stmt)) return planPlainSql(stmt);
      checkSemanticBudgetPriced(stmt.annotations ?? [], ctx.provider);
      const explained = explainedSemantic(stmt);
      const target = explained?.stmt ?? stmt;
      const options = semanticOptions(target.annotations, ctx.defaults);
      const semantic = await planSemantic(target, options, ctx.semantic.catalog);
      return explained
        ? { kind: 'explain-semantic', semantic, json: explained.json }
        : { kind: 'semantic', semantic };
    }
    case 'MapStatement':
      return { kind: 'map', map: priced(await planMap(stmt, ctx.resolver, ctx.defaults), ctx) };
    case 'CreateTableAsStatement':
    case 'InsertMapStatement':
    case 'CopyMapStatement': {
      // As for EXPLAIN: the annotations before CREATE, INSERT or COPY are its MAP's.
      const map = { ...stmt.map, annotations: stmt.annotations };
      return { kind: 'map', map: priced(await planMap(map, ctx.resolver, ctx.defaults, stmt), ctx) };
    }
    case 'RunStatement':
      return { kind: 'run', run: await planRun(stmt, ctx.resolver, ctx.defaults) };
    case 'ExplainStatement': {
      const json = stmt.format === 'JSON';
      // The annotations before EXPLAIN are its target's (`-- @ parallel`, `-- @ delivery`): planned as the run would be.
      const t = { ...stmt.target, annotations: stmt.annotations };
      return t.kind === 'MapStatement'
        ? {
            kind: 'explain',
            json,
            target: { kind: 'map', map: priced(await planMap(t, ctx.resolver, ctx.defaults), ctx) },
          }
        : {
            kind: 'explain',
            json,
            target: { kind: 'run', run: await planRun(t, ctx.resolver, ctx.defaults) },
          };
    }
    case 'CreateSemanticFunctionStatement':
    case 'DropSemanticFunctionStatement':
      return planFunctionStatement(stmt)!;
    default:
      return unreachable(stmt);
  }
}

/** The statement under `EXPLAIN [ (FORMAT TEXT|JSON) ]`, spans still pointing into the whole input; null when not an EXPLAIN. */
function explainedSemantic(stmt: SqlStatement): { stmt: SqlStatement; json: boolean } | null {
  const explain = explainPrefix(stmt.text);
  if (!explain) return null;
  const cut = explain.length;
  const inner: SqlStatement = {
    ...stmt,
    text: stmt.text.slice(cut),
    span: { ...stmt.span, start: stmt.span.start + cut },
  };
  return { stmt: inner, json: explain.json };
}

function priced(plan: MapPlan, ctx: PlanContext): MapPlan {
  checkBudgetPriced(plan, ctx.provider);
  return plan;
}

function unreachable(stmt: never): never {
  throw new Error(`unknown statement kind ${(stmt as { kind: string }).kind}`);
}
