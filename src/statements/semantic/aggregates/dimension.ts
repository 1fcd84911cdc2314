/**
 * Semantic GROUP BY: a dimension (`sql_function.shape: dimension`) labels
 * each distinct value, and DuckDB groups by the label. TOPICS(col, n) first
 * discovers n labels from a sample of the values (one call to the discovery
 * cascade, its answer a list of exactly n items), then assigns every distinct
 * value to one of them, packed DIMENSION_BATCH values per prompt. SENTIMENT
 * has fixed labels and no discovery. Labels are found once per statement per
 * (function, n, sample) and reported in its strategy; an answer that is not
 * one of the labels (compared case-insensitively) is NULL. A mapping
 * dimension (larsql's `mode: mapping`) instead makes one call per set of its
 * other args, with every distinct value in `texts` (sorted, so the call and its
 * cache key do not depend on row order; also under the source arg's name) and
 * `use_indices: true`; its answer
 * `{mapping: {"0": label, …}}` labels values by index (a key that is no index
 * is taken as the value itself, as larsql does); a value it leaves out is NULL.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { RvbbitError } from '../../../../base/errors.js';
import { rowCacheKey } from '../../../cache/cache-key.js';
import type { ResultCache } from '../../../cache/result-cache.js';
import { batchItems } from '../../../cascade/batch-schema.js';
import { LazyCascade, type SemanticFunction } from '../../../plan/operator-catalog.js';
import type { CallRunner, CallTarget } from '../calls/call-runner.js';
import type { Tuple } from '../state/statement-calls.js';

/** Values per assign prompt, whatever the statement's `batch` says: assigning is what packing is for. */
export const DIMENSION_BATCH = 16;
/** Topics when a dimension's call gives no n. */
const DEFAULT_TOPICS = 5;

/** Labels found so far in this statement, by function, n and sample. */
export type DimensionLabels = Map<string, readonly string[]>;

const discoverers = new Map<string, LazyCascade>();

/** Labels for every tuple, in order (null where the answer was not a label). */
export async function assignLabels(
  fn: SemanticFunction,
  target: CallTarget,
  tuples: readonly Tuple[],
  runner: CallRunner,
  found: DimensionLabels,
): Promise<(string | null)[]> {
  if (fn.sql.dimension!.mode === 'mapping') return mapLabels(fn, target, tuples, runner, found);
  const out = new Array<string | null>(tuples.length).fill(null);
  for (const [key, at] of groupsOf(fn, tuples)) {
    const first = tuples[at[0]!]!.inputs;
    let labels = found.get(key);
    if (!labels) {
      labels = await labelsFor(
        fn,
        target,
        at.map((i) => tuples[i]!),
        runner,
        first,
      );
      found.set(key, labels);
    }
    const inputs = at.map((i) => ({ ...tuples[i]!.inputs, labels }));
    const answers = await runner.run({ ...target, batch: DIMENSION_BATCH }, inputs);
    const byLower = new Map(labels.map((l) => [l.toLowerCase(), l]));
    at.forEach((i, j) => {
      out[i] = byLower.get(String(labelOf(answers[j])).trim().toLowerCase()) ?? null;
    });
  }
  return out;
}

