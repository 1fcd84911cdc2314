/**
 * One LLM client per worker thread, made from the engine's configuration in
 * workerData and reused by every chunk: its undici pool keeps connections
 * warm, and the process-wide gate is shared through its buffer.
 */

import { type BatchDelivering, createLlmClient } from '../src/llm/client.js';
import { SharedGate } from '../src/llm/shared-gate.js';
import type { LlmClient } from '../src/llm/types.js';
import { engineWorkerData } from '../src/thread/worker-entry.js';

let client: (LlmClient & BatchDelivering) | undefined;

export function workerLlmClient(): LlmClient & BatchDelivering {
  if (client) return client;
  const config = engineWorkerData().llm;
  client = createLlmClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    azureApiVersion: config.azureApiVersion,
    defaultModel: config.defaultModel,
    gate: config.gateBuffer ? SharedGate.fromBuffer(config.gateBuffer) : undefined,
    prices: config.prices,
    aliases: config.aliases,
    retries: config.retries,
    timeoutMs: config.timeoutMs,
    deadlineMs: config.deadlineMs,
    backoff: config.backoff,
    images: config.images,
  });
  return client;
}
