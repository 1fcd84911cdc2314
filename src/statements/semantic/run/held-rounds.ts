/**
 * How a record pass's misses are asked (batch-passes.ts runs the passes).
 *
 * A pass that met no more than it may hold asks its recorded tuples at once,
 * as one plan (resolve-tuples.ts). A pass that spilled (tuple-spill.ts) asks
 * them in overlapping rounds instead (issue 66): the tuples it holds, then
 * the spill's, `held / ROUNDS_IN_FLIGHT` distinct tuples a round, a new round
 * started as soon as an old one is answered while the others' calls are still
 * out. Before, the spill was read `held` tuples at a time and each batch
 * waited for its slowest call before the next began: a small bound cost
 * throughput (8,192 held: 258 s against 146 s at 300k rows), a large one
 * memory (32,768 tuples of ~1 KB each, with their inputs, pages and answers,
 * lived long enough to be promoted: 243 MB of JS heap at 300k rows).
 *
 * `s.recorded` is what the statement holds waiting for answers: the round
 * being read and the rounds out. A round's tuples leave it as soon as their
 * answers are stored, so a pass never holds more than `held` tuples.
 */
import type { CallRunner } from '../calls/call-runner.js';
import { type PlanNote, resolveTuples, type StatementExtras } from '../plan/resolve-tuples.js';
import type { SemanticOptions } from '../plan/semantic-options.js';
import { namedInputs, type StatementCalls, type Tuple } from '../state/statement-calls.js';
import type { TupleSpill } from '../state/tuple-spill.js';
import type { SemanticRunContext } from './semantic-run.js';

/**
 * Rounds a spilled pass keeps out at once. Two: while one round's last calls
 * are out, the next's fill the statement's PARALLEL slots, so a round's end
 * is never a drain; more would only make the rounds smaller under the same bound.
 */
export const ROUNDS_IN_FLIGHT = 2;

/** What asking a pass's tuples needs (batch-passes.ts PassContext has it all). */
export interface AskContext {
  readonly s: StatementCalls;
  readonly runner: CallRunner;
  readonly opts: SemanticOptions;
  readonly ctx: SemanticRunContext;
  readonly plans: PlanNote[];
  readonly more: StatementExtras;
}

/** Asks the pass's recorded tuples, all at once; their answers join the statement's. */
export async function answerRecorded(p: AskContext): Promise<void> {
  await answerTuples(p, [...p.s.recorded.values()]);
}

/** Asks `tuples` as one plan; their answers join the statement's. */
async function answerTuples(p: AskContext, tuples: readonly Tuple[]): Promise<void> {
  const { s, runner, ctx, opts, plans, more } = p;
  ctx.signal?.throwIfAborted();
  const answers = await resolveTuples(
    tuples,
    runner,
    ctx.engine.semantic.catalog,
    opts.smallSide,
    s.hint,
    plans,
    more,
  );
  for (const [k, v] of answers) s.results.set(k, v);
}

/** The distinct tuples of one round: `held` split over the rounds out at once. */
export function roundSize(held: number): number {
  return Math.max(1, Math.ceil(held / ROUNDS_IN_FLIGHT));
}

/**
 * A spilled pass's misses: the tuples it recorded, then the spill's, read
 * back in order, asked in rounds of `roundSize(held)` with up to
 * ROUNDS_IN_FLIGHT rounds out at once. A tuple spilled twice, held already
 * or answered, is asked once. Returns the tuples asked from the spill.
 *
 * A failed round stops the reading; the rounds still out are waited for
 * (their calls stop with the statement: call-runner.ts) and the first
 * failure is thrown.
 */
export async function answerInRounds(p: AskContext, spill: TupleSpill, held: number): Promise<number> {
  const { s } = p;
  const size = roundSize(held);
  const out = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const start = (round: Tuple[]) => {
    s.roundsOut++;
    const asked: Promise<void> = answerTuples(p, round)
      .then(() => {
        // Answered: the round's tuples, inputs and all, are let go.
        for (const t of round) s.recorded.delete(t.key);
      })
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        s.roundsOut--;
        out.delete(asked);
      });
    out.add(asked);
  };
  /** Until a round ends when `full` says the statement holds all it may (or a round failed). */
  const roomFor = async (full: () => boolean) => {
    while (failure === undefined && out.size > 0 && full()) await Promise.race(out);
  };
  try {
    // The pass's own tuples, already held: its first rounds.
    let round: Tuple[] = [];
    for (const t of s.recorded.values()) {
      round.push(t);
      if (round.length < size) continue;
      await roomFor(() => out.size >= ROUNDS_IN_FLIGHT);
      if (failure !== undefined) break;
      start(round);
      round = [];
    }
    let spilled = 0;
    if (failure === undefined) {
      for await (const miss of spill.read()) {
        if (s.recorded.has(miss.key) || s.results.has(miss.key)) continue;
        // A new tuple waits for room: the rounds out and the one being read hold at most `held`.
        await roomFor(() => s.recorded.size >= held);
        if (failure !== undefined) break;
        const t: Tuple = { key: miss.key, fn: miss.fn, inputs: namedInputs(miss.fn, miss.values, s.hint) };
        s.recorded.set(t.key, t);
        round.push(t);
        spilled++;
        if (round.length < size) continue;
        await roomFor(() => out.size >= ROUNDS_IN_FLIGHT);
        if (failure !== undefined) break;
        start(round);
        round = [];
      }
    }
    if (failure === undefined && round.length > 0) {
      await roomFor(() => out.size >= ROUNDS_IN_FLIGHT);
      if (failure === undefined) start(round);
    }
    await Promise.all(out);
    if (failure !== undefined) throw failure.err;
    return spilled;
  } finally {
    // Thrown while reading (a cancel, the spill): the rounds out end with the statement; none is left unawaited.
    await Promise.all(out);
  }
}
