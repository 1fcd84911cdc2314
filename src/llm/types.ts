/**
 * The contract between the cascade runtime and the LLM client. The cascade
 * runtime depends only on these types, so any OpenAI-compatible client (or the
 * simulator behind one) can serve it.
 */

type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** A JSON Schema the answer must satisfy (OpenAI `response_format: json_schema`). */
export interface ResponseFormat {
  readonly name: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly responseFormat?: ResponseFormat;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /**
   * Ask for the answer's token log probabilities (`logprobs: true, top_logprobs: n`,
   * n alternatives per token, 0..20): a proxy's score (logprobs.ts). A provider that
   * does not give them answers without; the result then has no trueProbabilities.
   */
  readonly topLogprobs?: number;
}

export interface CallOptions {
  /** Aborts the request at once, and every retry after it. */
  readonly signal?: AbortSignal;
  /** Deadline for one HTTP attempt, in ms. */
  readonly timeoutMs?: number;
  /** Attempts for this call (1 = no retry); caps outage failures too. 429s are waited out regardless. */
  readonly retries?: number;
  /** How long the call keeps waiting out 429s and outages, ms (default: the client's). */
  readonly deadlineMs?: number;
}

export interface ChatUsage {
  /** Every input token, cached ones included (the provider's prompt_tokens). */
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Of tokensIn, those the provider served from its prompt cache (usage.prompt_tokens_details.cached_tokens). */
  readonly tokensCached?: number;
  /** Dollars; null when neither the provider nor the price table knows the price. */
  readonly cost: number | null;
  /**
   * Set when the provider's figures were not token counts (negative, not a
   * whole number, over MAX_REPORTED_TOKENS): which, and that tokensIn and
   * tokensOut were counted from the text instead (usage.ts).
   */
  readonly estimated?: string;
}

export interface ChatResult {
  readonly content: string;
  /** The model that answered (after alias resolution). */
  readonly model: string;
  readonly usage: ChatUsage;
  readonly durationMs: number;
  /** HTTP attempts made, including the successful one. */
  readonly attempts: number;
  /** Which endpoint answered: 'simulator' or the provider's host name (never a key). */
  readonly answeredBy: string;
  /** What the client did about its model's provider that the log should say (a header cut to the deadline: header-bounds.ts). */
  readonly providerWarning?: string;
  /**
   * How the request's output schema reached the model: `json_schema` (the
   * provider's structured output), `json_object` (JSON mode, the schema in a
   * system message) or `prompt` (the schema in a system message only).
   * Absent when the request had no schema.
   */
  readonly structured?: StructuredMode;
  /**
   * Set when the provider refused a stronger mode for this model: its
   * message, e.g. `json_schema refused by api.openai.com: Invalid schema…`.
   */
  readonly structuredWarning?: string;
  /** `batch` when the answer came through the provider's Batch API. */
  readonly delivery?: 'batch';
  /** With topLogprobs: P(true) of each boolean in the answer, in order, from the reply's logprobs (logprobs.ts). */
  readonly trueProbabilities?: readonly number[];
  /** With topLogprobs: the probability of each string value of the answer (a label), in order (logprobs.ts). */
  readonly labelProbabilities?: readonly number[];
}

export type StructuredMode = 'json_schema' | 'json_object' | 'prompt';

export interface LlmClient {
  /** One chat completion. Rejects with an RvbbitError whose `code` starts with `LLM_`. */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** Releases sockets. */
  close(): Promise<void>;
}

/** One `/embeddings` request: every input embedded by one model, in one HTTP call. */
export interface EmbedRequest {
  readonly model: string;
  readonly input: readonly string[];
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  readonly vectors: readonly Float32Array[];
  /** The model that answered (after alias resolution). */
  readonly model: string;
  /** tokensOut is 0: an embedding has no completion. */
  readonly usage: ChatUsage;
  readonly durationMs: number;
  readonly attempts: number;
  readonly answeredBy: string;
}

/** A client that also embeds (OpenAI-compatible `/embeddings`). */
export interface EmbeddingClient {
  /** Embeds `input` in one call. Rejects with an RvbbitError whose `code` starts with `LLM_`. */
  embed(request: EmbedRequest, options?: CallOptions): Promise<EmbedResult>;
}
