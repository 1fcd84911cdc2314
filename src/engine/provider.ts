/**
 * Which LLM endpoint the engine talks to. With no provider configured and no
 * API key in the environment, the engine starts the built-in simulator (at
 * its first LLM statement: plain SQL never needs it), so a
 * fresh machine runs everything; output always says which one answered.
 */
// Not the llm/ barrel: it loads the HTTP client (undici), which the main thread needs only for RUN.
import { RvbbitError } from '../../base/errors.js';
import { checkedApiKey } from '../llm/api-key.js';
import type { BreakerOptions } from '../llm/breaker.js';
import type { ProviderSettings, ResolvedProvider } from '../llm/client-options.js';
import { type ResolvedLlmConfig, resolveLlmConfig } from '../llm/config.js';
import type { PriceTable } from '../llm/pricing.js';
import { SharedGate } from '../llm/shared-gate.js';
import { SIM_DEFAULTS, type SimulatorOptions } from '../sim/options.js';
import { SIM_DEFAULT_MODEL, SIM_PRICES } from '../sim/prices.js';
import type { WorkerLlmConfig } from '../thread/chunk-protocol.js';

export type ProviderOption =
  | 'simulator'
  | {
      readonly simulator: SimulatorOptions;
      /** The default model (else RVBBIT_MODEL, else the config file's llm.model, else sim-small): one the simulator serves. */
      readonly model?: string;
      /** Prices of other models it answers, over its own (SIM_PRICES): what it reports as usage.cost and EXPLAIN estimates. */
      readonly prices?: PriceTable;
      /** Context windows and output caps the client holds its models to (else the config file's llm.models). */
      readonly models?: ProviderSettings['models'];
    }
  | ConfiguredProvider;

/**
 * A provider reached by URL (Azure OpenAI's api-version included): its
 * settings as a client takes them (llm/client-options.ts ProviderSettings),
 * with `model` for the default model, and the process gate's limits.
 */
export type ConfiguredProvider = Omit<ProviderSettings, 'defaultModel'> & {
  readonly model?: string;
  /** Process-wide ceiling on LLM requests in flight (default 256). */
  readonly maxConcurrency?: number;
  /** Attempts started per second across the process (default: unlimited). */
  readonly requestsPerSecond?: number;
  /** The endpoint's circuit breaker (default: fail fast after 8 s of nothing but failures). */
  readonly breaker?: BreakerOptions;
  /** Pace calls by the provider's rate-limit headers (llm/gate-budget.ts; default true). */
  readonly paceByHeaders?: boolean;
};

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
  // Not the provider's: where the key came from, the config file's name, the client's own sockets.
  const { defaultModel, apiKeySource: _source, configFile: _file, connections: _sockets, ...settings } = c;
  const o = {
    ...settings,
    baseUrl: c.baseUrl,
    model: defaultModel ?? 'gpt-4o-mini',
    // The file's prices only: the simulator's would price a real provider's models wrongly.
    prices: c.prices ?? {},
    maxConcurrency: c.maxConcurrency ?? CONFIGURED_PROVIDER_CONCURRENCY,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ProviderOption;
}

/** What the pool's worker threads get of a provider: its settings, whole, and the process gate's buffer. */
export function workerLlmConfigOf(provider: DeferredProvider): WorkerLlmConfig {
  const {
    answeredBy: _answeredBy,
    gate,
    simulator: _simulator,
    startSimulator: _startSimulator,
    ...settings
  } = provider;
  return { ...settings, gateBuffer: gate.buffer };
}

/** The simulator's prices (sim/prices.ts): the one table its calls are priced from, here and in the answers it reports. */
export { SIM_PRICES } from '../sim/prices.js';

/**
 * A provider whose built-in simulator has not started yet: `baseUrl` is ''
 * until `startSimulator()` (once; later calls share the first) gives its URL.
 */
export interface DeferredProvider extends ResolvedProvider {
  readonly startSimulator?: () => Promise<string>;
}

/**
 * The provider, with the built-in simulator started now (a worker, a test),
 * or, with `simulatorStart: 'on-first-use'`, when `startSimulator()` is first
 * called: the engine does so before it plans its first LLM statement, so a
 * start that runs plain SQL pays for no simulator thread (~70 MB of RSS and
 * its tokenizer encodings, loaded on that thread).
 */
