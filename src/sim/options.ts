/** The simulator's knobs, checked once at the edge (startSimulator, setOptions, CLI). */
import { RvbbitError } from '../../base/errors.js';
import type { SimPrice } from './prices.js';
import type { ModelProfile } from './profile.js';

export type LatencyDistribution = {
  readonly dist: 'lognormal';
  readonly medianMs: number;
  readonly sigma: number;
};

/**
 * Per-model misbehaviour, for tests of the client's error paths:
 * - `reject-response-format`: 400 when the request carries response_format
 * - `empty`: the answer's content is ''
 * - `truncated-json`: the answer is JSON cut in half
 * - `huge`: the answer's content is `hugeBytes` long (default 10 MB)
 * - `no-choices`: `choices: []`
 * - `ignore-enum`: answers a response_format schema as if it had no `enum`
 *   (a label outside the list: tests of constrained output's retry and NULL)
 * - `ignore-enum-once`: the same, except on a retry after an invalid answer
 * - `short-batch`: an answer's list of more than 4 items loses its last item
 *   (a model that drops a row of a packed prompt: tests of the split in half)
 * - `verbose`: the answer's text grows to `verboseTokens` tokens (a JSON
 *   answer's first string value grows), so that a request's `max_tokens` or
 *   the model's output cap cuts it (finish_reason `length`, model-limits.ts)
 */
export type SimQuirk =
  | 'reject-response-format'
  | 'empty'
  | 'truncated-json'
  | 'huge'
  | 'no-choices'
  | 'ignore-enum'
  | 'ignore-enum-once'
  | 'short-batch'
  | 'verbose';

/**
 * A provider outage: `refuse` stops listening (connections refused, open
 * ones dropped), `error` answers every chat request 503 at once. It ends
 * after `forMs` (needed for `refuse`, whose /options endpoint is down too),
 * or when set to null.
 */
export type SimOutage = { readonly mode: 'refuse' | 'error'; readonly forMs?: number };

/**
 * Which provider the simulator behaves as (provider-profiles: each from that
 * provider's public documentation). `default` is the permissive simulator:
 * it takes any schema and any response_format.
 */
export const SIM_PROFILES = [
  'default',
  'openai',
  'azure-openai',
  'ollama',
  'vllm',
  'json-object-only',
] as const;
export type SimProfileName = (typeof SIM_PROFILES)[number];

