/**
 * `tune`: the cheapest set-up of a statement whose answers agree with the statement as written
 * (the reference) on at least `target` of a seeded sample of its input, by a lower confidence
 * bound, not by a point estimate (issue 68; what LOTUS's optimizer, DocETL's and Snowflake's
 * AI_FUNCTION_OPTIMIZATION search for, here over set-ups written as `-- @` annotations).
 *
 * How it spends calls. A full evaluation of one candidate (`rvbbit eval`) runs the reference and
 * the candidate over the whole sample. Tune shuffles the sample by its seed and takes it in rounds
 * of growing size (ROUND_ROWS, then doubling), the cache off, each row asked of the reference once:
 * - the first round runs every candidate, which prices each a row;
 * - after it, only the cheapest candidate left runs on the new rows: a dearer one matters only
 *   once every cheaper one is out, and then it catches up on the rows it has not seen (the
 *   reference's answers to them are kept);
 * - a candidate is out when its upper bound falls under the target (it cannot clear it), or when
 *   it costs a row no less than the reference (which clears any target: agreement 1, and is what
 *   the statement costs anyway);
 * - the cheapest candidate left is chosen once its lower bound clears the target. When the sample
 *   is spent first, it is out (`not settled by the sample`) and the next is judged; when none is
 *   left, the statement as written is chosen.
 *
 * The bound. Agreement is a share of rows (a filter: both keep or both drop; labels and booleans:
 * equal answers), so its bounds are Clopper and Pearson's exact binomial ones (Biometrika 1934);
 * a score's agreement is Spearman's rank correlation, bounded through Fisher's z with Fieller,
 * Hartley and Pearson's variance 1.06/(n − 3) (Biometrika 1957). Each bound is one-sided at
 * δ / (candidates × rounds), Bonferroni over every look at every candidate, so the chosen set-up
 * clears the target with probability ≥ 1 − δ whichever look chose it.
 *
 * The pair split (pair-split.ts) is on by default, so the reference runs it wherever it is
 * offered and priced under the best pair plan (split-cost.ts); the default candidates then add
 * `-- @ pair_split: off`, to show what it saves and what agreement it costs. Offered is
 * EXPLAIN's word on the first round's rows (splitOffered).
 */
import { createRequire } from 'node:module';
import type JStat from 'jstat';
import { RvbbitError } from '../../base/errors.js';
import type { Engine } from './engine.js';
import {
  compareRows,
  drawSample,
  onTable,
  quotedTableName,
  runSetup,
  type SetupRun,
  spearman as spearmanOf,
} from './evaluate.js';
import { llmStatements } from './llm-statements-loader.js';

export interface TuneOptions {
  /** The input table as the statement names it (`items`, `main.items`, `"odd name"`): the sample is drawn from it. */
  readonly table: string;
  /** The agreement with the reference a set-up must clear by its lower bound, in (0, 1]. */
  readonly target: number;
  /**
   * The set-ups tried, each a block of `-- @` annotations (default: defaultCandidates(), and
   * PAIR_SPLIT_OFF when the reference is offered a pair condition's split on the first round).
   */
  readonly candidates?: readonly string[];
  /** The reference's annotations (default: none, the statement as written). */
  readonly reference?: string;
  /** Rows of the seeded sample, the most a set-up runs over (default 400). */
  readonly sample?: number;
  /** The sample's seed (default 1): the same seed, the same rows and rounds. */
  readonly seed?: number;
  /** The probability the chosen set-up's agreement clears the target (default 0.95). */
  readonly confidence?: number;
}

/** One set-up's line of the result (the JSON `rvbbit tune --format json` prints). */
export interface TuneRow {
  /** Its annotations; the reference's line says `(reference: as written)` when it has none. */
  readonly candidate: string;
  /** Sample rows it ran over. */
  readonly rows: number;
  readonly calls: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  /** null: a call's model has no price. */
  readonly dollars: number | null;
  /** Its agreement with the reference over its rows (1 for the reference), null when nothing compared. */
  readonly agreement: number | null;
  /** The lower confidence bound on that agreement (1 for the reference). */
  readonly agreement_bound: number | null;
  /** True on the set-up chosen. */
  readonly chosen: boolean;
  /**
   * Why it was chosen or left: `chosen`, `reference`, `under the target` (its upper bound is
   * under it), `costs no less than the reference`, `not settled by the sample`, `dearer than the
   * chosen`, `failed: …`.
   */
  readonly verdict: string;
}

export interface TuneResult {
  /** The reference first, then each candidate in the order given. */
  readonly rows: readonly TuneRow[];
  /** The chosen set-up's annotations ('' for the statement as written). */
  readonly chosen: string;
  /** Rows in the sample. */
  readonly sampled: number;
  readonly target: number;
  readonly confidence: number;
}

