/**
 * `resolveLlmConfig()`: the one place LLM settings merge. Each setting comes
 * from the first of, highest first:
 *
 *   1. command-line flags (`--provider-url`, `--model`), passed as `flags`
 *   2. the environment:
 *        RVBBIT_BASE_URL   endpoint (default: OpenRouter's or OpenAI's when only their key is set)
 *        RVBBIT_API_KEY    else OPENAI_API_KEY, else OPENROUTER_API_KEY
 *        RVBBIT_MODEL      default model
 *        RVBBIT_AZURE_API_VERSION  Azure OpenAI: its api-version (base URL = the resource endpoint)
 *        RVBBIT_CONFIG     path of the config file (default ./rvbbit.config.yaml)
 *   3. the config file's `llm:` section (base_url, model, aliases, prices, limits,
 *      models: each model's context_window and max_output_tokens, pace_by_headers)
 *   4. built-in defaults (in the client and the engine)
 *
 * Aliases, prices and limits come only from the file, and apply whichever
 * source named the endpoint. API keys are trimmed; one with a control
 * character inside is an error naming the variable, never the key.
 * No base URL and no key → `baseUrl` is undefined: the engine uses the simulator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { RvbbitError } from '../../base/errors.js';
import { checkedApiKey } from './api-key.js';
import type { LlmClientOptions } from './client-options.js';
import { checkedModelLimits, type ModelLimits } from './model-limits-config.js';
import type { ModelPrice, PriceTable } from './pricing.js';

export const CONFIG_FILE = 'rvbbit.config.yaml';

export type ResolvedLlmConfig = Omit<LlmClientOptions, 'baseUrl'> & {
  /** Undefined when nothing points at a provider: use the simulator. */
  readonly baseUrl?: string;
  /** Which variable the key came from (the key itself is never shown). */
  readonly apiKeySource?: 'RVBBIT_API_KEY' | 'OPENAI_API_KEY' | 'OPENROUTER_API_KEY';
  /** The config file read, if any. */
  readonly configFile?: string;
};

/** The variables that point the engine at a provider. */
const PROVIDER_ENV = ['RVBBIT_BASE_URL', 'RVBBIT_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY'] as const;

/**
 * `env` with every provider variable emptied: the engine answers with its
 * simulator (tests, benches, demos), as its default model (RVBBIT_MODEL is
 * emptied too: a real provider's model is not one the simulator serves).
 */
export function simulatorEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    ...Object.fromEntries([...PROVIDER_ENV, 'RVBBIT_MODEL'].map((name) => [name, ''])),
  };
}

const LLM_KEYS = [
  'base_url',
  'model',
  'aliases',
  'prices',
  'limits',
  'models',
  'azure_api_version',
  'pace_by_headers',
  'stream',
] as const;
const PRICE_KEYS = ['in', 'out', 'cached_in', 'batch_discount'] as const;
const LIMIT_KEYS = [
  'concurrency',
  'rps',
  'retries',
  'timeout_ms',
  'connections',
  'deadline_ms',
  'down_after_ms',
] as const;

/** Settings given on the command line: they win over the environment and the file. */
export interface LlmFlags {
  readonly baseUrl?: string;
  readonly model?: string;
}

interface FileConfig {
  baseUrl?: string;
  azureApiVersion?: string;
  paceByHeaders?: boolean;
  /** `llm.stream`: ask for server-sent events (client-options.ts ProviderSettings.stream). */
  stream?: boolean;
  model?: string;
  aliases?: Record<string, string>;
  prices?: Record<string, ModelPrice>;
  models?: Record<string, ModelLimits>;
  limits: Partial<Record<(typeof LIMIT_KEYS)[number], number>>;
}

