/**
 * Tool calls: whether the simulated model answers a request that carries
 * function `tools` with a call, which function it calls, and the call's
 * arguments. Deterministic (same request and seed → same call):
 *
 * - `tool_choice: 'none'` → a text answer.
 * - `'required'` → a call of the tool that fits the last user message best
 *   (its name mentioned, else most words shared with its description), else
 *   of the first tool; `{type: 'function', function: {name}}` → a call of that
 *   tool. Both always call, as OpenAI documents ("required" means the model
 *   must call one or more tools), even after a tool result.
 * - `'auto'` (the default when tools are given) → a call when no tool result
 *   has come since the last user message and that message names a tool (its
 *   name, or its name with `_`/`-` read as spaces) or shares a content word
 *   with a tool's description (words.ts stems, stop-words dropped); else a
 *   text answer. So a conversation that has a tool's result gets its text answer.
 * - A profile that does not read `tool_choice` (Ollama) treats every request as 'auto'.
 *
 * The arguments are JSON for the tool's `parameters` schema, made by the
 * same machinery as json_schema answers (schema-answer.ts) from the
 * conversation; a tool without parameters is called with `{}`.
 * One call per answer (no parallel calls); finish_reason `tool_calls`.
 */
import type { SimChatRequest, SimTool } from './chat-request.js';
import { readPrompt } from './prompt-context.js';
import { fnv1a, hashSeed, mulberry32 } from './rng.js';
import { valueForSchema } from './schema-answer.js';
import { contentStems } from './words.js';

export interface SimToolCall {
  readonly id: string;
  readonly name: string;
  /** JSON text, as the API sends it. */
  readonly arguments: string;
}

/** The call the simulated model makes, or undefined for a text answer. */
export function toolCallFor(
  req: SimChatRequest,
  seed: number,
  honoursChoice: boolean,
): SimToolCall | undefined {
  if (req.tools.length === 0) return undefined;
  const choice = honoursChoice ? req.toolChoice : 'auto';
  if (choice === 'none') return undefined;
  let tool: SimTool | undefined;
  if (typeof choice === 'object') tool = req.tools.find((t) => t.name === choice.name);
  else if (choice === 'required') tool = bestTool(req)?.tool ?? req.tools[0];
  else if (!hasToolResult(req)) {
    const best = bestTool(req);
    if (best && best.score > 0) tool = best.tool;
  }
  if (!tool) return undefined;
  const key = JSON.stringify([req.model, req.messages, tool.name, seed]);
  const rng = mulberry32(hashSeed(`tool\u0000${key}`));
  const schema = tool.parameters ?? { type: 'object', properties: {} };
  const args = valueForSchema(schema, readPrompt(req.messages), rng);
  return {
    id: `call_sim${fnv1a(key).toString(16).padStart(8, '0')}${fnv1a(`${key}\u0001`).toString(16).padStart(8, '0')}`,
    name: tool.name,
    arguments: JSON.stringify(args ?? {}),
  };
}

/** A tool message after the last user message: the model has its tool's result. */
function hasToolResult(req: SimChatRequest): boolean {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const role = req.messages[i]!.role;
    if (role === 'user') return false;
    if (role === 'tool' || role === 'function') return true;
  }
  return false;
}

function lastUser(req: SimChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    if (req.messages[i]!.role === 'user') return req.messages[i]!.content;
  }
  return '';
}

/** The tool that fits the last user message best: a mention of its name counts most, then shared description words. */
function bestTool(req: SimChatRequest): { tool: SimTool; score: number } | undefined {
  const text = lastUser(req).toLowerCase();
  const words = contentStems(text);
  let best: { tool: SimTool; score: number } | undefined;
  for (const tool of req.tools) {
    const name = tool.name.toLowerCase();
    const spaced = name.replace(/[_-]+/g, ' ');
    let score = text.includes(name) || (spaced !== name && text.includes(spaced)) ? 1000 : 0;
    for (const w of contentStems(tool.description)) if (words.has(w)) score++;
    if (!best || score > best.score) best = { tool, score };
  }
  return best;
}
