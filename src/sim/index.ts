/** The LLM simulator: an OpenAI-compatible server for the quick start, tests and benchmarks. */
export type {
  LatencyDistribution,
  SimOutage,
  SimProfileName,
  SimQuirk,
  SimulatorOptions,
} from './options.js';
export { type SimulatorProcessHandle, startSimulatorProcess } from './process.js';
export { type SimulatorHandle, startSimulator } from './server.js';
export type { SeenRequest, SimulatorStats } from './stats.js';
