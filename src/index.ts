/**
 * rvbbit's public API: the engine, the simulator, cascades and errors.
 * The grammar has its own entry point, `rvbbit/grammar`.
 *
 * @example
 * const engine = await createEngine();            // in-memory DuckDB + the built-in simulator
 * const { rows } = await engine.query(`RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml'
 *   AS (brand VARCHAR, confidence DOUBLE) USING (SELECT product_name FROM products)`);
 * await engine.close();
 */

export type { QueryResult, ResultColumn } from './db/query-result.js';
export { createEngine, Engine, type EngineOptions } from './engine/engine.js';
export type { ProviderOption } from './engine/provider.js';
export type { QueryOptions, Session } from './engine/session.js';
export { RvbbitError } from './errors.js';
export type { Progress } from './exec/progress.js';
export { type ResolvedLlmConfig, resolveLlmConfig } from './llm/config.js';
export {
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  startSimulatorProcess,
} from './sim/index.js';