export async function resolveProvider(
  option: ProviderOption | undefined,
  cwd: string,
  simulatorStart: 'now' | 'on-first-use' = 'now',
): Promise<DeferredProvider> {
  if (option === undefined) {
    const configured = providerOptionFromConfig(resolveLlmConfig(process.env, cwd));
    if (configured !== undefined) return resolveProvider(configured, cwd, simulatorStart);
  }
  if (option !== undefined && option !== 'simulator' && 'baseUrl' in option) {
    // The gate's limits go to the process gate; the rest is every client's settings.
    const { model, maxConcurrency, requestsPerSecond, breaker, paceByHeaders, ...settings } = option;
    return {
      ...settings,
      apiKey:
        option.apiKey === undefined ? undefined : checkedApiKey(option.apiKey, 'options.provider.apiKey'),
      defaultModel: model ?? SIM_DEFAULT_MODEL,
      answeredBy: hostOf(option.baseUrl),
      gate: new SharedGate({
        maxConcurrency: maxConcurrency ?? 256,
        ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
        ...(breaker === undefined ? {} : { breaker }),
        ...(paceByHeaders === undefined ? {} : { paceByHeaders }),
      }),
      prices: option.prices ?? SIM_PRICES,
    };
  }
  const sim = typeof option === 'object' && 'simulator' in option ? option : undefined;
  const simOptions = sim?.simulator ?? {};
  const defaultModel = simulatorModel(sim?.model, simOptions.models ?? SIM_DEFAULTS.models, cwd);
  // One table: the simulator reports these prices as usage.cost and the engine estimates with them.
  const prices: PriceTable = { ...SIM_PRICES, ...sim?.prices };
  let started: Promise<{ readonly url: string; close(): Promise<void> }> | undefined;
  const startSimulator = async (): Promise<string> => {
    started ??= import('../sim/sim-thread.js')
      .then((m) => m.startSimulatorThread({ prices, ...simOptions }))
      .catch((err: unknown) => {
        started = undefined;
        throw err;
      });
    return (await started).url;
  };
  const simulator = {
    async close(): Promise<void> {
      const running = await started?.catch(() => undefined);
      await running?.close();
    },
  };
  const url = simulatorStart === 'now' ? await startSimulator() : '';
  const models = sim?.models ?? resolveLlmConfig(process.env, cwd).models;
  return {
    baseUrl: url,
    ...(simulatorStart === 'now' ? {} : { startSimulator }),
    defaultModel,
    ...(models ? { models } : {}),
    answeredBy: 'simulator',
    // The simulator sends OpenAI's rate-limit headers under `tpm` / `rpm`: paced as a provider is, unless the file says not.
    gate: new SharedGate({
      maxConcurrency: 1024,
      paceByHeaders: resolveLlmConfig(process.env, cwd).paceByHeaders !== false,
    }),
    prices,
    simulator,
  };
}

/**
 * The built-in simulator's default model, in the order every provider's is
 * chosen (llm/config.ts): the option (the CLI's --model), RVBBIT_MODEL, the
 * config file's llm.model, then sim-small. It must be one the simulator
 * serves: OpenAI answers a model it does not serve 404 `model_not_found`
 * ("The model `x` does not exist or you do not have access to it.", as its
 * API returns it in public reports, e.g. Aider-AI/aider#2030), so the
 * simulator refuses it too, before any statement runs, naming where it came
 * from. (Models a cascade or statement names are answered, as the default
 * profile answers any: its prices say whether they cost anything.)
 */
function simulatorModel(given: string | undefined, served: readonly string[], cwd: string): string {
  const config = resolveLlmConfig(process.env, cwd, given ? { model: given } : {});
  const model = config.defaultModel ?? SIM_DEFAULT_MODEL;
  if (served.includes(model)) return model;
  const from = given?.trim()
    ? 'the provider option (--model)'
    : process.env['RVBBIT_MODEL']?.trim()
      ? 'RVBBIT_MODEL'
      : `${config.configFile ?? 'the config file'}: llm.model`;
  throw new RvbbitError(
    'LLM_CONFIG',
    `the default model '${model}' (from ${from}) is not one the built-in simulator serves (${served.join(', ')}): as OpenAI answers a model it does not serve (404 model_not_found), the simulator refuses it. Choose one of those, or configure a provider (RVBBIT_BASE_URL, RVBBIT_API_KEY; docs/configuration.md)`,
    { model },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'provider';
  }
}
