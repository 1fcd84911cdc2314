/**
 * Reads `-- @ …` comment lines into Annotation nodes.
 * @see ./annotation-node.ts for what counts as a `key:`.
 */
import type { Annotation, AnnotationKey } from './annotation-node.js';
import { ANNOTATION_KEYS } from './annotation-node.js';
import { wordDistance } from './did-you-mean.js';
import { GrammarErrorCode } from './errors.js';
import { formatPairSplit } from './pair-split-spec.js';
import { formatProxy } from './proxy-spec.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex } from './span.js';
import { readAnnotationValue } from './statement-options.js';

const ANNOTATION = /^--[ \t]*@/;
const KEYED = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(?=\s|$)/;

/** True for a line comment that is an annotation. */
export const isAnnotation = (comment: string): boolean => ANNOTATION.test(comment);

/** Parses one annotation comment spanning `[start, end)` of the input. */
export function parseAnnotation(index: LineIndex, start: number, end: number): Annotation | SemanticError {
  const raw = index.text.slice(start, end);
  const at = raw.indexOf('@') + 1;
  const body = raw.slice(at);
  const lead = body.length - body.trimStart().length;
  const text = body.trim();
  const span = index.span(start, end);
  const keyed = KEYED.exec(text);
  // A key's value ends where a trailing SQL comment starts (`-- @ batch: 16   -- 16 per prompt`);
  // free text (a hint, `prompt:`) is taken whole, dashes and all.
  const bare = withoutTrailingComment(text).toLowerCase();
  if (!keyed) {
    if (bare === 'parallel') return { kind: 'Annotation', key: 'parallel', value: null, span };
    if ((ANNOTATION_KEYS as readonly string[]).includes(bare)) {
      return bad(`annotation '${bare}' needs a value: -- @ ${bare}: …`, start + at + lead);
    }
    return { kind: 'Annotation', key: 'hint', value: text, span };
  }
  const key = keyed[1]!.toLowerCase();
  const rest = text.slice(keyed[0].length);
  const value = (key === 'prompt' ? rest : withoutTrailingComment(rest)).trim();
  const valueAt =
    start +
    at +
    lead +
    keyed[0].length +
    (text.slice(keyed[0].length).length - text.slice(keyed[0].length).trimStart().length);
  if (!(ANNOTATION_KEYS as readonly string[]).includes(key)) {
    // `-- @ note: be strict` is free text; `-- @ paralel: 3` is a key misspelt.
    const meant = misspeltKey(key);
    if (meant === null) return { kind: 'Annotation', key: 'hint', value: text, span };
    return {
      code: GrammarErrorCode.UNKNOWN_ANNOTATION,
      message: `unknown annotation key '${keyed[1]}' — did you mean '${meant}'? (for a hint that starts with '${keyed[1]}:', write -- @ prompt: ${text})`,
      offset: start + at + lead,
    };
  }
  return typed(key as AnnotationKey, value, span, valueAt);
}

/** `text` up to a `--` that follows white space (a SQL comment after an annotation's value). */
const withoutTrailingComment = (text: string): string => text.replace(/[ \t]+--.*$/, '');

/**
 * The key `word` (lower-case) is a misspelling of, or null: a key at most
 * min(2, ⌊length/3⌋) edits away (insert, delete, substitute, swap two
 * neighbours: did-you-mean.ts's wordDistance, as every suggestion counts), or a key that starts with
 * `word` when `word` has 4 letters or more (`budget:` → budget_dollars). The
 * nearest wins; ties go to the key listed first.
 */
export function misspeltKey(word: string): AnnotationKey | null {
  let best: AnnotationKey | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const key of ANNOTATION_KEYS) {
    const d = key.startsWith(word) && word.length >= 4 ? 0 : wordDistance(word, key);
    if (d <= Math.min(2, Math.floor(key.length / 3)) && d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  return best;
}

/** The Annotation of `key: value`, its value checked by the option's rule (statement-options.ts). */
function typed(
  key: AnnotationKey,
  value: string,
  span: Annotation['span'],
  at: number,
): Annotation | SemanticError {
  if (key === 'prompt') {
    // larsql's `-- @ prompt: text` says explicitly what free text says: a hint.
    return value
      ? { kind: 'Annotation', key: 'hint', value, span }
      : bad('prompt needs the text to add to the prompts: -- @ prompt: …', at);
  }
  if (key === 'parallel' && value === '') return { kind: 'Annotation', key, value: null, span };
  const read = readAnnotationValue(key, value);
  if ('error' in read) return bad(read.error, at);
  return { kind: 'Annotation', key, value: read.value, span } as Annotation;
}

const bad = (message: string, offset: number): SemanticError => ({
  code: GrammarErrorCode.BAD_ANNOTATION_VALUE,
  message,
  offset,
});

/** Canonical text of an annotation (what `format()` writes). */
export function formatAnnotation(a: Annotation): string {
  if (a.key === 'hint') return readsAsHint(a.value) ? `-- @ ${a.value}` : `-- @ prompt: ${a.value}`;
  if (a.key === 'parallel' && a.value === null) return '-- @ parallel';
  if (a.key === 'timeout') return `-- @ timeout: ${a.value.text}`;
  if (a.key === 'proxy') return `-- @ proxy: ${formatProxy(a.value)}`;
  if (a.key === 'pair_split') return `-- @ pair_split: ${formatPairSplit(a.value)}`;
  return `-- @ ${a.key}: ${String(a.value)}`;
}

/** Whether `-- @ text` reads back as the hint `text`: not when it starts with a key's `key:` (or a misspelt one) or is a bare key (a trailing comment aside). */
function readsAsHint(text: string): boolean {
  const keyed = KEYED.exec(text);
  if (keyed) {
    const word = keyed[1]!.toLowerCase();
    return !(ANNOTATION_KEYS as readonly string[]).includes(word) && misspeltKey(word) === null;
  }
  return !(ANNOTATION_KEYS as readonly string[]).includes(withoutTrailingComment(text).toLowerCase());
}
