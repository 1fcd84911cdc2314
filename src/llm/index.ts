/** The LLM client: OpenAI-compatible chat over undici, with retries, a shared adaptive gate, usage and cost. */
export { createLlmClient } from './client.js';
export type { LlmCallRecord, LlmClientOptions } from './client-options.js';
export { CONFIG_FILE, type ResolvedLlmConfig, resolveLlmConfig } from './config.js';
export { LLM_ERROR, type LlmErrorCode, redact } from './errors.js';
export { type Gate, type GateOutcome, withGate } from './gate.js';
export { type HttpAttempt, type HttpReply, httpSend, type Send } from './http.js';
export { costFromTable, type PriceTable } from './pricing.js';
export { type BackoffOptions, backoffDelay, parseRetryAfter, type RetryEvent, withRetry } from './retry.js';
export { SharedGate, type SharedGateOptions } from './shared-gate.js';
export { parseJsonAnswer } from './structured.js';
export type * from './types.js';
