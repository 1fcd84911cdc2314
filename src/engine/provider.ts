/**
 * Which LLM endpoint the engine talks to. With no provider configured and no
 * API key in the environment, the engine starts the built-in simulator, so a
 * fresh machine runs everything; output always says which one answered.
 */
// Not the llm/ barrel: it loads the HTTP client (undici), which the main thread needs only for RUN.
import { checkedApiKey } from '../llm/api-key.js';
import type { BreakerOptions } from '../llm/breaker.js';
import { type ResolvedLlmConfig, resolveLlmConfig } from '../llm/config.js';
import type { PriceTable } from '../llm/pricing.js';
import { SharedGate } from '../llm/shared-gate.js';
import type { SimulatorOptions } from '../sim/options.js';
import type { RemoteSimulatorHandle } from '../sim/remote-handle.js';
import type { WorkerLlmConfig } from '../thread/chunk-protocol.js';

export type ProviderOption =
  | 'simulator'
  | { readonly simulator: SimulatorOptions }
  | {
      readonly baseUrl: string;
      readonly apiKey?: string;
      /** Azure OpenAI: the api-version; `baseUrl` is then the resource endpoint and models name deployments. */
      readonly azureApiVersion?: string;
      readonly model?: string;
      readonly prices?: PriceTable;
      /** Process-wide ceiling on LLM requests in flight (default 256). */
      readonly maxConcurrency?: number;
      /** Attempts per call; when set it caps outage failures too (default: they are waited out). */
      readonly retries?: number;
      /** Deadline of one HTTP attempt, ms (default 120000). */
      readonly timeoutMs?: number;
      /** How long a call keeps waiting out 429s and outages, ms (default 300000). */
      readonly deadlineMs?: number;
      /** Attempts started per second across the process (default: unlimited). */
      readonly requestsPerSecond?: number;
      readonly aliases?: Readonly<Record<string, string>>;
      /** The endpoint's circuit breaker (default: fail fast after 8 s of nothing but failures). */
      readonly breaker?: BreakerOptions;
      /** Backoff between attempts, ms (default base 250, max 20000). */
      readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
    };

export interface ResolvedProvider {
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly azureApiVersion?: string;
  readonly defaultModel: string;
  /** 'simulator' or the provider's host name (never a key). */
  readonly answeredBy: string;
  readonly gate: SharedGate;
  /** Dollars per 1M tokens by model, for estimates and when a provider reports no cost. */
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly deadlineMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** The built-in simulator this engine started (on its own thread), closed with the engine. */
  readonly simulator?: RemoteSimulatorHandle;
}

/** Concurrent requests to a provider configured by URL (flag, environment or file) unless `llm.limits.concurrency` says. */
export const CONFIGURED_PROVIDER_CONCURRENCY = 64;

/**
 * The provider option of a merged configuration (llm/config.ts
 * resolveLlmConfig): the CLI's `--provider-url` and the environment both
 * come through here, so the file's limits, aliases and prices always apply.
 * Undefined when the configuration names no endpoint (the simulator answers).
 */
export function providerOptionFromConfig(c: ResolvedLlmConfig): ProviderOption | undefined {
  if (c.baseUrl === undefined) return undefined;
  const o = {
    baseUrl: c.baseUrl,
    apiKey: c.apiKey,
    azureApiVersion: c.azureApiVersion,
    model: c.defaultModel ?? 'gpt-4o-mini',
    // The file's prices only: the simulator's would price a real provider's models wrongly.
    prices: c.prices ?? {},
    aliases: c.aliases,
    maxConcurrency: c.maxConcurrency ?? CONFIGURED_PROVIDER_CONCURRENCY,
    requestsPerSecond: c.requestsPerSecond,
    retries: c.retries,
    timeoutMs: c.timeoutMs,
    deadlineMs: c.deadlineMs,
    breaker: c.breaker,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ProviderOption;
}

/** What the pool's worker threads get of a provider: how to reach it, and the process gate's buffer. */
export function workerLlmConfigOf(provider: ResolvedProvider): WorkerLlmConfig {
  return {
    baseUrl: provider.baseUrl,
    apiKey: provider.apiKey,
    azureApiVersion: provider.azureApiVersion,
    defaultModel: provider.defaultModel,
    gateBuffer: provider.gate.buffer,
    prices: provider.prices,
    aliases: provider.aliases,
    retries: provider.retries,
    timeoutMs: provider.timeoutMs,
    deadlineMs: provider.deadlineMs,
    backoff: provider.backoff,
  };
}

const SIM_MODEL = 'sim-small';
/**
 * The simulator's declared prices (dollars per 1M tokens), so costs and budgets
 * work offline: OpenAI's published prices for gpt-4o-mini (sim-small) and
 * gpt-4o (sim-large), cached input at half the input price and the Batch API
 * at half price (batch_discount 0.5), as OpenAI bills those models.
 */
export const SIM_PRICES: PriceTable = {
  'sim-small': { in: 0.15, out: 0.6, cached_in: 0.075, batch_discount: 0.5 },
  'sim-large': { in: 2.5, out: 10, cached_in: 1.25, batch_discount: 0.5 },
};

export async function resolveProvider(
  option: ProviderOption | undefined,
  cwd: string,
): Promise<ResolvedProvider> {
  if (option === undefined) {
    const configured = providerOptionFromConfig(resolveLlmConfig(process.env, cwd));
    if (configured !== undefined) return resolveProvider(configured, cwd);
  }
  if (option !== undefined && option !== 'simulator' && 'baseUrl' in option) {
    return {
      baseUrl: option.baseUrl,
      apiKey:
        option.apiKey === undefined ? undefined : checkedApiKey(option.apiKey, 'options.provider.apiKey'),
      azureApiVersion: option.azureApiVersion,
      defaultModel: option.model ?? SIM_MODEL,
      answeredBy: hostOf(option.baseUrl),
      gate: new SharedGate({
        maxConcurrency: option.maxConcurrency ?? 256,
        ...(option.requestsPerSecond === undefined ? {} : { requestsPerSecond: option.requestsPerSecond }),
        ...(option.breaker === undefined ? {} : { breaker: option.breaker }),
      }),
      prices: option.prices ?? SIM_PRICES,
      aliases: option.aliases,
      retries: option.retries,
      timeoutMs: option.timeoutMs,
      deadlineMs: option.deadlineMs,
      backoff: option.backoff,
    };
  }
  const simOptions = typeof option === 'object' && 'simulator' in option ? option.simulator : {};
  const { startSimulatorThread } = await import('../sim/sim-thread.js');
  const simulator = await startSimulatorThread({ costPerMillion: SIM_PRICES[SIM_MODEL], ...simOptions });
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