export function resolveLlmConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  flags: LlmFlags = {},
): ResolvedLlmConfig {
  const file = env['RVBBIT_CONFIG'] ? resolve(cwd, env['RVBBIT_CONFIG']) : resolve(cwd, CONFIG_FILE);
  if (env['RVBBIT_CONFIG'] && !existsSync(file)) {
    throw new RvbbitError('LLM_CONFIG', `${file}: config file not found (RVBBIT_CONFIG)`, { file });
  }
  const fromFile = existsSync(file) ? readConfigFile(file) : undefined;
  const pick = (name: 'RVBBIT_API_KEY' | 'OPENAI_API_KEY' | 'OPENROUTER_API_KEY') =>
    env[name] && env[name]!.trim() !== '' ? name : undefined;
  const apiKeySource = pick('RVBBIT_API_KEY') ?? pick('OPENAI_API_KEY') ?? pick('OPENROUTER_API_KEY');
  const apiKey = apiKeySource ? checkedApiKey(env[apiKeySource]!, apiKeySource) : undefined;
  const flagUrl = flags.baseUrl?.trim() || undefined;
  const envUrl = env['RVBBIT_BASE_URL']?.trim() || undefined;
  let baseUrl = flagUrl ?? envUrl ?? fromFile?.baseUrl;
  if (!baseUrl && apiKeySource === 'OPENROUTER_API_KEY') baseUrl = 'https://openrouter.ai/api/v1';
  if (!baseUrl && apiKeySource === 'OPENAI_API_KEY') baseUrl = 'https://api.openai.com/v1';
  if (baseUrl !== undefined)
    checkUrl(baseUrl, flagUrl ? '--provider-url' : envUrl ? 'RVBBIT_BASE_URL' : `${file}: llm.base_url`);
  const model = flags.model?.trim() || env['RVBBIT_MODEL']?.trim() || fromFile?.model;
  const azureApiVersion = env['RVBBIT_AZURE_API_VERSION']?.trim() || fromFile?.azureApiVersion;
  const l = fromFile?.limits ?? {};
  const out: Record<string, unknown> = {
    baseUrl,
    apiKey,
    apiKeySource,
    defaultModel: model,
    azureApiVersion,
    aliases: fromFile?.aliases,
    prices: fromFile?.prices as PriceTable | undefined,
    models: fromFile?.models,
    maxConcurrency: l.concurrency,
    requestsPerSecond: l.rps,
    retries: l.retries,
    timeoutMs: l.timeout_ms,
    connections: l.connections,
    deadlineMs: l.deadline_ms,
    breaker: l.down_after_ms === undefined ? undefined : { downAfterMs: l.down_after_ms },
    paceByHeaders: fromFile?.paceByHeaders,
    stream: fromFile?.stream,
    configFile: fromFile ? file : undefined,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as ResolvedLlmConfig;
}

function checkUrl(url: string, where: string): void {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok)
    throw new RvbbitError('LLM_CONFIG', `${where}: expected an http(s) URL, got ${JSON.stringify(url)}`);
}

