/**
 * Reading a model's answer: JSON as a whole or from a fenced ```json block,
 * and the value an answer stands for.
 */

const FENCED = /```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```/;

export type JsonAnswer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly why: string };

/** Parses the answer as JSON, else the first fenced code block as JSON. */
export function parseJsonAnswer(content: string): JsonAnswer {
  const text = content.trim();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const fenced = FENCED.exec(text);
    if (fenced) {
      try {
        return { ok: true, value: JSON.parse(fenced[1]!) };
      } catch (inner) {
        return { ok: false, why: `the fenced block is not JSON (${(inner as Error).message})` };
      }
    }
    return { ok: false, why: `the answer is not JSON (${(err as Error).message})` };
  }
}

/**
 * A cell without output_schema: a JSON object or list, bare or in a fenced
 * block (```json, or a bare ``` fence opening the answer), becomes data;
 * anything else, including bare numbers and strings, stays text.
 */
export function textOrJson(content: string): unknown {
  const text = content.trim();
  const looksJson =
    text.startsWith('{') || text.startsWith('[') || text.startsWith('```') || /```json/i.test(text);
  if (!looksJson) return content;
  const parsed = parseJsonAnswer(text);
  return parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? parsed.value : content;
}

/**
 * The value an answer stands for (dialect spec, MAP output): a JSON object
 * with exactly one key, `{"x": v}`, is `v`; anything else is itself. MAP's
 * clean value and a `sql_function`'s SQL value both read it.
 */
export function oneKeyValue(answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
  const keys = Object.keys(answer);
  return keys.length === 1 ? (answer as Record<string, unknown>)[keys[0]!] : answer;
}
