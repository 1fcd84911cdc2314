/**
 * One statement run under several set-ups on a sample of its input, and how far their answers
 * agree: what `rvbbit eval` prints (src/cli/eval-command.ts) and what `tune` (tune.ts) chooses by.
 * Every run has the cache off, so each pays its own calls, read back from rvbbit.queries and
 * rvbbit.unified_logs as the cost line reads them.
 */
import type { Engine } from './engine.js';

/** The table `rvbbit eval` draws its sample into; the statement reads it in place of its input. */
export const SAMPLE_TABLE = 'rvbbit_eval_sample';

/** The statement with every unquoted `table` identifier read from `replacement` instead. */
export function onTable(sql: string, table: string, replacement: string): string {
  const word = new RegExp(`(?<![\\w."])${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w"])`, 'gi');
  // Split on single-quoted literals ('it''s' included): odd parts are inside quotes and kept as written.
  return sql
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(word, replacement)))
    .join('');
}

/** Parts of a qualified name: catalog.schema.table at most. */
const MAX_NAME_PARTS = 3;

/**
 * A table's name as a quoted (qualified) name: `items` → `"items"`, `main.items` →
 * `"main"."items"`, `"my table"` → `"my table"`; undefined unless each part is a bare word or a
 * double-quoted name. The name goes into the sampling SQL so, never as text pasted in.
 */
export function quotedTableName(value: string): string | undefined {
  const parts: string[] = [];
  const part = /\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*))\s*(\.|$)/y;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const m = part.exec(value);
    if (!m) break;
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
    at = part.lastIndex;
    if (m[3] === '') break;
    if (at === value.length) return undefined;
  }
  if (at !== value.length || parts.length === 0 || parts.length > MAX_NAME_PARTS || parts.includes(''))
    return undefined;
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

/** Draws DuckDB's seeded reservoir sample of `n` rows of `quotedTable` into `into`; the rows it holds. */
export async function drawSample(
  engine: Engine,
  quotedTable: string,
  n: number,
  seed: number,
  into: string = SAMPLE_TABLE,
): Promise<number> {
  await engine.query(
    `CREATE OR REPLACE TABLE ${into} AS SELECT * FROM ${quotedTable} USING SAMPLE reservoir(${n} ROWS) REPEATABLE (${seed})`,
  );
  return Number((await engine.query(`SELECT count(*) AS n FROM ${into}`)).rows[0]?.n);
}

/** What one run of the statement under a set-up answered and cost. */
export interface SetupRun {
  readonly rows: Record<string, unknown>[];
  /** Requests the provider saw (rvbbit.queries.calls). */
  readonly calls: number;
  /** null: a call's model has no price (rvbbit.queries.cost is NULL), never 0. */
  readonly dollars: number | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** A proxy with targets: distinct tuples the proxy answered and those the statement's model answered. */
  readonly split: { readonly proxy_answered?: number; readonly big_model_tuples?: number };
}

/** Runs `statement` under `annotations` (`-- @ …` lines), the cache off. */
export async function runSetup(engine: Engine, statement: string, annotations: string): Promise<SetupRun> {
  const r = await engine.query(`-- @ cache: false\n${annotations}\n${statement}`);
  const q = await engine.query(
    `SELECT q.calls, q.cost, q.proxy_answered, q.big_model_tuples,
            coalesce((SELECT sum(tokens_in) FROM rvbbit.unified_logs l WHERE l.query_id = q.query_id), 0) AS tin,
            coalesce((SELECT sum(tokens_out) FROM rvbbit.unified_logs l WHERE l.query_id = q.query_id), 0) AS tout
       FROM rvbbit.queries q ORDER BY q.started_at DESC LIMIT 1`,
  );
  const s = q.rows[0] ?? {};
  return {
    rows: r.rows as Record<string, unknown>[],
    calls: Number(s.calls ?? 0),
    dollars: s.cost == null ? null : Number(s.cost),
    tokensIn: Number(s.tin ?? 0),
    tokensOut: Number(s.tout ?? 0),
    // Only a statement whose proxy had targets fills them.
    split:
      s.big_model_tuples == null
        ? {}
        : { proxy_answered: Number(s.proxy_answered), big_model_tuples: Number(s.big_model_tuples) },
  };
}

/**
 * How a candidate's rows compare with the reference's, by the shape of the result:
 * - `rows`: one column (a filter's keys): the rows as sets over a sample of `compared` rows;
 *   `agreed` are the sample's rows both keep or both drop;
 * - `matches`: rows that are not one per sample row (the first column repeats, or more distinct
 *   rows than the sample has: a pair statement that returns only the pairs it keeps,
 *   `SELECT a.id, b.id … JOIN … ON LLM_FILTER(…)`): whole rows as sets, `agreed` those both
 *   keep out of `compared`, those either keeps. The pairs neither keeps are left out: their
 *   count is not in the result, and over a self-join of n rows they are nearly all of n², so
 *   counting them would call almost any two answers alike;
 * - `flags` / `labels`: a key and a value (the first and last columns), booleans or anything
 *   else compared for equality, over the keys both answered;
 * - `ranks`: a key and a number: the paired values;
 * - `none`: no key both answered.
 */