export interface SimulatorOptions {
  /** The provider whose rules, paths and bodies the simulator follows (default `default`; provider-profiles.ts). */
  readonly profile?: SimProfileName;
  /**
   * The key the azure-openai profile requires (`api-key` header or Entra ID
   * bearer token); null (default): any non-empty key.
   */
  readonly azureApiKey?: string | null;
  /** How long a Batch API batch takes from creation to `completed`, ms (default 200). */
  readonly batchCompletionMs?: number;
  /** Fraction of Batch API lines answered 500 in the batch's error file (seeded by batch and custom_id; default 0). */
  readonly batchLineErrorRate?: number;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Fixed latency per answer (ms). Ignored when `latency` is set. */
  readonly latencyMs?: number;
  /** Latency drawn from a seeded distribution. */
  readonly latency?: LatencyDistribution | null;
  /** Seeds faults, latency and answers (default 1). */
  readonly seed?: number;
  /** Token bucket: above `rps` (burst `burst`, default max(1, rps)) answers 429 with Retry-After. */
  readonly rateLimit?: { readonly rps: number; readonly burst?: number } | null;
  /** Retry-After as delta-seconds (default) or an HTTP-date. */
  readonly retryAfterFormat?: 'seconds' | 'date';
  /** Fractions of requests answered 500, reset (socket destroyed), left hanging, or with a malformed body. */
  readonly errorRate?: number;
  readonly resetRate?: number;
  readonly hangRate?: number;
  readonly malformedRate?: number;
  /**
   * Request bodies above this get 413 (default 72 MiB: room for OpenAI's 50 MB
   * of images per request as base64, image-input.ts).
   */
  readonly maxBodyBytes?: number;
  readonly quirks?: Readonly<Record<string, SimQuirk>>;
  /** Accuracy/confidence profiles by model (profile.ts): a cheap proxy model's stand-in. */
  readonly profiles?: Readonly<Record<string, ModelProfile>>;
  /** Size of a `huge` answer (default 10 MB). */
  readonly hugeBytes?: number;
  /** Keep every request's model, messages and whether it had response_format, in stats().promptsSeen. */
  readonly record?: boolean;
  /**
   * Report `usage.cost` (dollars per 1M tokens in/out), as OpenRouter does. Default: no cost reported.
   * Batch API answers report half (the batch discount).
   */
  readonly costPerMillion?: { readonly in: number; readonly out: number } | null;
  /**
   * Report `usage.cost` by model at these prices (prices.ts; SIM_PRICES is
   * what the engine's simulator and `rvbbit sim` report), as OpenRouter
   * reports what it charged: cached input at `cached_in`, Batch API answers
   * with `batch_discount` off. A model not in the table gets no cost.
   * `costPerMillion`, when set, wins. Default: none.
   */
  readonly prices?: Readonly<Record<string, SimPrice>> | null;
  /** Model ids listed by GET /v1/models. */
  readonly models?: readonly string[];
  /** An outage starting now (see SimOutage); null ends it. */
  readonly outage?: SimOutage | null;
  /**
   * Every model's context window (prompt plus answer, tokens), winning over
   * the openai profiles' table (model-limits.ts); null (default): the table's,
   * none on the other profiles. Over it: OpenAI's 400 context_length_exceeded.
   */
  readonly contextWindow?: number | null;
  /**
   * Every model's output cap (tokens), winning over the table; null (default):
   * the table's. A larger `max_tokens` is OpenAI's 400; a longer answer is cut
   * (finish_reason `length`).
   */
  readonly maxOutputTokens?: number | null;
  /** Tokens per minute per model, OpenAI's way (openai-rate-limits.ts); null (default): no limit. */
  readonly tpm?: number | null;
  /** Requests per minute per model, OpenAI's way (openai-rate-limits.ts); null (default): no limit. */
  readonly rpm?: number | null;
  /** Tokens of a `verbose` answer (default 2,000). */
  readonly verboseTokens?: number;
  /**
   * Answer `logprobs: true` with the tokens' log probabilities (logprobs.ts; default true,
   * as OpenAI, Azure OpenAI, vLLM and Ollama's OpenAI endpoint do). false: the parameter
   * is ignored and `logprobs` is null, as a provider without them answers (Anthropic's
   * OpenAI SDK compatibility layer lists `logprobs` as ignored).
   */
  readonly logprobs?: boolean;
  /**
   * A hostile provider's headers: sent on every chat answer (a 429 too), over
   * the ones the simulator computes, e.g. `{'x-ratelimit-remaining-tokens':
   * '0', 'x-ratelimit-reset-tokens': '999999s'}` or `{'retry-after':
   * '999999'}`. Names in lower case; null (default): none. A test knob, not a
   * provider's rule.
   */
  readonly answerHeaders?: Readonly<Record<string, string>> | null;
  /**
   * A hostile provider's arithmetic: these fields replace the ones of every
   * answer's `usage` (e.g. `{prompt_tokens: -5}`, `{completion_tokens:
   * 'many'}`, `{prompt_tokens: 1e18}`); null (default): the true counts.
   */
  readonly usageOverride?: Readonly<Record<string, unknown>> | null;
  /**
   * A test's gate (null, the default: none): every chat answer is held until
   * `requests` requests are held at once, then all of them go on (each at its
   * due time) and later requests pass; after `timeoutMs` (default 30,000) the
   * held ones go on anyway and `stats().gateTimedOut` says so. "N calls in
   * flight" is then exact: the gate fills only if the engine sends N at once,
   * however long answers take. Setting the option again arms a new gate.
   */
  readonly gate?: SimGate | null;
}

