/**
 * Shared test plumbing: the real simulator with the real client, and a tiny
 * OpenAI-format server for answers a test must control exactly.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLlmClient } from '../../src/llm/client.js';
import type { LlmClient } from '../../src/llm/types.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';

export interface SimRig {
  readonly sim: SimulatorHandle;
  readonly llm: LlmClient;
  close(): Promise<void>;
}

/** The real simulator behind the real client (one attempt per call unless told). */
export async function startSimRig(options: SimulatorOptions = {}, retries = 1): Promise<SimRig> {
  const sim = await startSimulator(options);
  const llm = createLlmClient({ baseUrl: sim.url, retries, backoff: { baseMs: 1, maxMs: 5 } });
  return {
    sim,
    llm,
    close: async () => {
      await llm.close();
      await sim.close();
    },
  };
}

export interface ScriptedRequest {
  readonly model: string;
  readonly messages: { role: string; content: string }[];
  readonly response_format?: unknown;
}

/** Returns the content of the n-th answer (0-based) for a request. */
export type Script = (req: ScriptedRequest, n: number) => string;

export interface ScriptedRig {
  readonly llm: LlmClient;
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A loopback server speaking the OpenAI chat format, answering what `script` says. */
export async function startScripted(script: Script, maxResponseBytes?: number): Promise<ScriptedRig> {
  const requests: ScriptedRequest[] = [];
  const server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as ScriptedRequest;
    const n = requests.length;
    requests.push(parsed);
    const content = script(parsed, n);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        model: parsed.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const llm = createLlmClient({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    retries: 1,
    checkJson: false,
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
  });
  return {
    llm,
    requests,
    close: async () => {
      await llm.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The last user message of a request. */
export function lastUser(req: ScriptedRequest): string {
  return [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}