/** Reads and checks the `llm:` section; errors name the file, the line and the key path. */
function readConfigFile(file: string): FileConfig {
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line;
    throw new RvbbitError(
      'LLM_CONFIG',
      `${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`,
      {
        file,
        line,
      },
    );
  }
  const fail = (path: (string | number)[], want: string): never => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
    const key = path.join('.');
    throw new RvbbitError('LLM_CONFIG', `${file}${line ? `:${line}` : ''}: ${key}: ${want}`, {
      file,
      key,
      line,
    });
  };
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { limits: {} };
  if (!isMap(root)) fail([], 'expected a mapping at the top level');
  const llm = (root as Record<string, unknown>)['llm'];
  if (llm === undefined || llm === null) return { limits: {} };
  if (!isMap(llm)) fail(['llm'], 'expected a mapping');
  const section = llm as Record<string, unknown>;
  for (const k of Object.keys(section)) {
    if (!(LLM_KEYS as readonly string[]).includes(k))
      fail(['llm', k], `unknown key (expected one of ${LLM_KEYS.join(', ')})`);
  }
  const out: FileConfig = { limits: {} };
  if (section['base_url'] !== undefined) {
    if (typeof section['base_url'] !== 'string') fail(['llm', 'base_url'], 'expected a URL string');
    out.baseUrl = section['base_url'] as string;
    checkUrl(out.baseUrl, `${file}: llm.base_url`);
  }
  if (section['azure_api_version'] !== undefined) {
    const v = section['azure_api_version'];
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(v))
      fail(['llm', 'azure_api_version'], "expected an Azure OpenAI api-version such as '2024-10-21'");
    out.azureApiVersion = v as string;
  }
  if (section['pace_by_headers'] !== undefined) {
    if (typeof section['pace_by_headers'] !== 'boolean')
      fail(['llm', 'pace_by_headers'], 'expected true or false');
    out.paceByHeaders = section['pace_by_headers'] as boolean;
  }
  if (section['stream'] !== undefined) {
    if (typeof section['stream'] !== 'boolean') fail(['llm', 'stream'], 'expected true or false');
    out.stream = section['stream'] as boolean;
  }
  if (section['model'] !== undefined) {
    if (typeof section['model'] !== 'string' || section['model'] === '')
      fail(['llm', 'model'], 'expected a model name');
    out.model = section['model'] as string;
  }
  if (section['aliases'] !== undefined) {
    if (!isMap(section['aliases'])) fail(['llm', 'aliases'], 'expected a mapping of alias: model id');
    out.aliases = {};
    for (const [k, v] of Object.entries(section['aliases'] as Record<string, unknown>)) {
      if (typeof v !== 'string' || v === '') fail(['llm', 'aliases', k], 'expected a model id string');
      out.aliases[k] = v as string;
    }
  }
  if (section['prices'] !== undefined) {
    if (!isMap(section['prices']))
      fail(['llm', 'prices'], 'expected a mapping of model: { in, out[, cached_in, batch_discount] }');
    out.prices = {};
    for (const [k, v] of Object.entries(section['prices'] as Record<string, unknown>)) {
      if (!isMap(v)) fail(['llm', 'prices', k], 'expected { in, out } in dollars per 1M tokens');
      const p = v as Record<string, unknown>;
      for (const key of Object.keys(p)) {
        if (!(PRICE_KEYS as readonly string[]).includes(key))
          fail(['llm', 'prices', k, key], `unknown key (expected ${PRICE_KEYS.join(', ')})`);
      }
      for (const key of ['in', 'out', 'cached_in'] as const) {
        if (key === 'cached_in' && p[key] === undefined) continue;
        if (typeof p[key] !== 'number' || !(p[key] >= 0)) {
          fail(['llm', 'prices', k, key], 'expected a non-negative number (dollars per 1M tokens)');
        }
      }
      const discount = p['batch_discount'];
      if (discount !== undefined && (typeof discount !== 'number' || !(discount >= 0 && discount <= 1))) {
        fail(
          ['llm', 'prices', k, 'batch_discount'],
          'expected a fraction from 0 to 1 (taken off the price of a Batch API call)',
        );
      }
      const price: { -readonly [K in keyof ModelPrice]: ModelPrice[K] } = {
        in: p['in'] as number,
        out: p['out'] as number,
      };
      if (p['cached_in'] !== undefined) price.cached_in = p['cached_in'] as number;
      if (discount !== undefined) price.batch_discount = discount as number;
      out.prices[k] = price;
    }
  }
  if (section['models'] !== undefined) out.models = checkedModelLimits(section['models'], fail);
  if (section['limits'] !== undefined) {
    if (!isMap(section['limits'])) fail(['llm', 'limits'], 'expected a mapping');
    for (const [k, v] of Object.entries(section['limits'] as Record<string, unknown>)) {
      if (!(LIMIT_KEYS as readonly string[]).includes(k)) {
        fail(['llm', 'limits', k], `unknown key (expected one of ${LIMIT_KEYS.join(', ')})`);
      }
      const isRps = k === 'rps';
      const ok =
        typeof v === 'number' && (isRps ? v > 0 && Number.isFinite(v) : Number.isInteger(v) && v >= 1);
      if (!ok)
        fail(['llm', 'limits', k], isRps ? 'expected a positive number' : 'expected a positive integer');
      out.limits[k as (typeof LIMIT_KEYS)[number]] = v as number;
    }
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
