/**
 * Structured output, strongest first, per model:
 *
 *   1. `json_schema`: the provider's structured output, with the schema made
 *      strict-compatible (strict-schema.ts) and the answer turned back;
 *   2. `json_object`: JSON mode, the schema in a system message;
 *   3. `prompt`: the schema in a system message only.
 *
 * A model starts at 1. A 400 whose text names response_format moves it one
 * step down for the rest of the client's life; the provider's message is
 * kept and reported on every answer given that way (ChatResult
 * .structuredWarning, rvbbit.unified_logs.warning) and once through the
 * client's `onStructuredFallback`, so no model degrades silently.
 */
import { fromStrictAnswer, type StrictSchema, toStrictSchema, WRAP_KEY } from './strict-schema.js';
import type { ChatMessage, ResponseFormat, StructuredMode } from './types.js';

/** The modes in the order they are tried. */
/** Whether a call's warning is a provider's refusal of a structured-output mode (client.ts says it so). */
export function isStructuredRefusal(warning: string): boolean {
  return /^json_(schema|object) refused by /.test(warning);
}

export const STRUCTURED_MODES: readonly StructuredMode[] = ['json_schema', 'json_object', 'prompt'];

const STRICT = new WeakMap<ResponseFormat, StrictSchema>();
const RF_JSON = new WeakMap<ResponseFormat, string>();
const SCHEMA_JSON = new WeakMap<ResponseFormat, string>();

/** The strict-compatible form of a request's schema, made once per ResponseFormat object. */
export function strictFormOf(rf: ResponseFormat): StrictSchema {
  let s = STRICT.get(rf);
  if (s === undefined) {
    s = toStrictSchema(rf.schema);
    STRICT.set(rf, s);
  }
  return s;
}

/** `"response_format":{…}` of json_schema mode as JSON text, built once per ResponseFormat object. */
export function responseFormatJson(rf: ResponseFormat): string {
  let s = RF_JSON.get(rf);
  if (s === undefined) {
    const strict = strictFormOf(rf);
    s = JSON.stringify({
      type: 'json_schema',
      json_schema: { name: safeName(rf.name), schema: strict.schema, strict: strict.strict },
    });
    RF_JSON.set(rf, s);
  }
  return s;
}

/** JSON mode's response_format. */
export const JSON_OBJECT_FORMAT = '{"type":"json_object"}';

/**
 * The schema as a leading system message (json_object and prompt modes).
 * JSON mode answers an object only, so there a non-object root is asked for
 * wrapped as `{"value": …}`, as in json_schema mode.
 */
export function schemaInstruction(
  rf: ResponseFormat,
  mode: 'json_object' | 'prompt' = 'prompt',
): ChatMessage {
  const wrapped = mode === 'json_object' && strictFormOf(rf).wrapped;
  let s = wrapped ? undefined : SCHEMA_JSON.get(rf);
  if (s === undefined) {
    s = JSON.stringify(
      wrapped
        ? {
            type: 'object',
            properties: { [WRAP_KEY]: rf.schema },
            required: [WRAP_KEY],
            additionalProperties: false,
          }
        : rf.schema,
    );
    if (!wrapped) SCHEMA_JSON.set(rf, s);
  }
  return {
    role: 'system',
    content: `Answer with only a JSON ${wrapped || mode === 'json_object' ? 'object' : 'value'} (no prose, no code fence) that satisfies this JSON Schema:\n${s}`,
  };
}

/**
 * The answer's text in the request schema's own shape: unwrapped and its
 * strict-mode nulls dropped (json_schema mode), unwrapped (json_object mode
 * of a non-object root). Text that is not JSON is returned as it came, for
 * the caller's JSON check to report.
 */
export function answerInOriginalShape(content: string, rf: ResponseFormat, mode: StructuredMode): string {
  if (mode === 'prompt') return content;
  const strict = strictFormOf(rf);
  // JSON mode was asked for the original schema (wrapped when its root is not an object): no nulls to drop.
  const form = mode === 'json_schema' ? strict : { ...strict, nullable: false };
  if (!form.wrapped && !form.nullable) return content;
  const parsed = parseJsonAnswer(content);
  if (parsed === undefined) return content;
  const back = fromStrictAnswer(parsed, rf.schema, form);
  return back === parsed ? content : JSON.stringify(back);
}

/** True when a 400's text says the provider does not take this response_format (or its schema). */
export function rejectsResponseFormat(status: number, text: string): boolean {
  return (
    status === 400 && /response_format|json_schema|json_object|structured output|invalid schema/i.test(text)
  );
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