/** See SimulatorOptions.gate. */
export type SimGate = { readonly requests: number; readonly timeoutMs?: number };

/** The options that are a positive integer or null (no limit). */
export const SIM_LIMIT_KEYS = ['contextWindow', 'maxOutputTokens', 'tpm', 'rpm'] as const;
export type SimLimitKey = (typeof SIM_LIMIT_KEYS)[number];

export type ResolvedSimOptions = Required<
  Omit<
    SimulatorOptions,
    | 'latency'
    | 'rateLimit'
    | 'costPerMillion'
    | 'prices'
    | 'outage'
    | 'azureApiKey'
    | 'answerHeaders'
    | 'usageOverride'
    | 'gate'
    | SimLimitKey
  >
> & { readonly [K in SimLimitKey]: number | null } & {
  readonly answerHeaders: Readonly<Record<string, string>> | null;
  readonly usageOverride: Readonly<Record<string, unknown>> | null;
  readonly gate: SimGate | null;
  readonly prices: Readonly<Record<string, SimPrice>> | null;
  readonly azureApiKey: string | null;
  readonly outage: SimOutage | null;
  readonly latency: LatencyDistribution | null;
  readonly rateLimit: { readonly rps: number; readonly burst?: number } | null;
  readonly costPerMillion: { readonly in: number; readonly out: number } | null;
};

export const SIM_DEFAULTS: ResolvedSimOptions = {
  profile: 'default',
  azureApiKey: null,
  batchCompletionMs: 200,
  batchLineErrorRate: 0,
  port: 0,
  host: '127.0.0.1',
  latencyMs: 0,
  latency: null,
  seed: 1,
  rateLimit: null,
  retryAfterFormat: 'seconds',
  errorRate: 0,
  resetRate: 0,
  hangRate: 0,
  malformedRate: 0,
  maxBodyBytes: 72 * 1024 * 1024,
  quirks: {},
  profiles: {},
  hugeBytes: 10 * 1024 * 1024,
  record: false,
  costPerMillion: null,
  prices: null,
  models: ['sim-small', 'sim-large'],
  outage: null,
  contextWindow: null,
  maxOutputTokens: null,
  tpm: null,
  rpm: null,
  verboseTokens: 2000,
  logprobs: true,
  answerHeaders: null,
  usageOverride: null,
  gate: null,
};

function bad(key: string, want: string): never {
  throw new RvbbitError('SIM_BAD_OPTION', `simulator option ${key} must be ${want}`, { key });
}

function nonNeg(key: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
    bad(key, 'a non-negative number');
}

function fraction(key: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
    bad(key, 'a fraction between 0 and 1');
}