async function mapLabels(
  fn: SemanticFunction,
  target: CallTarget,
  tuples: readonly Tuple[],
  runner: CallRunner,
  found: DimensionLabels,
): Promise<(string | null)[]> {
  const source = fn.sql.dimension!.source;
  const out = new Array<string | null>(tuples.length).fill(null);
  const groups = new Map<string, number[]>();
  tuples.forEach((t, i) => {
    const { [source]: _value, ...rest } = t.inputs;
    const key = JSON.stringify(rest);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  for (const [key, at] of groups) {
    const texts = [...new Set(at.map((i) => String(tuples[i]!.inputs[source])))].sort();
    const rest = JSON.parse(key) as Record<string, unknown>;
    // `texts` is larsql's name for the values; they are also under the source arg's own name,
    // which larsql files list in inputs_schema (a required input here).
    const inputs = { ...rest, [source]: texts, texts, use_indices: true };
    const [answer] = await runner.run({ ...target, noPack: true }, [inputs]);
    const mapping = mappingIn(answer, texts);
    at.forEach((i) => {
      out[i] = mapping.get(String(tuples[i]!.inputs[source])) ?? null;
    });
    const args = Object.entries(rest)
      .filter(([k]) => k !== 'hint')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    found.set(`${fn.name}(mapping${args.length ? `, ${args.join(', ')}` : ''})`, [
      ...new Set(mapping.values()),
    ]);
  }
  return out;
}

/** Value → label from a mapping answer: `{mapping: {...}}` (or the object itself, or its JSON text). */
function mappingIn(answer: unknown, texts: readonly string[]): Map<string, string> {
  let value = answer;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  const record = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const whole = record(value);
  const entries = record(whole?.['mapping']) ?? whole ?? {};
  const out = new Map<string, string>();
  for (const [k, label] of Object.entries(entries)) {
    if (label === null || typeof label === 'object') continue;
    const index = /^\d+$/.test(k) ? Number(k) : undefined;
    const text = index !== undefined ? texts[index] : k;
    if (text !== undefined) out.set(text, String(label).trim());
  }
  return out;
}

/** `topics(n=5, sample=40): [a, b, c]` for the statement's strategy. */
export function describeLabels(found: DimensionLabels): string[] {
  return [...found].map(([key, labels]) => `${key}: ${labels.join(' | ')}`);
}

/** Tuple positions by (function, n, sample): each group shares one set of labels. */
function groupsOf(fn: SemanticFunction, tuples: readonly Tuple[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  tuples.forEach((t, i) => {
    const key = `${fn.name}(n=${countOf(t.inputs['n'])}, sample=${sampleOf(fn, t.inputs['sample'])})`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

/**
 * The labels a run would use, without calling: fixed ones, or a discovery
 * answer already in the cache (EXPLAIN). Undefined when a call is needed or
 * the tuples need more than one set.
 */
export async function knownLabels(
  fn: SemanticFunction,
  tuples: readonly Tuple[],
  cache: ResultCache,
  model: string | undefined,
): Promise<readonly string[] | undefined> {
  const dim = fn.sql.dimension!;
  if (dim.labels) return dim.labels;
  if (dim.mode === 'mapping') return undefined;
  const groups = groupsOf(fn, tuples);
  if (groups.size !== 1 || tuples.length === 0) return undefined;
  const first = tuples[0]!.inputs;
  const cascade = discoverer(fn);
  await cascade.load();
  const inputs = discoveryInputs(tuples, fn, first);
  const key = rowCacheKey(cascade.cascade.contentHash, model, inputs);
  const hit = (await cache.lookup([key], false)).get(key);
  return hit === undefined ? undefined : labelsIn(JSON.parse(hit));
}

function discoveryInputs(
  tuples: readonly Tuple[],
  fn: SemanticFunction,
  first: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    texts: sampleTexts(tuples, sampleOf(fn, first['sample'])),
    n: countOf(first['n']),
    hint: first['hint'] ?? '',
  };
}

/** Distinct non-empty labels of a discovery answer. */
function labelsIn(answer: unknown): string[] {
  return [...new Set((batchItems(answer) ?? []).map((l) => String(l).trim()).filter((l) => l))];
}

async function labelsFor(
  fn: SemanticFunction,
  target: CallTarget,
  tuples: readonly Tuple[],
  runner: CallRunner,
  first: Readonly<Record<string, unknown>>,
): Promise<readonly string[]> {
  const dim = fn.sql.dimension!;
  if (dim.labels) return dim.labels;
  const cascade = discoverer(fn);
  await cascade.load();
  const inputs = discoveryInputs(tuples, fn, first);
  const [answer] = await runner.run(
    {
      path: cascade.path,
      cascade: cascade.cascade,
      name: `${fn.name}_discover`,
      cacheable: target.cacheable,
      nullOnInvalid: false,
      noPack: true,
      call: { outputItems: inputs['n'] as number },
    },
    [inputs],
  );
  const labels = labelsIn(answer);
  if (labels.length === 0) {
    throw new RvbbitError('SEMANTIC_CALL_FAILED', `${fn.name}: the discovery found no labels`, {
      function: fn.name,
    });
  }
  return labels;
}

/** The discovery cascade, resolved next to the dimension's own file. */
function discoverer(fn: SemanticFunction): LazyCascade {
  const path = resolve(dirname(fn.cascadePath), fn.sql.dimension!.discover!);
  let lazy = discoverers.get(path);
  if (!lazy) {
    lazy = new LazyCascade(path);
    discoverers.set(path, lazy);
  }
  return lazy;
}

/** Up to `size` distinct values, picked by hash: the same sample whatever order DuckDB's threads saw them in. */
function sampleTexts(tuples: readonly Tuple[], size: number): string[] {
  const distinct = [...new Set(tuples.map((t) => String(t.inputs[t.fn.sql.dimension!.source])))];
  const rank = (s: string) => createHash('sha1').update(s).digest('hex');
  return distinct
    .map((text) => ({ text, rank: rank(text) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, size)
    .map((x) => x.text);
}

function countOf(v: unknown): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_TOPICS;
}

function sampleOf(fn: SemanticFunction, v: unknown): number {
  const n = Number(v);
  return v !== '' && Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fn.sql.dimension!.sample;
}

function labelOf(answer: unknown): unknown {
  if (answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
    const values = Object.values(answer);
    return values.length === 1 ? values[0] : (answer as Record<string, unknown>)['label'];
  }
  return answer;
}