/** The first round's rows: enough for a bound to mean something, few enough to drop a poor set-up cheaply. */
const ROUND_ROWS = 50;
const DEFAULT_SAMPLE = 400;
const MAX_SAMPLE = 1_000_000;
const MAX_SEED = 2 ** 31 - 1;
const SAMPLE = 'rvbbit_tune_sample';
const ROUND = 'rvbbit_tune_rows';
const RANK = 'rvbbit_tune_rank';
const REFERENCE_LABEL = '(reference: as written)';

/**
 * The set-ups tried when none are given: every other chat model the engine prices (a model it
 * cannot price cannot be compared on cost) as `-- @ model: …`; each of them cheaper than the
 * statement's default model as a proxy with the default targets (`-- @ proxy: m recall 0.9
 * precision 0.9`: a filter's; on other statements it changes nothing and is out after the
 * first round, costing what the reference does); and packing twice the default (`-- @ batch: 32`).
 */
export function defaultCandidates(engine: Engine): string[] {
  const provider = engine.shared.provider;
  const prices = provider.prices ?? {};
  const perCall = (m: string) => (prices[m] ? prices[m].in + prices[m].out : Number.POSITIVE_INFINITY);
  const chat = Object.entries(prices)
    .filter(([, p]) => p.out > 0)
    .map(([model]) => model)
    .filter((m) => m !== provider.defaultModel);
  const cheaper = chat.filter((m) => perCall(m) < perCall(provider.defaultModel));
  return [
    ...chat.map((m) => `-- @ model: ${m}`),
    ...cheaper.map((m) => `-- @ proxy: ${m} recall 0.9 precision 0.9`),
    '-- @ batch: 32',
  ];
}

/** The candidate that runs a statement's pair conditions pair by pair, as if the split did not exist. */
export const PAIR_SPLIT_OFF = '-- @ pair_split: off';

/**
 * Whether the statement under `annotations`, over the rows it reads now, has a pair group the
 * split is offered for: EXPLAIN's `pair_split` lines say so by the run's own rules
 * (pair-split.ts splitRefusal, MIN_SPLIT_PAIRS, and split-cost.ts's price against the best pair plan). EXPLAIN asks no model (its passes record the
 * tuples); a statement EXPLAIN has no semantic plan for has no such line.
 */
export async function splitOffered(engine: Engine, statement: string, annotations: string): Promise<boolean> {
  const { SPLIT_OFFERED } = await llmStatements();
  // A statement EXPLAIN cannot describe gets no split candidate: the reference's own run says what is wrong.
  const explained = await engine.query(`${annotations}\nEXPLAIN ${statement}`).catch(() => undefined);
  return !!explained?.rows.some(
    (r) => r['property'] === 'pair_split' && String(r['value']).includes(SPLIT_OFFERED),
  );
}

interface Tally {
  readonly label: string;
  readonly annotations: string;
  rows: Record<string, unknown>[];
  ran: number;
  calls: number;
  tokensIn: number;
  tokensOut: number;
  dollars: number | null;
  failed?: string;
  left?: string;
  agreement: number | null;
  bound: number | null;
  upper: number | null;
}

const tally = (label: string, annotations: string): Tally => ({
  label,
  annotations,
  rows: [],
  ran: 0,
  calls: 0,
  tokensIn: 0,
  tokensOut: 0,
  dollars: 0,
  agreement: null,
  bound: null,
  upper: null,
});

function add(t: Tally, run: SetupRun, rows: number): void {
  t.rows.push(...run.rows);
  t.ran += rows;
  t.calls += run.calls;
  t.tokensIn += run.tokensIn;
  t.tokensOut += run.tokensOut;
  t.dollars = t.dollars === null || run.dollars === null ? null : t.dollars + run.dollars;
}

/** Cost a row: dollars where every set-up is priced, else tokens in and out. */
const perRow = (t: Tally, byDollars: boolean): number =>
  t.ran === 0 ? 0 : (byDollars ? (t.dollars ?? 0) : t.tokensIn + t.tokensOut) / t.ran;

