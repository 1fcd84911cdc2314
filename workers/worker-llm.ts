/**
 * One LLM client per worker thread and endpoint, reused by every chunk: its
 * undici pool keeps connections warm, and the process-wide gate is shared
 * through the buffer the executor passed in.
 */

import { createLlmClient, SharedGate } from '../src/llm/index.js';
import type { LlmClient } from '../src/llm/types.js';
import type { WorkerLlmConfig } from '../src/thread/chunk-protocol.js';

const clients = new Map<string, LlmClient>();

export function workerLlmClient(config: WorkerLlmConfig): LlmClient {
  const key = `${config.baseUrl}\u0000${config.defaultModel}`;
  let client = clients.get(key);
  if (!client) {
    client = createLlmClient({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      defaultModel: config.defaultModel,
      gate: config.gateBuffer ? SharedGate.fromBuffer(config.gateBuffer) : undefined,
      prices: config.prices,
      aliases: config.aliases,
      retries: config.retries,
      timeoutMs: config.timeoutMs,
      backoff: config.backoff,
    });
    clients.set(key, client);
  }
  return client;
}
