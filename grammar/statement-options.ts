/**
 * Every statement option, declared once: its key, where it is written
 * (`WITH ( key = literal )` of RVBBIT MAP/RUN, a `-- @ key: value`
 * annotation, or both), the check of its value in each place, which RVBBIT
 * statements take it, and what hover says of it. The grammar's validation
 * (build-clauses.ts for WITH, annotations.ts), the canonical order `format()`
 * writes, completion and the LSP's hover all read this table. A new option
 * is its entry here, its reader (src/statements/semantic/plan/semantic-options.ts
 * or src/plan/plan-limits.ts) and its line in docs/dialect.md.
 * @see ../docs/dialect.md §1 "WITH options", §2 "Annotations"
 */
import { type PairSplitSetting, pairSplitAnnotation } from './pair-split-spec.js';
import { type ProxySpec, proxyAnnotation } from './proxy-spec.js';
import type { Span } from './span.js';
import {
  type CacheSetting,
  DELIVERY_VALUES,
  type Duration,
  type LiteralValue,
  MAX_ANSWER_TOKENS,
  MAX_BATCH,
  MAX_PARALLEL,
  MAX_PREFILTER,
  MAX_RETRIES,
  MAX_SMALL_SIDE,
  ON_ERROR_VALUES,
  parseDuration,
  STRATEGIES,
  type Strategy,
} from './with-options.js';

/**
 * A value's check: the typed value, or what the option takes (the caller
 * says `key must be <want>, got <what was written>`), or a whole message.
 */
export type Checked<V> = { readonly value: V } | { readonly want: string } | { readonly message: string };

/** The RVBBIT statement kinds (EXPLAIN and CREATE TABLE … AS are the kind they hold). */
export type AnnotatedKind = 'map' | 'run';
/** true: the kind takes the annotation; text: why not, and what to write instead. */
export type Use = true | string;

