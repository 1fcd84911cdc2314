/** Options of createLlmClient, checked once at the edge. */
import { RvbbitError } from '../../base/errors.js';
import type { BreakerOptions } from './breaker.js';
import type { Gate } from './gate.js';
import type { ImageFileAccess } from './image-files.js';
import type { ModelLimitsTable } from './model-limits.js';
import type { PriceTable } from './pricing.js';
import type { BackoffOptions, RetryEvent } from './retry.js';
import type { SharedGate } from './shared-gate.js';
import type { ChatUsage, StructuredMode } from './types.js';

/** A model moved down one structured-output mode (see structured.ts). */
export interface StructuredFallback {
  readonly model: string;
  readonly from: StructuredMode;
  readonly to: StructuredMode;
  readonly warning: string;
}

/** One finished call, for logs (rvbbit.unified_logs). */
export interface LlmCallRecord {
  readonly model: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly usage?: ChatUsage;
  readonly answeredBy: string;
}

/**
 * How a client reaches a provider and what it holds each call to: the one
 * type of these settings, read from the configuration (config.ts), resolved
 * by the engine (engine/provider.ts), handed to the worker threads
 * (thread/chunk-protocol.ts WorkerLlmConfig) and given whole to every client
 * they make. A new provider setting is a field here, where config.ts reads
 * it and where the client uses it.
 */
export interface ProviderSettings {
  /** e.g. https://openrouter.ai/api/v1 (POSTs go to {baseUrl}/chat/completions). */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /**
   * Azure OpenAI: its `api-version` (e.g. 2024-10-21). Then `baseUrl` is the
   * resource endpoint (https://NAME.openai.azure.com), a request's model names
   * the deployment (in the path), and the key goes in the `api-key` header.
   */
  readonly azureApiVersion?: string;
  /** Used when a request has no model. */
  readonly defaultModel?: string;
  /** Dollars per 1M tokens by model (cached input and batch discount included), for when a provider reports no cost. */
  readonly prices?: PriceTable;
  /** Model aliases: name used in cascades → provider's model id. */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Context windows and output caps by provider model id (`llm.models` in the
   * config), over what the provider states and the published table
   * (model-limits.ts).
   */
  readonly models?: ModelLimitsTable;
  /**
   * Attempts per call, 1 = no retry (default 3, for attempt deadlines and
   * malformed bodies). When set, it caps outage failures (no connection, 5xx)
   * too; unset, those are waited out like 429s, until `deadlineMs`.
   */
  readonly retries?: number;
  /** Deadline of one HTTP attempt, ms (default 120000). */
  readonly timeoutMs?: number;
  /** How long one call keeps waiting out 429s and outages, ms (default 300000). */
  readonly deadlineMs?: number;
  /** Backoff between attempts (default base 250 ms, max 20 s, Retry-After cap 60 s; tests shorten it). */
  readonly backoff?: Partial<BackoffOptions>;
  /**
   * Ask for answers as server-sent events (`stream: true`, with `stream_options:
   * {include_usage: true}` for the usage), read whole before use (stream-reply.ts);
   * logprobs come from each chunk. For gateways that answer only streamed calls.
   * Default false. Batch API lines never stream.
   */
  readonly stream?: boolean;
}

/**
 * The provider an engine talks to (engine/provider.ts resolves it): its
 * settings (every client's), who answers, the process-wide gate.
 */
export interface ResolvedProvider extends ProviderSettings {
  readonly defaultModel: string;
  /** 'simulator' or the provider's host name (never a key). */
  readonly answeredBy: string;
  readonly gate: SharedGate;
  /** The built-in simulator this engine started (on its own thread), closed with the engine. */
  readonly simulator?: { close(): Promise<void> };
}

export interface LlmClientOptions extends ProviderSettings {
  /** Ceiling of concurrent HTTP attempts (default 64); ignored when `gate` is given. */
  readonly maxConcurrency?: number;
  /** Attempts started per second (default: unlimited); ignored when `gate` is given. */
  readonly requestsPerSecond?: number;
  /** The endpoint's circuit breaker; ignored when `gate` is given (the gate carries it). */
  readonly breaker?: BreakerOptions;
  /**
   * Pace calls by the budget the provider announces in its rate-limit headers
   * (gate-budget.ts; default true); ignored when `gate` is given (the gate paces).
   */
  readonly paceByHeaders?: boolean;
  /**
   * Image files this client reads for IMAGE('path') markers (image-files.ts):
   * the engine's image folders and its bound on image bytes in flight.
   * Absent: a marker naming a file fails its call with IMAGE_NOT_FOUND.
   */
  readonly images?: ImageFileAccess;
  /** A process-wide gate (SharedGate.fromBuffer in workers). Default: a gate of this client's own. */
  readonly gate?: Gate;
  /** Sockets in the pool (default maxConcurrency, or the SharedGate's ceiling when a gate is given). */
  readonly connections?: number;
  /** Response bodies above this fail with LLM_RESPONSE_TOO_LARGE (default 8 MiB). */
  readonly maxResponseBytes?: number;
  /** Models known not to take response_format (their schema goes in the prompt). */
  readonly noResponseFormat?: readonly string[];
  /** Reject structured-output answers that are not JSON with LLM_BAD_JSON (default true). */
  readonly checkJson?: boolean;
  /** Called once per finished call (success or failure). */
  readonly onCall?: (record: LlmCallRecord) => void;
  /**
   * Called once per model and step when the provider refuses a structured
   * output mode and the client moves the model down one (json_schema →
   * json_object → prompt); `warning` carries the provider's message.
   */
  readonly onStructuredFallback?: (event: StructuredFallback) => void;
  /** Called before each retry wait. */
  readonly onRetry?: (event: RetryEvent & { readonly model: string }) => void;
}

function fail(key: string, want: string): never {
  throw new RvbbitError('LLM_CONFIG', `options.${key} must be ${want}`, { key });
}

function positiveInt(key: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1)) fail(key, 'a positive integer');
}

export function checkClientOptions(o: LlmClientOptions): void {
  let url: URL | undefined;
  try {
    url = new URL(o.baseUrl);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('baseUrl', 'an http(s) URL');
  positiveInt('maxConcurrency', o.maxConcurrency);
  positiveInt('retries', o.retries);
  positiveInt('timeoutMs', o.timeoutMs);
  positiveInt('deadlineMs', o.deadlineMs);
  positiveInt('connections', o.connections);
  positiveInt('maxResponseBytes', o.maxResponseBytes);
  if (
    o.requestsPerSecond !== undefined &&
    !(o.requestsPerSecond >= 0 && Number.isFinite(o.requestsPerSecond))
  ) {
    fail('requestsPerSecond', 'a non-negative number');
  }
  if (o.backoff?.baseMs !== undefined && !(o.backoff.baseMs >= 0))
    fail('backoff.baseMs', 'a non-negative number');
  if (o.backoff?.maxMs !== undefined && !(o.backoff.maxMs >= 0))
    fail('backoff.maxMs', 'a non-negative number');
  for (const [model, limits] of Object.entries(o.models ?? {})) {
    positiveInt(`models.${model}.contextWindow`, limits.contextWindow);
    positiveInt(`models.${model}.maxOutputTokens`, limits.maxOutputTokens);
  }
}
