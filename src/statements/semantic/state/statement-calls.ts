/**
 * The per-statement state a registered function reads: the result map
 * (tuple key → SQL value) and, in record mode, the tuples it was asked for
 * and could not answer. DuckDB calls the functions on the main JS thread, so
 * a plain Map keyed by the statement's token is enough.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from '../../../cache/cache-key.js';
import { functionParams, type SemanticFunction } from '../../../plan/operator-catalog.js';
import { AnswerStore, KEY_CHARS, type SqlValue } from './answer-store.js';
import type { TupleSpill } from './tuple-spill.js';

/** One operator call: a function and its named inputs (what the cascade run receives). */
export interface Tuple {
  readonly key: string;
  readonly fn: SemanticFunction;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type { SqlValue };

/** Runs tuples synchronously (sequential, vectorized): blocks the main thread until every answer is in. */
export type SyncRun = (tuples: readonly Tuple[]) => SqlValue[];

export interface StatementCalls {
  readonly token: number;
  /** record: answer from the map or record a miss; sync: run misses now through `sync`. */
  mode: 'record' | 'sync';
  readonly hint: string;
  /** Every answer the statement has, for its whole run (answer-store.ts: a bounded number in memory, the rest in a file). */
  readonly results: AnswerStore;
  /**
   * Misses recorded during the current pass (record mode), de-duplicated: at
   * most `budget`; after a pass that spilled, the tuples held waiting for
   * answers (run/held-rounds.ts: the rounds out and the one being read).
   */
  readonly recorded: Map<string, Tuple>;
  /** Rounds of a spilled pass's tuples whose calls are out now (run/held-rounds.ts); 0 between rounds. */
  roundsOut: number;
  /**
   * Tuple misses of the current pass not recorded (past `budget`), counted,
   * not kept: a pass over a million rows past its budget held a key for each
   * (issue 66). Their tuples are met again by the next pass.
   */
  pastBudget: number;
  /**
   * Where a pass that asks every tuple it meets writes its misses past
   * `budget` (batch-passes.ts asks them right after the pass); unset, they are
   * only counted and met again by the next pass (a LIMIT's budget).
   */
  spill?: TupleSpill;
  /**
   * What else the current pass missed, by name: texts to embed, a prefilter to
   * plan, pairs past a budget (embed-statement.ts, prefilter-state.ts). Not
   * the operators' tuples (`recorded`, `pastBudget`).
   */
  missed: Set<string>;
  /** New tuples one pass may record; the rest wait for the next pass (LIMIT exactness). */
  budget: number;
  /**
   * The distinct pairs a prefilter met this pass, kept or pruned, by their
   * texts' hashes (left → rights; prefilter-state.ts): under a `budget` each
   * counts as the call its pair would make without the prefilter, so a pass
   * reads the same span of pairs with or without `-- @ prefilter` and asks
   * about the kept ones only.
   */
  readonly pairsMet: PairsMet;
  /** Set in sync mode. */
  sync?: SyncRun;
  /** vectorized: one blocking run per DuckDB chunk; otherwise one per call. */
  perChunk: boolean;
  /** First error raised inside a function (DuckDB gets a message; the engine rethrows this). */
  error?: unknown;
  /**
   * What a record-mode miss answers (EXPLAIN only; runs always use `null`):
   * `high` (true, 1, a text unique to the call) lets a row through a filter
   * that wants the operator true, `low` (false, 0, the same text) one that
   * wants it false, so EXPLAIN also sees the calls a row makes only once an
   * earlier operator has answered.
   */
  placeholder: Placeholder;
}

export type Placeholder = 'null' | 'high' | 'low';

/** Distinct pairs of hashes, left → rights, and how many. */
export interface PairsMet {
  readonly byLeft: Map<number, Set<number>>;
  count: number;
}

const live = new Map<number, StatementCalls>();

/** The state of the statement the planner numbered `token` (statements/semantic/plan/semantic-plan.ts). */
export function openStatement(token: number, hint: string, answersInMemory?: number): StatementCalls {
  const s: StatementCalls = {
    token,
    mode: 'record',
    hint,
    results: new AnswerStore(answersInMemory),
    recorded: new Map(),
    roundsOut: 0,
    pastBudget: 0,
    missed: new Set(),
    budget: Number.POSITIVE_INFINITY,
    pairsMet: { byLeft: new Map(), count: 0 },
    perChunk: false,
    placeholder: 'null',
  };
  live.set(token, s);
  return s;
}

export function closeStatement(s: StatementCalls): void {
  live.delete(s.token);
  s.results.close();
}

export function statementFor(token: number): StatementCalls | undefined {
  return live.get(token);
}

/** The statements running now: what their passes hold can be read while they run (test/semantic/held-tuples.test.ts). */
export function liveStatements(): IterableIterator<StatementCalls> {
  return live.values();
}

/**
 * The key of a call within its statement: a 128-bit digest (KEY_CHARS Latin-1
 * characters of a SHA-256) of the function's name and its operand values in
 * argument order (the hint, the other input, is the statement's own). A
 * digest, not the values' text: the statement keeps every answer for its
 * whole run (answer-store.ts), and a key holding a 1 KB review held 1 KB per
 * row answered (issue 66). 128 bits: two of a million tuples share a key with
 * a chance of ~10⁻²⁷. Every pass computes every row's key, so the text hashed
 * is cheap to build: a string, number or boolean as its type, length and text
 * (apart however they split: ('ab', 'c') is not ('a', 'bc')); JSON.stringify
 * of a 1 KB text cost twice the SHA-256 itself. A bigint or a list takes
 * canonicalJson.
 */
export function callKey(fn: SemanticFunction, values: readonly unknown[]): string {
  let text = fn.name;
  for (const v of values) {
    const t = typeof v;
    if (t === 'string' || t === 'number' || t === 'boolean') {
      const plain = String(v);
      text += `\u0000${t[0]}${plain.length}:${plain}`;
    } else text += `\u0000j:${canonicalJson(v)}`;
  }
  return hash('sha256', text, 'binary').slice(0, KEY_CHARS);
}

/** The cascade's inputs: its args by name, and the statement's hint. */
export function namedInputs(
  fn: SemanticFunction,
  values: readonly unknown[],
  hint: string,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  functionParams(fn.sql).forEach((a, i) => {
    inputs[a.name] = values[i];
  });
  inputs['hint'] = hint;
  return inputs;
}

/** Whether the current pass missed anything: a tuple (recorded or past the budget), a text to embed, a plan. */
export function passMissed(s: StatementCalls): boolean {
  return s.recorded.size > 0 || s.pastBudget > 0 || s.missed.size > 0;
}

/** Whether the current pass left misses for a later one beyond those it recorded. */
export function missesLeftOver(s: StatementCalls): boolean {
  return s.pastBudget > 0 || s.missed.size > 0;
}

/** Starts a record pass: forget last pass's misses, keep every answer. */
export function startPass(s: StatementCalls): void {
  s.recorded.clear();
  s.pastBudget = 0;
  s.missed = new Set();
  s.pairsMet.byLeft.clear();
  s.pairsMet.count = 0;
}
