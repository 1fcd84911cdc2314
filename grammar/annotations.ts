/**
 * Reads `-- @ …` comment lines into Annotation nodes.
 * @see ./annotation-node.ts for what counts as a `key:`.
 */
import type { Annotation, AnnotationKey, Strategy } from './annotation-node.js';
import { ANNOTATION_KEYS, STRATEGIES } from './annotation-node.js';
import { wordDistance } from './did-you-mean.js';
import { GrammarErrorCode } from './errors.js';
import { formatProxy, isProxyError, proxySpecOf, proxyTextPairs } from './proxy-spec.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex } from './span.js';
import type { Delivery, Duration } from './with-options.js';
import { checkOptionValue, MAX_BATCH, MAX_PARALLEL, MAX_SMALL_SIDE } from './with-options.js';

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

function typed(
  key: AnnotationKey,
  value: string,
  span: Annotation['span'],
  at: number,
): Annotation | SemanticError {
  const lower = value.toLowerCase();
  switch (key) {
    case 'parallel': {
      if (value === '') return { kind: 'Annotation', key, value: null, span };
      const n = Number(value);
      return /^\d+$/.test(value) && n >= 1 && n <= MAX_PARALLEL
        ? { kind: 'Annotation', key, value: n, span }
        : bad(`parallel must be an integer from 1 to ${MAX_PARALLEL}, got '${value}'`, at);
    }
    case 'model':
    case 'embed_model':
      return value ? { kind: 'Annotation', key, value, span } : bad(`${key} needs a model name`, at);
    case 'threshold': {
      const n = Number(value);
      return value !== '' && /^[0-9.eE+-]+$/.test(value) && n >= 0 && n <= 1
        ? { kind: 'Annotation', key, value: n, span }
        : bad(`threshold must be a number from 0 to 1, got '${value}'`, at);
    }
    case 'strategy':
      return (STRATEGIES as readonly string[]).includes(lower)
        ? { kind: 'Annotation', key, value: lower as Strategy, span }
        : bad(`strategy must be one of ${STRATEGIES.join(', ')}, got '${value}'`, at);
    case 'cache':
      return lower === 'true' || lower === 'false'
        ? { kind: 'Annotation', key, value: lower === 'true', span }
        : bad(`cache must be true or false, got '${value}'`, at);
    case 'budget_dollars':
    case 'budget_tokens':
    case 'retries':
    case 'max_tokens': {
      // Checked as the WITH option of the same name is, from the number written.
      const checked = checkOptionValue(key, /^[0-9.eE+-]+$/.test(value) ? Number(value) : value);
      if ('error' in checked) return bad(checked.error, at);
      return { kind: 'Annotation', key, value: checked.value as number, span };
    }
    case 'delivery': {
      // Checked as WITH (delivery = '…') is: the same values, any case.
      const checked = checkOptionValue(key, value);
      if ('error' in checked) return bad(checked.error, at);
      return { kind: 'Annotation', key, value: checked.value as Delivery, span };
    }
    case 'prefilter': {
      const n = Number(value);
      return /^\d+$/.test(value) && n >= 1 && n <= MAX_PREFILTER
        ? { kind: 'Annotation', key, value: n, span }
        : bad(
            `prefilter must be an integer from 1 to ${MAX_PREFILTER} (right values kept per left value), got '${value}'`,
            at,
          );
    }
    case 'batch': {
      const n = Number(value);
      return /^\d+$/.test(value) && n >= 1 && n <= MAX_BATCH
        ? { kind: 'Annotation', key, value: n, span }
        : bad(`batch must be an integer from 1 to ${MAX_BATCH} (tuples per prompt), got '${value}'`, at);
    }
    case 'small_side': {
      const n = Number(value);
      return /^\d+$/.test(value) && n <= MAX_SMALL_SIDE
        ? { kind: 'Annotation', key, value: n, span }
        : bad(
            `small_side must be an integer from 0 to ${MAX_SMALL_SIDE} (the most distinct values of a pair predicate's side asked as one call's candidates; 0: never), got '${value}'`,
            at,
          );
    }
    case 'proxy':
      return proxySpec(value, span, at);
    case 'prompt':
      // larsql's `-- @ prompt: text` says explicitly what free text says: a hint.
      return value
        ? { kind: 'Annotation', key: 'hint', value, span }
        : bad('prompt needs the text to add to the prompts: -- @ prompt: …', at);
    case 'timeout': {
      const checked = checkOptionValue(key, value);
      if ('error' in checked) return bad(checked.error, at);
      return { kind: 'Annotation', key, value: checked.value as Duration, span };
    }
  }
}

/** `model [confidence t]`: the model name is one word (no spaces), t in 0..1; or the targets form. */
function proxySpec(value: string, span: Annotation['span'], at: number): Annotation | SemanticError {
  if (/\s(recall|precision|accuracy|delta|sample)\s/i.test(` ${value} `))
    return proxyTargets(value, span, at);
  const m = /^(\S+)(?:\s+confidence\s+(\S+))?$/i.exec(value);
  const built = m
    ? proxySpecOf(m[1]!, m[2] === undefined ? [] : [{ key: 'confidence', value: m[2], at }], at)
    : null;
  if (built && isProxyError(built) && built.reason === 'embedding') return bad(built.message, at);
  if (!built || isProxyError(built)) {
    return bad(`proxy must be 'model' or 'model confidence t' with t from 0 to 1, got '${value}'`, at);
  }
  return { kind: 'Annotation', key: 'proxy', value: built, span };
}

/**
 * `model recall r precision p [delta d] [sample n]` or `model accuracy a [delta d] [sample n]`
 * (each at most once): checked by proxySpecOf, as CREATE SEMANTIC FUNCTION's WITH (proxy = …) is.
 */
function proxyTargets(value: string, span: Annotation['span'], at: number): Annotation | SemanticError {
  const usage = `proxy targets are 'model recall r precision p [delta d] [sample n]' (r, p in 0..1, at least one of them; d in (0, 0.5]; n a whole number of draws), or 'model accuracy a [delta d] [sample n]' for a classification`;
  const words = proxyTextPairs(value, at);
  if (!words || /^(recall|precision|accuracy|delta|sample)$/i.test(words.model)) {
    return bad(`${usage}, got '${value}'`, at);
  }
  const built = proxySpecOf(words.model, words.pairs, at);
  if (!isProxyError(built)) return { kind: 'Annotation', key: 'proxy', value: built, span };
  const pair = words.pairs.find((p) => p.at === built.at);
  switch (built.reason) {
    case 'value':
      return bad(`${usage}, got ${built.key} '${String(pair?.value)}'`, at);
    case 'unknown':
    case 'twice':
      return bad(`${usage}, got '${pair?.key ?? built.key}' in '${value}'`, at);
    case 'none':
      return bad(`${usage}, got '${value}' (no recall, precision or accuracy)`, at);
    case 'mixed':
      return bad(`${usage}, got '${value}' (${built.message})`, at);
    case 'embedding':
      return bad(built.message, at);
  }
}

/** A prefilter keeps this many candidates per left value at most (past it, pruning saves little). */
const MAX_PREFILTER = 1000;

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
