/**
 * rvbbit's public API: the engine, the Postgres server, the simulator,
 * cascades run on their own (with the LLM client they call) and errors;
 * everything the README shows used from code (test/package/readme-snippets.test.ts
 * runs its snippets against the packed package).
 * The grammar has its own entry point, `rvbbit/grammar`.
 *
 * @example
 * const engine = await createEngine();            // in-memory DuckDB + the built-in simulator
 * const { rows } = await engine.query(`RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml'
 *   AS (brand VARCHAR, confidence DOUBLE) USING (SELECT product_name FROM products)`);
 * await engine.close();
 */

import type { ServerHandle } from './server/server.js';
import type { ServerOptions } from './server/server-options.js';

export { RvbbitError } from '../base/errors.js';
export type { Cascade } from './cascade/cascade-types.js';
export { loadCascade } from './cascade/load-cascade.js';
export { runCascade } from './cascade/run-cascade.js';
export type { RunContext, RunResult, RunUsage } from './cascade/run-types.js';
export type { QueryResult, ResultColumn } from './db/query-result.js';

export type { Progress } from './dispatch/progress.js';
export { createEngine, Engine, type EngineOptions } from './engine/engine.js';
export type { ProviderOption } from './engine/provider.js';
export type { NoticeSeverity, QueryOptions, Session } from './engine/session.js';
export {
  defaultCandidates,
  PAIR_SPLIT_OFF,
  type TuneOptions,
  type TuneResult,
  type TuneRow,
  tune,
} from './engine/tune.js';
export { createLlmClient, type LlmClientOptions } from './llm/client.js';
export { type ResolvedLlmConfig, resolveLlmConfig } from './llm/config.js';
export type { LlmClient } from './llm/types.js';
export type { ServerHandle } from './server/server.js';
export type { ServerLimits, ServerOptions } from './server/server-options.js';
export {
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  startSimulatorProcess,
} from './sim/index.js';

/**
 * Starts the Postgres server. Loaded on the first call, as `startSimulator`
 * is (sim/index.ts): an engine used from code never pays for the server's
 * modules.
 */
export async function startServer(options: ServerOptions): Promise<ServerHandle> {
  const server = await import('./server/server.js');
  return server.startServer(options);
}