interface WithForm<V> {
  /** The RVBBIT statements whose WITH clause takes the key. */
  readonly takenBy: 'map' | 'run' | 'both';
  readonly check: (v: LiteralValue) => Checked<V>;
}
interface AnnotationForm<V> {
  /** What each RVBBIT kind does with the annotation; semantic SQL takes every annotation. */
  readonly use: Readonly<Record<AnnotatedKind, Use>>;
  /** The text after `key:` (a trailing SQL comment removed, trimmed). */
  readonly read: (text: string) => Checked<V>;
}
interface OptionDecl {
  /** The value's type in short (hover). */
  readonly type: string;
  /** What it does, in short (hover; docs/dialect.md has the full text). */
  readonly doc: string;
  readonly with?: WithForm<unknown>;
  readonly annotation?: AnnotationForm<unknown>;
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** An annotation's number as written (`16`, `0.5`, `1e3`), or NaN. */
const numberOf = (text: string): number => (NUMBER_TEXT.test(text) ? Number(text) : Number.NaN);

/** A rule over numbers, read from a WITH literal or an annotation's text alike. */
function numeric<V extends number>(ok: (n: number) => boolean, want: string) {
  return {
    check: (v: LiteralValue): Checked<V> => (typeof v === 'number' && ok(v) ? { value: v as V } : { want }),
    read: (text: string): Checked<V> => {
      const n = numberOf(text);
      return ok(n) ? { value: n as V } : { want };
    },
  };
}
const intIn = (lo: number, hi: number, note = '') =>
  numeric((n) => Number.isInteger(n) && n >= lo && n <= hi, `an integer from ${lo} to ${hi}${note}`);

/** One of a few words: WITH takes a string literal, an annotation the word. */
function oneOf<const W extends string>(
  words: readonly W[],
  how: { readonly quoted: boolean; readonly anyCase: boolean },
) {
  const want = `one of ${words.map((w) => (how.quoted ? `'${w}'` : w)).join(', ')}`;
  const pick = (s: string): Checked<W> => {
    const w = how.anyCase ? s.toLowerCase() : s;
    return (words as readonly string[]).includes(w) ? { value: w as W } : { want };
  };
  return { check: (v: LiteralValue): Checked<W> => (typeof v === 'string' ? pick(v) : { want }), read: pick };
}

const boolWith = (v: LiteralValue): Checked<boolean> =>
  typeof v === 'boolean' ? { value: v } : { want: 'TRUE or FALSE' };
const boolText = (text: string): Checked<boolean> => {
  const t = text.toLowerCase();
  return t === 'true' || t === 'false' ? { value: t === 'true' } : { want: 'true or false' };
};
const nonEmpty = (v: LiteralValue): Checked<string> =>
  typeof v === 'string' && v.trim() !== '' ? { value: v } : { want: 'a non-empty string' };
const modelName = (text: string): Checked<string> =>
  text ? { value: text } : { message: 'needs a model name' };
const DURATION_WANT = "a duration such as '30s', '5m', '2h' or '1d'";
const durationOf = (v: LiteralValue): Checked<Duration> => {
  const d = typeof v === 'string' ? parseDuration(v) : null;
  return d ? { value: d } : { want: DURATION_WANT };
};

const NOT_SEMANTIC = 'an RVBBIT statement has no semantic operator';
/** An annotation only semantic operators read: refused before MAP and RUN, saying what it is for. */
const semanticOnly = (whatItIs: string, tail = ''): Readonly<Record<AnnotatedKind, Use>> => {
  const why = `${whatItIs}, and ${NOT_SEMANTIC}${tail}`;
  return { map: why, run: why };
};
const BOTH: Readonly<Record<AnnotatedKind, Use>> = { map: true, run: true };
const BUDGET_ON_RUN =
  'a budget stops runs not yet started, and RVBBIT RUN starts one; bound the run with -- @ timeout';

const retries = intIn(0, MAX_RETRIES);
const maxTokens = intIn(1, MAX_ANSWER_TOKENS);
const budgetDollars = numeric((n) => n > 0 && Number.isFinite(n), 'a number > 0');
const budgetTokens = numeric((n) => Number.isSafeInteger(n) && n > 0, 'an integer > 0');
const delivery = oneOf(DELIVERY_VALUES, { quoted: true, anyCase: true });

/**
 * The options, in the order `format()` writes WITH options (and completion
 * lists keys). The value types of the AST's WithOption and Annotation nodes
 * come from the checks here (annotation-node.ts, with-options.ts).
 */
export const STATEMENT_OPTIONS = {
  parallel: {
    type: `int (1..${MAX_PARALLEL}); bare: the engine default`,
    doc: 'calls (MAP: runs) in flight at most; `PARALLEL n` wins before a MAP.',
    annotation: {
      use: {
        map: true,
        run: 'RVBBIT RUN runs its cascade once, so there is nothing to run in parallel; for one run per row, write RVBBIT MAP PARALLEL n',
      },
      // `-- @ parallel` alone (no colon) is the engine default: annotations.ts reads it as null.
      read: intIn(1, MAX_PARALLEL).read as (text: string) => Checked<number | null>,
    },
  },
  as_table: {
    type: 'string',
    doc: 'MAP: write the full result to this table and return one metadata row instead. RUN: the name of the input table.',
    with: { takenBy: 'both', check: nonEmpty },
  },
  persist: {
    type: 'bool',
    doc: 'keep the input table after the session (default false: a TEMP table).',
    with: { takenBy: 'run', check: boolWith },
  },
  replace: {
    type: 'bool',
    doc: 'replace an existing as_table (default false: RUN_TABLE_EXISTS).',
    with: { takenBy: 'run', check: boolWith },
  },
  result_column: {
    type: 'string',
    doc: 'the result column name, same as `AS name`.',
    with: { takenBy: 'map', check: nonEmpty },
  },
  infer_schema: {
    type: 'bool',
    doc: "without AS: one typed column per property of the last cell's output_schema, as if written AS (…) (larsql's option).",
    with: { takenBy: 'map', check: boolWith },
  },
  dedupe_by: {
    type: 'string',
    doc: 'de-duplicate the input rows on this column.',
    with: { takenBy: 'map', check: nonEmpty },
  },
  limit: {
    type: 'int',
    doc: 'the auto-LIMIT added to the USING query; 0 = none.',
    with: { takenBy: 'both', check: numeric((n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0').check },
  },
  cache: {
    type: "bool or duration ('60s', '30m', '2h', '1d'); annotation: true or false",
    doc: 'use the result cache, with this time-to-live; false bypasses it.',
    with: {
      takenBy: 'both',
      check: (v: LiteralValue): Checked<CacheSetting> => {
        if (typeof v === 'boolean') return { value: { enabled: v, ttl: null } };
        const d = typeof v === 'string' ? parseDuration(v) : null;
        return d
          ? { value: { enabled: true, ttl: d } }
          : { want: "TRUE, FALSE or a duration such as '60s' or '1d'" };
      },
    },
    annotation: { use: BOTH, read: boolText },
  },
  model: {
    type: 'string',
    doc: 'the model of every operator (before a MAP or RUN: of every cell).',
    with: { takenBy: 'both', check: nonEmpty },
    annotation: { use: BOTH, read: modelName },
  },
  on_error: {
    type: "'null' | 'fail' | 'keep'",
    doc: "a failed row: NULL result / abort the statement / keep the error text (default 'keep'); an _error column is added when a row failed.",
    with: { takenBy: 'map', check: oneOf(ON_ERROR_VALUES, { quoted: true, anyCase: false }).check },
  },
  timeout: {
    type: 'duration',
    doc: 'deadline for one cascade (operator) run.',
    with: { takenBy: 'both', check: durationOf },
    annotation: { use: BOTH, read: durationOf },
  },
  budget_dollars: {
    type: 'number',
    doc: 'stop starting new runs once this much is spent; unstarted rows fail with BUDGET_EXCEEDED.',
    with: { takenBy: 'both', check: budgetDollars.check },
    annotation: { use: { map: true, run: BUDGET_ON_RUN }, read: budgetDollars.read },
  },
  budget_tokens: {
    type: 'int > 0',
    doc: 'the same, counted in tokens (in + out); works for models without a price.',
    with: { takenBy: 'both', check: budgetTokens.check },
    annotation: { use: { map: true, run: BUDGET_ON_RUN }, read: budgetTokens.read },
  },
  retries: {
    type: `int (0..${MAX_RETRIES})`,
    doc: 'attempts for a failed LLM call (default 3).',
    with: { takenBy: 'both', check: retries.check },
    annotation: { use: BOTH, read: retries.read },
  },
  max_tokens: {
    type: `int (1..${MAX_ANSWER_TOKENS})`,
    doc: "tokens each answer may have, sent as every call's max_tokens (lowered to the model's cap and what its window leaves); an answer cut there is tried once more at the model's cap, else the row's LLM_OUTPUT_TRUNCATED.",
    with: { takenBy: 'both', check: maxTokens.check },
    annotation: { use: BOTH, read: maxTokens.read },
  },
  delivery: {
    type: "'sync' | 'batch'",
    doc: "'batch': the calls go to the provider's Batch API (answers within 24 h, at the batch price; runs on the local pool, not the queue); 'sync' (default): one call each.",
    with: { takenBy: 'both', check: delivery.check },
    annotation: { use: BOTH, read: delivery.read },
  },
  threshold: {
    type: 'number (0..1)',
    doc: 'the cut-off of ABOUT and SIMILAR_TO used as a predicate.',
    annotation: {
      use: semanticOnly('it is the cut-off of ABOUT and SIMILAR_TO used as a predicate'),
      read: numeric((n) => n >= 0 && n <= 1, 'a number from 0 to 1').read,
    },
  },
  strategy: {
    type: STRATEGIES.join(' | '),
    doc: 'how semantic operators run inside DuckDB (default batch).',
    annotation: {
      use: semanticOnly(
        'it chooses how semantic operators run inside DuckDB',
        '; its cascade runs on the worker pool',
      ),
      read: oneOf<Strategy>(STRATEGIES, { quoted: false, anyCase: true }).read,
    },
  },
  prefilter: {
    type: `int (1..${MAX_PREFILTER})`,
    doc: "a pair predicate asks only about each left value's k nearest right values by embedding.",
    annotation: {
      use: semanticOnly('it prunes the pairs of a semantic pair predicate (a ~ b) by embedding'),
      read: intIn(1, MAX_PREFILTER, ' (right values kept per left value)').read,
    },
  },
  batch: {
    type: `int (1..${MAX_BATCH})`,
    doc: 'up to n distinct tuples of one operator packed into one prompt; unsaid, chosen for the model; 1: unpacked.',
    annotation: {
      use: {
        map: 'it packs semantic operator tuples into one prompt; to send n rows to one cascade run, write RVBBIT MAP BATCH n',
        run: 'it packs semantic operator tuples into one prompt; RVBBIT RUN already sends every row to its one run',
      },
      read: intIn(1, MAX_BATCH, ' (tuples per prompt)').read,
    },
  },
  proxy: {
    type: "'model [confidence t]', or 'model recall r precision p [delta d] [sample n]', or 'model accuracy a …'",
    doc: "a cheaper model answers first; its unsure answers (or those the targets' sample leaves uncertain) go to the statement's model.",
    annotation: {
      use: semanticOnly(
        'it asks a cheaper model first about semantic filters and scores',
        "; choose the cascade's model with -- @ model",
      ),
      read: (text: string): Checked<ProxySpec> => proxyAnnotation(text),
    },
  },
  embed_model: {
    type: 'string',
    doc: 'the embedding model of ~ prefilters, SIMILAR_TO and EMBED / VECTOR_SEARCH without a model.',
    annotation: {
      use: semanticOnly('it names the embedding model of ~ prefilters, SIMILAR_TO and EMBED'),
      read: modelName,
    },
  },
  small_side: {
    type: `int (0..${MAX_SMALL_SIDE}); 0: never`,
    doc: 'a pair predicate whose one side has at most n distinct values asks one call per value of the other side.',
    annotation: {
      use: semanticOnly(
        "it bounds the small side of a semantic pair predicate (LLM_FILTER('…', a, b), a ~ b)",
      ),
      read: intIn(
        0,
        MAX_SMALL_SIDE,
        " (the most distinct values of a pair predicate's side asked as one call's candidates; 0: never)",
      ).read,
    },
  },
  pair_split: {
    type: "off | on | 'recall r precision p [delta d]'",
    doc: 'a pair condition comparing one attribute of each side (opposite sentiments, same language) may run as per-row labels compared, once a sample of pairs shows it agrees with the pairwise answers (targets recall 0.9, precision 0.9, delta 0.05 by default). Unsaid, the split is taken only when priced under the best pair plan; on (or targets): taken wherever offered, whatever its price; off: never.',
    annotation: {
      use: semanticOnly(
        "it lets a semantic pair condition (LLM_FILTER('…', a, b)) run as per-row labels compared",
      ),
      read: (text: string): Checked<PairSplitSetting> => pairSplitAnnotation(text),
    },
  },
} as const satisfies Readonly<Record<string, OptionDecl>>;

type Options = typeof STATEMENT_OPTIONS;
export type OptionKey = keyof Options;
type ValueOf<F> = F extends { readonly check: (v: LiteralValue) => Checked<infer V> }
  ? V
  : F extends { readonly read: (t: string) => Checked<infer V> }
    ? V
    : never;

/** WITH keys, in the order `format()` writes them. */
export type WithKey = {
  [K in OptionKey]: Options[K] extends { readonly with: object } ? K : never;
}[OptionKey];
/** The typed value of each WITH key. */
export type WithOptionValues = { readonly [K in WithKey]: ValueOf<Options[K]['with']> };
/** `-- @ key:` keys that are options (a hint, `prompt:` and free text are annotations.ts's). */
export type OptionAnnotationKey = {
  [K in OptionKey]: Options[K] extends { readonly annotation: object } ? K : never;
}[OptionKey];
export type AnnotationValues = { readonly [K in OptionAnnotationKey]: ValueOf<Options[K]['annotation']> };

const KEYS = Object.keys(STATEMENT_OPTIONS) as OptionKey[];
const decl = (k: OptionKey): OptionDecl => STATEMENT_OPTIONS[k];

export const WITH_KEYS = KEYS.filter((k) => decl(k).with !== undefined) as readonly WithKey[];
/** Keys only MAP's WITH takes. */
export const MAP_ONLY_KEYS: ReadonlySet<WithKey> = new Set(
  WITH_KEYS.filter((k) => decl(k).with!.takenBy === 'map'),
);
/** Keys only RUN's WITH takes (its input table's lifetime). */
export const RUN_ONLY_KEYS: ReadonlySet<WithKey> = new Set(
  WITH_KEYS.filter((k) => decl(k).with!.takenBy === 'run'),
);
export const RUN_KEYS: readonly WithKey[] = WITH_KEYS.filter((k) => !MAP_ONLY_KEYS.has(k));
export const MAP_KEYS: readonly WithKey[] = WITH_KEYS.filter((k) => !RUN_ONLY_KEYS.has(k));
export const OPTION_ANNOTATION_KEYS = KEYS.filter(
  (k) => decl(k).annotation !== undefined,
) as readonly OptionAnnotationKey[];

const describe = (v: LiteralValue): string =>
  v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v).toUpperCase();

/** Checks a WITH value against its key: the typed value, or an error naming the key, what it takes and what was written. */
export function checkWithValue(key: WithKey, v: LiteralValue): { value: unknown } | { error: string } {
  return explained(key, decl(key).with!.check(v), describe(v));
}

/** Reads an annotation's value text: the typed value, or an error naming the key, what it takes and the text written. */
export function readAnnotationValue(
  key: OptionAnnotationKey,
  text: string,
): { value: unknown } | { error: string } {
  return explained(key, decl(key).annotation!.read(text), `'${text}'`);
}

function explained(
  key: string,
  c: Checked<unknown>,
  written: string,
): { value: unknown } | { error: string } {
  if ('value' in c) return c;
  if ('want' in c) return { error: `${key} must be ${c.want}, got ${written}` };
  return { error: c.message.startsWith('needs ') ? `${key} ${c.message}` : c.message };
}

/** What a kind does with an option's annotation (true: takes it; text: why not). */
export const annotationUse = (key: OptionAnnotationKey, kind: AnnotatedKind): Use =>
  decl(key).annotation!.use[kind];

/** Markdown for hover: a WITH key's or an annotation key's type, where it is taken and what it does. */
export function optionDoc(key: string, where: 'with' | 'annotation'): string | undefined {
  const k = key.toLowerCase();
  if (!Object.hasOwn(STATEMENT_OPTIONS, k)) return undefined;
  const d = decl(k as OptionKey);
  if (where === 'with') {
    if (!d.with) return undefined;
    const appliesTo = d.with.takenBy === 'map' ? 'MAP' : d.with.takenBy === 'run' ? 'RUN' : 'MAP, RUN';
    return `**WITH ${k}** — \`${d.type}\` (${appliesTo})\n\n${d.doc}`;
  }
  if (!d.annotation) return undefined;
  const kinds = (['map', 'run'] as const).filter((kind) => d.annotation!.use[kind] === true);
  const appliesTo = ['semantic SQL', ...kinds.map((kind) => `RVBBIT ${kind.toUpperCase()}`)].join(', ');
  return `**-- @ ${k}** — \`${d.type}\` (${appliesTo})\n\n${d.doc}`;
}

/** A WITH ( key = literal ) node: one option, its value typed by its key. */
export type WithOption = {
  readonly [K in WithKey]: {
    readonly kind: 'WithOption';
    readonly key: K;
    readonly value: WithOptionValues[K];
    readonly span: Span;
  };
}[WithKey];

/** The options of a WITH clause as one typed record (absent keys are missing). */
export function withValues(options: readonly WithOption[] | undefined): Partial<WithOptionValues> {
  const out: Record<string, unknown> = {};
  for (const o of options ?? []) out[o.key] = o.value;
  return out as Partial<WithOptionValues>;
}
