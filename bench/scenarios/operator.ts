/**
 * What the semantic-operator workloads share: the availability probe
 * (`SELECT 'a' MEANS 'b'` on the engine; SEMANTIC_NOT_AVAILABLE means the
 * operators have not landed) and the annotated SELECT each strategy runs.
 */
import type { Engine } from '../../src/index.js';
import { ensureTables } from '../data.js';
import { LATENCIES } from '../grid.js';
import type { EngineStrategy, Scenario } from './scenario.js';

const OPERATOR_STRATEGIES = ['sequential', 'union_all', 'vectorized', 'batch'] as const;
const probes = new WeakMap<Engine, Promise<string | null>>();

/** null when `SELECT 'a' MEANS 'b'` runs on this engine, else the error code (or message). */
export function probeOperators(engine: Engine): Promise<string | null> {
  let probe = probes.get(engine);
  if (!probe) {
    probe = engine.query(`SELECT 'a' MEANS 'b' AS ok`).then(
      () => null,
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        return typeof code === 'string' ? code : String(err);
      },
    );
    probes.set(engine, probe);
  }
  return probe;
}

/** The statement with its strategy, parallelism and no result cache, as annotations. */
export function annotated(strategy: EngineStrategy, parallel: number, select: string): string {
  return `-- @ strategy: ${strategy}\n-- @ parallel: ${parallel}\n-- @ cache: false\n${select}`;
}

/** The operator's JSON answer as a hand-written client would read it. */
export function extractJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/** A Scenario for one operator query over `bench_docs_<n>`, one LLM call per row. */
export function operatorScenario(
  name: string,
  description: string,
  select: (table: string) => string,
): Scenario {
  return {
    name,
    workload: name,
    description,
    strategies: OPERATOR_STRATEGIES,
    // Four strategies per cell: keep the quick grid small (sequential still runs, at P 1).
    groups: {
      quick: [
        { latency: LATENCIES[0]!, n: [100], parallel: [1, 64] },
        { latency: LATENCIES[1]!, n: [100], parallel: [64] },
      ],
    },
    available: probeOperators,
    setup: ensureTables,
    sql: (strategy, n, parallel) => annotated(strategy, parallel, select(`bench_docs_${n}`)),
    calls: (_strategy, n) => n,
    extract: extractJson,
  };
}
