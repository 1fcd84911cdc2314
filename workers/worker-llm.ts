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
  // The engine's provider settings and image access, whole; the process gate from its buffer.
  const { gateBuffer, ...settings } = engineWorkerData().llm;
  client = createLlmClient({ ...settings, gate: gateBuffer ? SharedGate.fromBuffer(gateBuffer) : undefined });
  return client;
}
