/**
 * Which LLM endpoint the engine talks to. With no provider configured and no
 * API key in the environment, the engine starts the built-in simulator, so a
 * fresh machine runs everything; output always says which one answered.
 */
// Not the llm/ barrel: it loads the HTTP client (undici), which the main thread needs only for RUN.
import { resolveLlmConfig } from '../llm/config.js';
import type { PriceTable } from '../llm/pricing.js';
import { SharedGate } from '../llm/shared-gate.js';
import type { SimulatorHandle, SimulatorOptions } from '../sim/index.js';

export type ProviderOption =
  | 'simulator'
  | { readonly simulator: SimulatorOptions }
  | {
      readonly baseUrl: string;
      readonly apiKey?: string;
      readonly model?: string;
      readonly prices?: PriceTable;
      /** Process-wide ceiling on LLM requests in flight (default 256). */
      readonly maxConcurrency?: number;
      readonly retries?: number;
      readonly timeoutMs?: number;
      /** Backoff between attempts, ms (default base 250, max 20000). */
      readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
    };

export interface ResolvedProvider {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly defaultModel: string;
  /** 'simulator' or the provider's host name (never a key). */
  readonly answeredBy: string;
  readonly gate: SharedGate;
  /** Dollars per 1M tokens by model, for estimates and when a provider reports no cost. */
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly simulator?: SimulatorHandle;
}

const SIM_MODEL = 'sim-small';
/** The simulator's declared prices (dollars per 1M tokens), so costs and budgets work offline. */
const SIM_PRICES: PriceTable = { 'sim-small': { in: 0.15, out: 0.6 }, 'sim-large': { in: 2.5, out: 10 } };

export async function resolveProvider(
  option: ProviderOption | undefined,
  cwd: string,
): Promise<ResolvedProvider> {
  if (option !== undefined && option !== 'simulator' && 'baseUrl' in option) {
    return {
      baseUrl: option.baseUrl,
      apiKey: option.apiKey,
      defaultModel: option.model ?? SIM_MODEL,
      answeredBy: hostOf(option.baseUrl),
      gate: new SharedGate({ maxConcurrency: option.maxConcurrency ?? 256 }),
      prices: option.prices ?? SIM_PRICES,
      retries: option.retries,
      timeoutMs: option.timeoutMs,
      backoff: option.backoff,
    };
  }
  if (option === undefined) {
    const fromEnv = resolveLlmConfig(process.env, cwd);
    if (fromEnv.baseUrl !== undefined) {
      return {
        baseUrl: fromEnv.baseUrl,
        apiKey: fromEnv.apiKey,
        defaultModel: fromEnv.defaultModel ?? 'gpt-4o-mini',
        answeredBy: hostOf(fromEnv.baseUrl),
        prices: fromEnv.prices,
        aliases: fromEnv.aliases,
        retries: fromEnv.retries,
        timeoutMs: fromEnv.timeoutMs,
        gate: new SharedGate({
          maxConcurrency: fromEnv.maxConcurrency ?? 64,
          requestsPerSecond: fromEnv.requestsPerSecond,
        }),
      };
    }
  }
  const simOptions = typeof option === 'object' && 'simulator' in option ? option.simulator : {};
  const { startSimulator } = await import('../sim/server.js');
  const simulator = await startSimulator({ costPerMillion: SIM_PRICES[SIM_MODEL], ...simOptions });
  return {
    baseUrl: simulator.url,
    defaultModel: SIM_MODEL,
    answeredBy: 'simulator',
    gate: new SharedGate({ maxConcurrency: 1024 }),
    prices: SIM_PRICES,
    simulator,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'provider';
  }
}
