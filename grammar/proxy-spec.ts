/**
 * A proxy model and its targets, from either form a user writes them in:
 * - the annotation `-- @ proxy: small-fast recall 0.9 precision 0.9 delta 0.05` (annotations.ts);
 * - the options of CREATE SEMANTIC FUNCTION, `WITH (proxy = 'small-fast', recall = 0.9,
 *   precision = 0.9, delta = 0.05)` (src/statements/semantic/functions/sql-function-definition.ts).
 * Both give their key/value pairs to proxySpecOf, the one place that says which keys a
 * proxy takes, what each accepts and what the defaults are, so both forms build the
 * same ProxySpec (and formatProxy writes the annotation text back).
 * @see ../docs/semantic-sql.md ("Proxy models with targets")
 */

/** The proxy name meaning the statement's embedding model (its similarity scores rows; targets only). */
export const EMBEDDING_PROXY = 'embedding';

/**
 * `-- @ proxy: small-fast confidence 0.8`, or with targets: `-- @ proxy: small-fast recall 0.9 precision 0.9 delta 0.05`
 * (a filter), `-- @ proxy: small-fast accuracy 0.9` (a classification); the same as a function's
 * `WITH (proxy = 'small-fast', recall = 0.9, …)` (proxy-spec.ts builds both).
 */
export interface ProxySpec {
  readonly model: string;
  /** Proxy answers at or above this confidence (0..1) are kept (without targets). */
  readonly confidence: number;
  /** Targets against the statement's model's answers, met with probability ≥ 1 − delta (SUPG, src/plan/supg.ts). */
  readonly targets?: ProxyTargets;
}

export interface ProxyTargets {
  readonly recall?: number;
  readonly precision?: number;
  /** A classification's target: share of answers the same as the statement model's, 0..1 (src/plan/accuracy-cascade.ts). */
  readonly accuracy?: number;
  /** Failure probability (default 0.05). */
  readonly delta: number;
  /** Draws of the first importance-sample round (default: 10% of the rows, 100..1,000). */
  readonly sample?: number;
}

/** The proxy's confidence when none is named (the threshold form). */
export const DEFAULT_PROXY_CONFIDENCE = 0.8;
/** The failure probability of proxy targets when none is named. */
export const DEFAULT_PROXY_DELTA = 0.05;
/** The most draws a proxy's sample may name. */
export const MAX_PROXY_SAMPLE = 100_000;

/** The keys a proxy takes besides its model, in canonical order. */
export const PROXY_KEYS = ['confidence', 'recall', 'precision', 'accuracy', 'delta', 'sample'] as const;
export type ProxyKey = (typeof PROXY_KEYS)[number];

/** What each key accepts, as an error says it. */
const WANT: Readonly<Record<ProxyKey, string>> = {
  confidence: 'a number from 0 to 1',
  recall: 'a number from 0 to 1',
  precision: 'a number from 0 to 1',
  accuracy: 'a number from 0 to 1',
  delta: 'a number over 0, at most 0.5',
  sample: `a whole number of draws from 1 to ${MAX_PROXY_SAMPLE}`,
};

function accepts(key: ProxyKey, n: number): boolean {
  if (!Number.isFinite(n)) return false;
  if (key === 'sample') return Number.isInteger(n) && n >= 1 && n <= MAX_PROXY_SAMPLE;
  if (key === 'delta') return n > 0 && n <= 0.5;
  return n >= 0 && n <= 1;
}

/** One key and its value as written; `at` is where the pair starts (errors point there). */
export interface ProxyPair {
  readonly key: string;
  /** A SQL literal (WITH: only a number is one), or the word as written (annotation: checked to be a number here). */
  readonly value: string | number | boolean | null;
  /** The value is a SQL literal: a string there is a string, never read as a number. */
  readonly literal?: boolean;
  readonly at: number;
}

/** Why a proxy's pairs are refused: `key` names the option (absent for the whole), `at` where it is. */
export interface ProxyError {
  readonly reason: 'unknown' | 'twice' | 'value' | 'none' | 'mixed' | 'embedding';
  readonly key?: string;
  readonly message: string;
  readonly at: number;
}

const show = (v: ProxyPair['value']): string =>
  v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v).toUpperCase();

/**
 * The ProxySpec of `model` with `pairs`: each key at most once; `confidence` alone (or
 * nothing) is the threshold form; `recall` and/or `precision` (a filter's targets) or
 * `accuracy` (a classification's target), with `delta` and `sample`, the targets form.
 */