/** Runs the statement under each set-up on a seeded sample and picks the cheapest that clears the target. */
export async function tune(engine: Engine, sql: string, options: TuneOptions): Promise<TuneResult> {
  const o = checked(options);
  const quoted = quotedTableName(o.table);
  if (quoted === undefined)
    throw new RvbbitError(
      'TUNE_ARGUMENT',
      `tune: the table must be a name (name, schema.name or catalog.schema.name; a part with other characters in double quotes), got '${o.table}'`,
    );
  if (options.candidates?.length === 0)
    throw new RvbbitError('TUNE_ARGUMENT', 'tune: no candidate set-up to try');
  const drawn = await drawSample(engine, quoted, o.sample, o.seed, `${SAMPLE}_drawn`);
  // The sample in the seed's order: each round takes the next rows, so no row is asked twice.
  await engine.query(
    `CREATE OR REPLACE TABLE ${SAMPLE} AS SELECT *, row_number() OVER (ORDER BY hash(rowid, ${o.seed}), rowid) AS ${RANK} FROM ${SAMPLE}_drawn`,
  );
  await engine.query(`DROP TABLE ${SAMPLE}_drawn`);
  const statement = onTable(sql, o.table, ROUND);
  const referenceAnnotations = options.reference ?? '';
  const reference = tally(options.reference ? options.reference : REFERENCE_LABEL, referenceAnnotations);
  const rowsBetween = (from: number, to: number) =>
    engine.query(
      `CREATE OR REPLACE TABLE ${ROUND} AS SELECT * EXCLUDE (${RANK}) FROM ${SAMPLE} WHERE ${RANK} > ${from} AND ${RANK} <= ${to} ORDER BY ${RANK}`,
    );
  let candidates = options.candidates;
  if (candidates === undefined) {
    // The split is judged on the first round, the one every candidate runs and is priced on.
    await rowsBetween(0, Math.min(ROUND_ROWS, drawn));
    const offered = await splitOffered(engine, statement, referenceAnnotations);
    candidates = [...defaultCandidates(engine), ...(offered ? [PAIR_SPLIT_OFF] : [])];
  }
  const tallies = candidates.map((c) => tally(c, c));
  const bounds = boundsFor(tallies.length, roundsFor(drawn), 1 - o.confidence);
  // The reference's rows of each round, to compare a candidate over the rows it ran.
  const referenceRounds: { readonly upTo: number; readonly rows: Record<string, unknown>[] }[] = [];
  const referenceRows = (upTo: number) =>
    referenceRounds.filter((r) => r.upTo <= upTo).flatMap((r) => r.rows);
  let done = 0;
  const byDollars = () => [reference, ...tallies].every((t) => t.dollars !== null);
  /** Runs `t` over the rows it has not seen and judges it: out when it cannot clear the target or saves nothing. */
  const catchUp = async (t: Tally): Promise<void> => {
    if (t.ran >= done) return;
    await rowsBetween(t.ran, done);
    try {
      add(t, await runSetup(engine, statement, t.annotations), done - t.ran);
    } catch (err) {
      t.failed = err instanceof Error ? err.message : String(err);
      return;
    }
    Object.assign(t, bounds(compareRows(referenceRows(t.ran), t.rows, t.ran)));
    if (t.upper !== null && t.upper < o.target) t.left = 'under the target';
    else if (perRow(t, byDollars()) >= perRow(reference, byDollars()))
      t.left = 'costs no less than the reference';
  };
  /**
   * The cheapest set-up left, brought up to the rows run so far: chosen when it clears the
   * target; when it cannot, the next. Undefined when it needs more rows (or none is left).
   */
  const settle = async (sampleSpent: boolean): Promise<Tally | undefined> => {
    for (;;) {
      const cheapest = tallies
        .filter(inRace)
        .sort((a, b) => perRow(a, byDollars()) - perRow(b, byDollars()))[0];
      if (cheapest === undefined) return undefined;
      await catchUp(cheapest);
      if (!inRace(cheapest)) continue;
      if (cheapest.bound !== null && cheapest.bound >= o.target) return cheapest;
      if (!sampleSpent) return undefined;
      cheapest.left = 'not settled by the sample';
    }
  };
  let chosen: Tally | undefined;
  try {
    for (let size = Math.min(ROUND_ROWS, drawn); done < drawn && chosen === undefined; size *= 2) {
      const upTo = Math.min(drawn, done + size);
      await rowsBetween(done, upTo);
      const run = await runSetup(engine, statement, reference.annotations);
      add(reference, run, upTo - done);
      referenceRounds.push({ upTo, rows: run.rows });
      const first = done === 0;
      done = upTo;
      // The first round runs every candidate: their costs a row order the race after it.
      if (first) for (const t of tallies) await catchUp(t);
      chosen = await settle(false);
    }
    chosen ??= await settle(true);
  } finally {
    await engine.query(`DROP TABLE IF EXISTS ${ROUND}`);
    await engine.query(`DROP TABLE IF EXISTS ${SAMPLE}`);
  }
  const line = (t: Tally, isReference: boolean): TuneRow => ({
    candidate: t.label,
    rows: t.ran,
    calls: t.calls,
    tokens_in: t.tokensIn,
    tokens_out: t.tokensOut,
    dollars: t.dollars === null ? null : round(t.dollars, 8),
    agreement: isReference ? 1 : t.agreement,
    agreement_bound: isReference ? 1 : t.bound,
    chosen: isReference ? chosen === undefined : t === chosen,
    verdict: isReference
      ? chosen === undefined
        ? 'chosen: no candidate clears the target'
        : 'reference'
      : t === chosen
        ? 'chosen'
        : t.failed !== undefined
          ? `failed: ${t.failed}`
          : (t.left ?? 'dearer than the chosen'),
  });
  return {
    rows: [line(reference, true), ...tallies.map((t) => line(t, false))],
    chosen: chosen?.annotations ?? reference.annotations,
    sampled: drawn,
    target: o.target,
    confidence: o.confidence,
  };
}

