/**
 * Structured output: `response_format: json_schema` when the provider takes
 * it, else the schema in a system message. A model that rejected
 * response_format once is remembered and never sent it again.
 */
import type { ChatMessage, ResponseFormat } from './types.js';

const RF_JSON = new WeakMap<ResponseFormat, string>();
const SCHEMA_JSON = new WeakMap<ResponseFormat, string>();

/** `"response_format":{…}` as JSON text, built once per ResponseFormat object. */
export function responseFormatJson(rf: ResponseFormat): string {
  let s = RF_JSON.get(rf);
  if (s === undefined) {
    s = JSON.stringify({
      type: 'json_schema',
      json_schema: { name: safeName(rf.name), schema: rf.schema, strict: true },
    });
    RF_JSON.set(rf, s);
  }
  return s;
}

/** The fallback: the schema as a leading system message. */
export function schemaInstruction(rf: ResponseFormat): ChatMessage {
  let s = SCHEMA_JSON.get(rf);
  if (s === undefined) {
    s = JSON.stringify(rf.schema);
    SCHEMA_JSON.set(rf, s);
  }
  return {
    role: 'system',
    content: 'Answer with only a JSON value (no prose, no code fence) that satisfies this JSON Schema:\n' + s,
  };
}

/** True when a 400's text says the provider does not take response_format / json_schema. */
export function rejectsResponseFormat(status: number, text: string): boolean {
  return status === 400 && /response_format|json_schema|structured output/i.test(text);
}

/** OpenAI requires ^[a-zA-Z0-9_-]{1,64}$ for json_schema.name. */
function safeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return s.length > 0 ? s : 'answer';
}

/** The JSON inside an answer: the whole text, or a ```json fenced block. Undefined if neither parses. */
export function parseJsonAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const fenced = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text)?.[1];
    if (fenced === undefined) return undefined;
    try {
      return JSON.parse(fenced);
    } catch {
      return undefined;
    }
  }
}
