/** The LLM simulator: an OpenAI-compatible server for the quick start, tests and benchmarks. */
import type { SimulatorOptions } from './options.js';
import type { SimulatorHandle } from './server.js';

export type {
  LatencyDistribution,
  SimOutage,
  SimProfileName,
  SimQuirk,
  SimulatorOptions,
} from './options.js';
export { type SimulatorProcessHandle, startSimulatorProcess } from './process.js';
export type { SimulatorHandle } from './server.js';
export type { SeenRequest, SimulatorStats } from './stats.js';

/**
 * Starts the simulator in this process. Its server is loaded on the first
 * call, not with the package: it may count tokens with both of OpenAI's
 * encodings (token-count.ts, which loads each on first use), whose sources and
 * rank tables are ~17 MB of heap (measured in a heap snapshot of
 * `createEngine()`'s main thread) that every process importing rvbbit held,
 * simulator or not.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const server = await import('./server.js');
  return server.startSimulator(options);
}
