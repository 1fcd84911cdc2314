/**
 * Removes every span from an AST (for comparing ASTs of different texts,
 * e.g. `parse(format(ast))` against `ast`).
 */
const SPAN_KEYS = new Set(['span', 'sqlSpan', 'operatorSpan', 'semanticSpan']);

export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripSpans) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!SPAN_KEYS.has(k)) out[k] = stripSpans(v);
  return out as T;
}
