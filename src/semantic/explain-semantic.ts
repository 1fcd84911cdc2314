/**
 * EXPLAIN over a SELECT with semantic operators (`EXPLAIN SELECT …` reaches
 * the engine as plain SQL that starts with EXPLAIN and holds operators). One
 * record pass counts the distinct tuples each operator would be called with,
 * no paid call made; the cache is peeked without counting; the small-side
 * choice for `~` is made exactly as the run would make it.
 */
import type { SqlStatement } from '../../grammar/index.js';
import { rowCacheKey } from '../cache/cache-key.js';
import type { QueryResult } from '../db/query-result.js';
import { readResult } from '../db/query-result.js';
import { costFromTable } from '../llm/pricing.js';
import { modelsOf, tokensPerRun } from '../plan/estimate.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import { rewriteSemantic } from '../plan/semantic-rewrite.js';
import { splitUnionAll } from '../plan/union-split.js';
import { registerFunctions } from './register-functions.js';
import { byFunction, loadCascadesOf, planTuples } from './resolve-tuples.js';
import type { SemanticRunContext } from './run-semantic.js';
import { isQuery } from './run-semantic.js';
import { candidateInputs } from './small-side.js';
import { closeStatement, openStatement, startPass } from './statement-calls.js';

export async function explainSemantic(
  stmt: SqlStatement,
  opts: SemanticOptions,
  json: boolean,
  ctx: SemanticRunContext,
): Promise<QueryResult> {
  const { engine } = ctx;
  const { catalog } = engine.semantic;
  const s = openStatement(opts.hint);
  try {
    const rw = rewriteSemantic(stmt, catalog, s.token, opts.threshold);
    await loadCascadesOf(
      rw.sites.map((site) => site.fn),
      catalog,
    );
    let strategy: string = opts.strategy;
    if (opts.strategy === 'batch' && !isQuery(rw.sql))
      strategy = 'vectorized (the statement has side effects)';
    if (opts.strategy === 'union_all') {
      const split = splitUnionAll(rw.sql, opts.parallel);
      strategy = split.ok
        ? `union_all (${opts.parallel} branches on hash(row) % ${opts.parallel})`
        : `sequential (union_all cannot split this query: ${split.reason})`;
    }
    await ctx.q.run((con) => registerFunctions(engine.instance, con, catalog.functions.values()));
    startPass(s);
    // Record mode never calls a model; with EXPLAIN's own statement nothing else runs.
    await ctx.q.run((con) => readResult(con, `SELECT count(*) FROM (${rw.sql})`, ctx.params));
    const plans = planTuples(s.recorded.values(), catalog, engine.semantic.smallSideLimit);
    const functions: Record<string, string | number>[] = [];
    let calls = 0;
    let tokensIn = 0;
    let tokensOut = 0;
    let dollars: number | null = 0;
    for (const [fn, ts] of byFunction(s.recorded.values())) {
      const plan = plans.find((p) => p.fn === fn.name)!.smallSide;
      const cascade = plan ? catalog.candidates.cascade : fn.lazy.cascade;
      const inputs = plan ? candidateInputs(plan, ts, s.hint).inputs : ts.map((t) => t.inputs);
      const keys = inputs.map((i) => rowCacheKey(cascade.contentHash, opts.model, i));
      const hits =
        opts.cacheTtl === false || !fn.sql.cache ? 0 : (await engine.cache.lookup(keys, false)).size;
      const n = inputs.length - hits;
      const per = tokensPerRun(cascade, inputs[0]);
      const models = modelsOf(cascade, opts.model, engine.llm.defaultModel);
      const cost = costFromTable(engine.llm.prices, models[0]!, n * per.tokensIn, n * per.tokensOut);
      calls += n;
      tokensIn += n * per.tokensIn;
      tokensOut += n * per.tokensOut;
      dollars = dollars === null || cost === null ? null : dollars + cost;
      functions.push({
        function: fn.name,
        distinct_tuples: ts.length,
        cache_hits_expected: hits,
        calls_expected: n,
        plan: plan
          ? `small side: ${plan.smallValues} distinct ${plan.small} values as candidates, one call per ${plan.large} value (${plan.largeValues} calls instead of ${plan.pairs} pairs)`
          : 'pairwise: one call per distinct tuple',
      });
    }
    const report = {
      statement: 'SELECT',
      strategy,
      parallel: opts.parallel,
      operators: rw.sites.map(
        (x) => `${x.word} → ${x.fn.name} (${x.clause}, line ${x.line} col ${x.column})`,
      ),
      functions: functions.map(
        (f) =>
          `${f.function}: ${f.distinct_tuples} distinct tuples, ${f.cache_hits_expected} cached, ${f.calls_expected} calls; ${f.plan}`,
      ),
      est_calls: calls,
      est_tokens_in: tokensIn,
      est_tokens_out: tokensOut,
      est_dollars: dollars,
      note: 'counted from one record pass: an operator whose inputs depend on another operator’s answers is counted once those answers exist',
      answered_by: engine.provider.answeredBy,
      sql: rw.sql,
    };
    if (json) {
      return ctx.q.run((con) =>
        readResult(con, 'SELECT $1::JSON AS explain', [JSON.stringify({ ...report, functions })]),
      );
    }
    return {
      columns: [
        { name: 'property', type: 'VARCHAR' },
        { name: 'value', type: 'VARCHAR' },
      ],
      rows: Object.entries(report).map(([property, v]) => ({
        property,
        value: Array.isArray(v) ? v.join('\n') : v === null ? 'unknown' : String(v),
      })),
    };
  } finally {
    closeStatement(s);
  }
}