const inRace = (t: Tally): boolean => t.failed === undefined && t.left === undefined;

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Rounds a sample of `n` rows takes at most: ROUND_ROWS, then doubling. */
export function roundsFor(n: number): number {
  let rounds = 0;
  for (let done = 0, size = ROUND_ROWS; done < n; size *= 2, rounds++) done += size;
  return Math.max(1, rounds);
}

/** Each comparison's agreement and its one-sided bounds at δ / (candidates × rounds). */
export function boundsFor(candidates: number, rounds: number, delta: number) {
  const each = delta / (Math.max(1, candidates) * rounds);
  return (c: ReturnType<typeof compareRows>): Pick<Tally, 'agreement' | 'bound' | 'upper'> => {
    if (c.kind === 'none') return { agreement: null, bound: null, upper: null };
    if (c.kind === 'ranks') return rankBounds(c.xs, c.ys, each);
    if (c.compared === 0) return { agreement: null, bound: null, upper: null };
    return {
      agreement: round(c.agreed / c.compared),
      bound: round(clopperPearsonLower(c.agreed, c.compared, each)),
      upper: round(clopperPearsonUpper(c.agreed, c.compared, each)),
    };
  };
}

/** The exact one-sided lower bound on a share with `k` of `n` (Clopper & Pearson 1934). */
export function clopperPearsonLower(k: number, n: number, delta: number): number {
  return k === 0 ? 0 : jStat().beta.inv(delta, k, n - k + 1);
}

/** The exact one-sided upper bound on a share with `k` of `n`. */
export function clopperPearsonUpper(k: number, n: number, delta: number): number {
  return k === n ? 1 : jStat().beta.inv(1 - delta, k + 1, n - k);
}

/** Spearman's ρ and its bounds through Fisher's z, variance 1.06/(n − 3) (Fieller, Hartley & Pearson 1957). */
function rankBounds(xs: readonly number[], ys: readonly number[], delta: number) {
  const n = xs.length;
  const rho = spearmanOf(xs, ys);
  if (rho === null || n < 4) return { agreement: rho, bound: null, upper: null };
  const z = Math.atanh(Math.max(-0.999999, Math.min(0.999999, rho)));
  const half = jStat().normal.inv(1 - delta, 0, 1) * Math.sqrt(1.06 / (n - 3));
  return { agreement: rho, bound: round(Math.tanh(z - half)), upper: round(Math.tanh(z + half)) };
}

/**
 * jstat, required on the first bound, not imported: the engine loads this module's callers at
 * start, and the library costs ~70 ms of CPU to load (supg.ts does the same).
 */
let jStatLibrary: typeof JStat | undefined;
function jStat(): typeof JStat {
  jStatLibrary ??= createRequire(import.meta.url)('jstat') as typeof JStat;
  return jStatLibrary;
}

function checked(
  o: TuneOptions,
): Required<Pick<TuneOptions, 'table' | 'target' | 'sample' | 'seed' | 'confidence'>> {
  const bad = (what: string) => new RvbbitError('TUNE_ARGUMENT', `tune: ${what}`);
  if (!(o.target > 0 && o.target <= 1)) throw bad(`the target is an agreement in (0, 1], got ${o.target}`);
  const sample = o.sample ?? DEFAULT_SAMPLE;
  if (!Number.isInteger(sample) || sample < 1 || sample > MAX_SAMPLE)
    throw bad(`the sample is a whole number of rows from 1 to ${MAX_SAMPLE}, got ${sample}`);
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw bad(`the seed is a whole number from 0 to ${MAX_SEED}, got ${seed}`);
  const confidence = o.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw bad(`the confidence is in (0, 1), got ${confidence}`);
  return { table: o.table, target: o.target, sample, seed, confidence };
}
