/**
 * Which template language a cascade file is written in. The rule, as
 * docs/cascades.md states it:
 * 1. a top-level `template_engine: liquid | jinja` decides;
 * 2. otherwise a file written for larsql is Jinja: one with larsql's
 *    top-level `internal` key or `sql_function.test_cases` (rvbbit's own
 *    format has neither);
 * 3. otherwise a file is Jinja when any of its templates uses, inside a
 *    `{{ }}` or `{% %}` block, something only Jinja2 has (JINJA_ONLY below);
 * 4. otherwise Liquid, rvbbit's own.
 * Rule 2 matters because the forms both share read differently: an empty
 * string is false to Jinja's `if` and true to Liquid's.
 */
import type { TemplateEngine } from './templates.js';

/** Jinja2-only constructs, each with what Liquid writes instead. */
const JINJA_ONLY: readonly RegExp[] = [
  /^\{%-?\s*(elif|set|macro|call|filter|endset)\b/, // Liquid: elsif, assign; no macros
  /^\{#/, // a Jinja comment; Liquid: {% comment %}
  /\|\s*\w+\s*\(/, // a filter with parenthesised arguments; Liquid: `| name: arg`
  /\|\s*(length|title|trim|count|list|int|float|string|items|selectattr|rejectattr|dictsort|wordcount|from_json|to_json|fingerprint)\b/, // filters Liquid lacks
  /\bloop\.(index0|index|revindex0?|first|last|length|cycle)\b/, // Liquid: forloop.*
  /\bis\s+(not\s+)?(defined|undefined|none|string|number|mapping|iterable|sequence|true|false)\b/, // tests
  /\.\w+\(/, // a method call such as .split(',') or .items()
  /\s~\s/, // string concatenation
  /^\{\{[^}]*\bif\b[^}]*\belse\b/, // an inline `a if b else c`
];

/** The engine of a cascade document: its `template_engine`, else detected from every string in its cells. */
export function templateEngineOf(raw: Readonly<Record<string, unknown>>, cells: unknown): TemplateEngine {
  const declared = raw['template_engine'];
  if (declared === 'jinja' || declared === 'liquid') return declared;
  const sqlFunction = raw['sql_function'] as Record<string, unknown> | undefined;
  if ('internal' in raw || (sqlFunction && 'test_cases' in sqlFunction)) return 'jinja';
  return detectTemplateEngine(stringsIn(cells));
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringsIn);
}

export function detectTemplateEngine(templates: readonly string[]): TemplateEngine {
  for (const text of templates) {
    for (const block of text.match(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#/g) ?? []) {
      if (JINJA_ONLY.some((pattern) => pattern.test(block))) return 'jinja';
    }
  }
  return 'liquid';
}