/** Merges `patch` over `base` after checking it. */
export function mergeSimOptions(base: ResolvedSimOptions, patch: SimulatorOptions): ResolvedSimOptions {
  if (patch.port !== undefined && !(Number.isInteger(patch.port) && patch.port >= 0 && patch.port < 65536)) {
    bad('port', 'an integer from 0 to 65535');
  }
  nonNeg('latencyMs', patch.latencyMs);
  if (patch.latency) {
    if (patch.latency.dist !== 'lognormal') bad('latency.dist', "'lognormal'");
    nonNeg('latency.medianMs', patch.latency.medianMs);
    nonNeg('latency.sigma', patch.latency.sigma);
  }
  if (patch.seed !== undefined && !Number.isInteger(patch.seed)) bad('seed', 'an integer');
  if (patch.rateLimit) {
    if (!(typeof patch.rateLimit.rps === 'number' && patch.rateLimit.rps > 0))
      bad('rateLimit.rps', 'a positive number');
    if (patch.rateLimit.burst !== undefined && !(patch.rateLimit.burst >= 1))
      bad('rateLimit.burst', 'at least 1');
  }
  if (patch.retryAfterFormat !== undefined && !['seconds', 'date'].includes(patch.retryAfterFormat)) {
    bad('retryAfterFormat', "'seconds' or 'date'");
  }
  fraction('errorRate', patch.errorRate);
  fraction('resetRate', patch.resetRate);
  fraction('hangRate', patch.hangRate);
  fraction('malformedRate', patch.malformedRate);
  const total = (['errorRate', 'resetRate', 'hangRate', 'malformedRate'] as const).reduce(
    (sum, k) => sum + (patch[k] ?? base[k]),
    0,
  );
  if (total > 1) bad('errorRate + resetRate + hangRate + malformedRate', 'at most 1');
  if (patch.maxBodyBytes !== undefined && !(Number.isInteger(patch.maxBodyBytes) && patch.maxBodyBytes > 0)) {
    bad('maxBodyBytes', 'a positive integer');
  }
  nonNeg('hugeBytes', patch.hugeBytes);
  nonNeg('batchCompletionMs', patch.batchCompletionMs);
  fraction('batchLineErrorRate', patch.batchLineErrorRate);
  if (patch.profile !== undefined && !SIM_PROFILES.includes(patch.profile))
    bad('profile', `one of ${SIM_PROFILES.join(', ')}`);
  if (
    patch.azureApiKey !== undefined &&
    patch.azureApiKey !== null &&
    (typeof patch.azureApiKey !== 'string' || patch.azureApiKey.length === 0)
  ) {
    bad('azureApiKey', 'a non-empty string or null');
  }
  if (patch.prices) {
    for (const [model, p] of Object.entries(patch.prices)) {
      for (const k of ['in', 'out', 'cached_in'] as const) nonNeg(`prices.${model}.${k}`, p?.[k]);
      if (typeof p?.in !== 'number' || typeof p.out !== 'number') bad(`prices.${model}`, '{ in, out }');
      fraction(`prices.${model}.batch_discount`, p.batch_discount);
    }
  }
  if (patch.outage) {
    if (patch.outage.mode !== 'refuse' && patch.outage.mode !== 'error')
      bad('outage.mode', "'refuse' or 'error'");
    if (patch.outage.forMs !== undefined && !(Number.isInteger(patch.outage.forMs) && patch.outage.forMs > 0))
      bad('outage.forMs', 'a positive integer');
  }
  for (const key of SIM_LIMIT_KEYS) {
    const v = patch[key];
    if (v !== undefined && v !== null && !(Number.isSafeInteger(v) && v > 0))
      bad(key, 'a positive integer or null (no limit)');
  }
  if (
    patch.verboseTokens !== undefined &&
    !(Number.isSafeInteger(patch.verboseTokens) && patch.verboseTokens > 0)
  )
    bad('verboseTokens', 'a positive integer');
  if (patch.logprobs !== undefined && typeof patch.logprobs !== 'boolean') bad('logprobs', 'true or false');
  if (patch.answerHeaders) {
    for (const [name, value] of Object.entries(patch.answerHeaders))
      if (!/^[a-z0-9-]+$/.test(name) || typeof value !== 'string' || /[\r\n]/.test(value))
        bad(`answerHeaders.${name}`, 'a lower-case header name with a one-line string value');
  }
  if (
    patch.usageOverride !== undefined &&
    patch.usageOverride !== null &&
    (typeof patch.usageOverride !== 'object' || Array.isArray(patch.usageOverride))
  )
    bad('usageOverride', 'an object of usage fields or null');
  if (patch.gate) {
    if (!(Number.isSafeInteger(patch.gate.requests) && patch.gate.requests > 0))
      bad('gate.requests', 'a positive integer');
    if (
      patch.gate.timeoutMs !== undefined &&
      !(Number.isSafeInteger(patch.gate.timeoutMs) && patch.gate.timeoutMs > 0)
    )
      bad('gate.timeoutMs', 'a positive integer');
  }
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return { ...base, ...defined } as ResolvedSimOptions;
}
