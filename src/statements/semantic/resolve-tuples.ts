/**
 * Answers recorded tuples (the batch strategy's "run" step): grouped by
 * function, every group at once so they share the statement's PARALLEL
 * bound; pair predicates (`~`, a condition over two values) take the
 * small-side plan when it is cheaper (small-side.ts).
 */

import { RvbbitError } from '../../../base/errors.js';
import type { ProxySpec } from '../../../grammar/index.js';
import {
  type OperatorCatalog,
  pairPlanOf,
  registeredReturns,
  type SemanticFunction,
} from '../../plan/operator-catalog.js';
import type { CallRunner, CallTarget } from './call-runner.js';
import { assignLabels, type DimensionLabels } from './dimension.js';
import { type EntityStates, resolveEntities, type TextVectors } from './entities.js';
import { type ProxySplit, proxyUnfitReason, runWithProxy } from './proxy.js';
import {
  candidateInputs,
  type PlannedGroup,
  pairResults,
  planSmallSide,
  type SmallSidePlan,
} from './small-side.js';
import { outputValue } from './sql-types.js';
import type { SqlValue, Tuple } from './statement-calls.js';

/**
 * What a statement's later passes share: its proxy and the splits it made,
 * the dimension labels it found, its entity clusterings (entities.ts) and how
 * it embeds their values.
 */
export interface StatementExtras {
  readonly proxy?: ProxySpec;
  readonly splits: (ProxySplit & { readonly fn: string })[];
  readonly labels: DimensionLabels;
  readonly entities: EntityStates;
  /** How ENTITY embeds values (the statement's embeddings), and how many nearest values each is compared with. */
  readonly blocking?: {
    readonly vectors: TextVectors;
    readonly neighbours: number;
    /** The statement's: blocking stops when it is cancelled. */
    readonly signal?: AbortSignal;
  };
}

export function statementExtras(proxy?: ProxySpec, blocking?: StatementExtras['blocking']): StatementExtras {
  return {
    splits: [],
    labels: new Map(),
    entities: new Map(),
    ...(proxy ? { proxy } : {}),
    ...(blocking ? { blocking } : {}),
  };
}

export interface PlanNote {
  readonly fn: string;
  readonly tuples: number;
  readonly smallSide: SmallSidePlan | null;
}

export function targetOf(fn: SemanticFunction): CallTarget {
  return {
    path: fn.cascadePath,
    cascade: fn.lazy.cascade,
    name: fn.name,
    cacheable: fn.sql.cache,
    nullOnInvalid: fn.sql.onInvalid === 'null',
  };
}

/** Groups tuples by function, in first-seen order. */
export function byFunction(tuples: Iterable<Tuple>): Map<SemanticFunction, Tuple[]> {
  const groups = new Map<SemanticFunction, Tuple[]>();
  for (const t of tuples) {
    const g = groups.get(t.fn);
    if (g) g.push(t);
    else groups.set(t.fn, [t]);
  }
  return groups;
}

/** The plan for each function's tuples, without running anything (EXPLAIN uses it too). */
export function planTuples(
  tuples: Iterable<Tuple>,
  catalog: OperatorCatalog,
  smallSideLimit: number,
  perPrompt: (fn: SemanticFunction) => number,
): { fn: SemanticFunction; groups: PlannedGroup[] }[] {
  return [...byFunction(tuples)].map(([fn, ts]) => ({
    fn,
    groups: planSmallSide(fn, ts, catalog, smallSideLimit, perPrompt(fn)),
  }));
}

export async function resolveTuples(
  tuples: Iterable<Tuple>,
  runner: CallRunner,
  catalog: OperatorCatalog,
  smallSideLimit: number,
  hint: string,
  notes: PlanNote[],
  more: StatementExtras = statementExtras(),
): Promise<Map<string, SqlValue>> {
  const { proxy, splits } = more;
  const results = new Map<string, SqlValue>();
  const perPrompt = (fn: SemanticFunction) => runner.perPrompt(targetOf(fn));
  const run = planTuples(tuples, catalog, smallSideLimit, perPrompt).flatMap(({ fn, groups }) =>
    groups.map(async (group) => {
      const { plan, tuples: ts } = group;
      notes.push({ fn: fn.name, tuples: ts.length, smallSide: plan });
      if (plan) {
        const calls = candidateInputs(group, hint);
        const { path, cascade } = pairPlanOf(fn, catalog)!.cascade;
        const target = {
          path,
          cascade,
          name: fn.name,
          cacheable: fn.sql.cache,
          nullOnInvalid: false,
          noPack: true,
        };
        const outputs = await runner.run(target, calls.inputs);
        for (const [k, v] of pairResults(group, calls, outputs)) results.set(k, v);
        return;
      }
      if (fn.sql.dimension?.mode === 'entities') {
        // Earlier passes' values are answered again: a new value may have joined or merged their clusters.
        const { blocking } = more;
        if (!blocking)
          throw new RvbbitError('ENGINE_ERROR', `${fn.name} ran without the statement's embeddings`);
        const answers = await resolveEntities(
          fn,
          targetOf(fn),
          ts,
          runner,
          more.entities,
          blocking.vectors,
          blocking.neighbours,
          blocking.signal,
        );
        for (const [k, v] of answers) results.set(k, v);
        return;
      }
      const inputs = ts.map((t) => t.inputs as Record<string, unknown>);
      let outputs: unknown[];
      if (fn.sql.shape === 'dimension') {
        outputs = await assignLabels(fn, targetOf(fn), ts, runner, more.labels);
      } else if (proxy && proxyUnfitReason(fn) === null) {
        const r = await runWithProxy(targetOf(fn), inputs, runner, proxy);
        outputs = r.outputs;
        splits.push({ fn: fn.name, ...r.split });
      } else {
        outputs = await runner.run(targetOf(fn), inputs);
      }
      ts.forEach((t, i) => {
        results.set(t.key, outputValue(outputs[i], registeredReturns(fn.sql)));
      });
    }),
  );
  await Promise.all(run);
  return results;
}