export function proxySpecOf(model: string, pairs: readonly ProxyPair[], at: number): ProxySpec | ProxyError {
  const seen = new Map<ProxyKey, number>();
  for (const p of pairs) {
    const key = p.key.toLowerCase();
    if (!(PROXY_KEYS as readonly string[]).includes(key)) {
      return {
        reason: 'unknown',
        key: p.key,
        at: p.at,
        message: `unknown proxy option '${p.key}' (${PROXY_KEYS.join(', ')})`,
      };
    }
    const k = key as ProxyKey;
    if (seen.has(k))
      return { reason: 'twice', key: k, at: p.at, message: `proxy option '${k}' is given twice` };
    const n =
      typeof p.value === 'number'
        ? p.value
        : typeof p.value === 'string' && !p.literal && /^[0-9.eE+-]+$/.test(p.value)
          ? Number(p.value)
          : Number.NaN;
    if (!accepts(k, n)) {
      return { reason: 'value', key: k, at: p.at, message: `${k} must be ${WANT[k]}, got ${show(p.value)}` };
    }
    seen.set(k, n);
  }
  const recall = seen.get('recall');
  const precision = seen.get('precision');
  const accuracy = seen.get('accuracy');
  const targeted = recall !== undefined || precision !== undefined || accuracy !== undefined;
  // An embedding similarity is no confidence and no label: there is no threshold to keep answers
  // above, only a filter's targets to learn thresholds for.
  if (model.toLowerCase() === EMBEDDING_PROXY && (accuracy !== undefined || !targeted)) {
    return {
      reason: 'embedding',
      key: accuracy !== undefined ? 'accuracy' : 'proxy',
      at,
      message: `the embedding proxy needs targets: 'embedding recall r precision p [delta d] [sample n]', got '${[model, ...pairs.map((p) => `${p.key} ${p.value}`)].join(' ')}'`,
    };
  }
  if (!targeted) {
    const extra = (['delta', 'sample'] as const).find((k) => seen.has(k));
    if (extra) {
      return {
        reason: 'none',
        key: extra,
        at,
        message: `${extra} needs a target: recall, precision (a filter) or accuracy (a classification)`,
      };
    }
    return { model, confidence: seen.get('confidence') ?? DEFAULT_PROXY_CONFIDENCE };
  }
  if (seen.has('confidence')) {
    return {
      reason: 'mixed',
      key: 'confidence',
      at,
      message: 'a proxy takes a confidence threshold or targets, not both',
    };
  }
  if (accuracy !== undefined && (recall !== undefined || precision !== undefined)) {
    return {
      reason: 'mixed',
      key: 'accuracy',
      at,
      message:
        'accuracy is the target of a classification, recall and precision the targets of a filter: give one or the other',
    };
  }
  const sample = seen.get('sample');
  const targets: ProxyTargets = {
    ...(recall !== undefined ? { recall } : {}),
    ...(precision !== undefined ? { precision } : {}),
    ...(accuracy !== undefined ? { accuracy } : {}),
    delta: seen.get('delta') ?? DEFAULT_PROXY_DELTA,
    ...(sample !== undefined ? { sample } : {}),
  };
  return { model, confidence: DEFAULT_PROXY_CONFIDENCE, targets };
}

export const isProxyError = (x: ProxySpec | ProxyError): x is ProxyError => 'reason' in x;

/** `small-fast recall 0.9 precision 0.9 delta 0.05` (the canonical annotation text of a proxy). */
export function formatProxy(p: ProxySpec): string {
  if (!p.targets) return `${p.model} confidence ${p.confidence}`;
  const t = p.targets;
  return [
    p.model,
    ...(t.recall !== undefined ? [`recall ${t.recall}`] : []),
    ...(t.precision !== undefined ? [`precision ${t.precision}`] : []),
    ...(t.accuracy !== undefined ? [`accuracy ${t.accuracy}`] : []),
    `delta ${t.delta}`,
    ...(t.sample !== undefined ? [`sample ${t.sample}`] : []),
  ].join(' ');
}

/**
 * The annotation's text, `model [key value]…`, as pairs for proxySpecOf (`at` is the
 * offset of the text's start; a pair's is its key's). Null when the words do not pair up.
 */
export function proxyTextPairs(
  text: string,
  at: number,
): { readonly model: string; readonly pairs: ProxyPair[] } | null {
  const words = [...text.matchAll(/\S+/g)];
  const [model, ...rest] = words;
  if (!model || rest.length % 2 !== 0) return null;
  const pairs: ProxyPair[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    pairs.push({ key: rest[i]![0], value: rest[i + 1]![0], at: at + rest[i]!.index });
  }
  return { model: model[0], pairs };
}

/**
 * `-- @ proxy: …`'s text: `model [confidence t]`, or the targets form `model recall r
 * precision p [delta d] [sample n]` / `model accuracy a [delta d] [sample n]` (each key at
 * most once), checked by proxySpecOf as CREATE SEMANTIC FUNCTION's WITH (proxy = …) is.
 */
export function proxyAnnotation(text: string): { readonly value: ProxySpec } | { readonly message: string } {
  if (/\s(recall|precision|accuracy|delta|sample)\s/i.test(` ${text} `)) return proxyTargetsText(text);
  const m = /^(\S+)(?:\s+confidence\s+(\S+))?$/i.exec(text);
  const built = m
    ? proxySpecOf(m[1]!, m[2] === undefined ? [] : [{ key: 'confidence', value: m[2], at: 0 }], 0)
    : null;
  if (built && isProxyError(built) && built.reason === 'embedding') return { message: built.message };
  if (!built || isProxyError(built)) {
    return { message: `proxy must be 'model' or 'model confidence t' with t from 0 to 1, got '${text}'` };
  }
  return { value: built };
}

function proxyTargetsText(text: string): { readonly value: ProxySpec } | { readonly message: string } {
  const usage = `proxy targets are 'model recall r precision p [delta d] [sample n]' (r, p in 0..1, at least one of them; d in (0, 0.5]; n a whole number of draws), or 'model accuracy a [delta d] [sample n]' for a classification`;
  const words = proxyTextPairs(text, 0);
  if (!words || /^(recall|precision|accuracy|delta|sample)$/i.test(words.model)) {
    return { message: `${usage}, got '${text}'` };
  }
  const built = proxySpecOf(words.model, words.pairs, 0);
  if (!isProxyError(built)) return { value: built };
  const pair = words.pairs.find((p) => p.at === built.at);
  switch (built.reason) {
    case 'value':
      return { message: `${usage}, got ${built.key} '${String(pair?.value)}'` };
    case 'unknown':
    case 'twice':
      return { message: `${usage}, got '${pair?.key ?? built.key}' in '${text}'` };
    case 'none':
      return { message: `${usage}, got '${text}' (no recall, precision or accuracy)` };
    case 'mixed':
      return { message: `${usage}, got '${text}' (${built.message})` };
    case 'embedding':
      return { message: built.message };
  }
}