export type Comparison =
  | {
      readonly kind: 'rows' | 'matches' | 'flags';
      readonly agreed: number;
      readonly compared: number;
      /** Kept by both (true in both), kept by the candidate, kept by the reference. */
      readonly both: number;
      readonly predicted: number;
      readonly actual: number;
    }
  | { readonly kind: 'labels'; readonly agreed: number; readonly compared: number }
  | { readonly kind: 'ranks'; readonly xs: readonly number[]; readonly ys: readonly number[] }
  | { readonly kind: 'none' };

const jsonOf = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

/** Whether `rows` are not one per sample row of `n`: their first column repeats, or there are more than n. */
function notOnePerRow(rows: readonly Record<string, unknown>[], first: string, n: number): boolean {
  if (rows.length > n) return true;
  const seen = new Set<string>();
  for (const r of rows) {
    const k = jsonOf(r[first]);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** Compares a candidate's rows with the reference's over a sample of `n` rows. */
export function compareRows(
  reference: readonly Record<string, unknown>[],
  candidate: readonly Record<string, unknown>[],
  n: number,
): Comparison {
  const cols = Object.keys(reference[0] ?? candidate[0] ?? {});
  const key = (r: Record<string, unknown>) => jsonOf(r[cols[0]!]);
  if (notOnePerRow(reference, cols[0]!, n) || notOnePerRow(candidate, cols[0]!, n)) {
    const whole = (r: Record<string, unknown>) => jsonOf(cols.map((c) => r[c]));
    const ref = new Set(reference.map(whole));
    const got = new Set(candidate.map(whole));
    const both = [...got].filter((k) => ref.has(k)).length;
    const either = ref.size + got.size - both;
    return { kind: 'matches', agreed: both, compared: either, both, predicted: got.size, actual: ref.size };
  }
  if (cols.length <= 1) {
    const ref = new Set(reference.map(key));
    const got = new Set(candidate.map(key));
    const both = [...got].filter((k) => ref.has(k)).length;
    const differ = ref.size + got.size - 2 * both;
    return { kind: 'rows', agreed: n - differ, compared: n, both, predicted: got.size, actual: ref.size };
  }
  const last = cols[cols.length - 1]!;
  const refBy = new Map(reference.map((r) => [key(r), r[last]]));
  const pairs = candidate.filter((r) => refBy.has(key(r))).map((r) => [refBy.get(key(r)), r[last]] as const);
  if (pairs.length === 0) return { kind: 'none' };
  const [a0] = pairs[0]!;
  const agreed = pairs.filter(([a, b]) => a === b).length;
  if (typeof a0 === 'boolean')
    return {
      kind: 'flags',
      agreed,
      compared: pairs.length,
      both: pairs.filter(([a, b]) => a === true && b === true).length,
      predicted: pairs.filter(([, b]) => b === true).length,
      actual: pairs.filter(([a]) => a === true).length,
    };
  if (typeof a0 === 'number' || typeof a0 === 'bigint')
    return { kind: 'ranks', xs: pairs.map(([a]) => Number(a)), ys: pairs.map(([, b]) => Number(b)) };
  return { kind: 'labels', agreed, compared: pairs.length };
}

/** The figures `rvbbit eval` prints for a comparison. */
export interface AgreementFigures {
  readonly agreement: number | null;
  readonly precision?: number | null;
  readonly recall?: number | null;
  readonly f1?: number | null;
  readonly mae?: number;
  readonly rank_correlation?: number | null;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => (b === 0 ? null : round(a / b));

/**
 * Agreement of a candidate's rows with the reference's over a sample of `n` rows: for a filter
 * the share of rows both keep or both drop, with precision, recall and F1; for the pairs a
 * statement keeps, the share both keep of those either keeps (Jaccard's), with the same; for
 * booleans the same as a filter's over the keys; labels the share equal; numbers Spearman's rank correlation and the mean
 * absolute error.
 */
export function agreement(
  reference: readonly Record<string, unknown>[],
  candidate: readonly Record<string, unknown>[],
  n: number,
): AgreementFigures {
  const c = compareRows(reference, candidate, n);
  switch (c.kind) {
    case 'none':
      return { agreement: null };
    case 'labels':
      return { agreement: round(c.agreed / c.compared) };
    case 'ranks': {
      const mae = c.xs.reduce((s, x, i) => s + Math.abs(x - c.ys[i]!), 0) / c.xs.length;
      const rho = spearman(c.xs, c.ys);
      return { agreement: rho, mae: round(mae), rank_correlation: rho };
    }
    default: {
      const precision = ratio(c.both, c.predicted);
      const recall = ratio(c.both, c.actual);
      const f1 =
        precision !== null && recall !== null && precision + recall > 0
          ? round((2 * precision * recall) / (precision + recall))
          : null;
      return { agreement: c.compared === 0 ? null : round(c.agreed / c.compared), precision, recall, f1 };
    }
  }
}

/** Spearman's rank correlation: Pearson's over average ranks (ties share their mean rank). */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  const ranks = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const a = ranks(xs);
  const b = ranks(ys);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? null : round(num / Math.sqrt(da * db));
}
