/**
 * LLM aggregates whose group does not fit the model's context window,
 * reduced hierarchically (map-reduce summarisation): the group's values are
 * cut, in order, into parts that fit; each part is answered by the same
 * function (its answer a value of the level above), and so on until one call
 * holds the whole level. A 60,000-review LLM_SUMMARIZE becomes summaries of
 * parts, then a summary of summaries, instead of one 1.66M-token call every
 * provider refuses.
 *
 * - Deterministic and order-stable: parts are cut greedily in the group's
 *   order at token counts (o200k_base, llm/token-count.ts), so the same group
 *   and window make the same calls, each cached on its own (a part's call is
 *   an ordinary call of the function on a shorter list).
 * - The window is what the client knows or learned (config, the provider's
 *   refusal, its model list, the published table): a group is first asked
 *   whole; when the client refuses it (LLM_CONTEXT_TOO_LONG, before sending),
 *   the window it states gives the budget of a part: the window, less the
 *   prompt's own text (the cell's instructions and schema and the tuple's
 *   other values, with a margin for what the template adds), less room for
 *   the answer. EXPLAIN plans the same parts from the window the engine
 *   knows (reductionPlan), so its calls are the run's.
 * - One value longer than a part's budget is cut at token boundaries into
 *   pieces of that budget, each a value of its own.
 * - An answer cut at the output cap, or a prompt whose instructions alone
 *   fill the window, leaves that group NULL with a notice (call-runner.ts).
 */
import type { Cascade } from '../../../cascade/cascade-types.js';
import { contextFigures } from '../../../llm/call-fit.js';
import { LLM_ERROR } from '../../../llm/errors.js';
import { knownLimits, type ModelLimitsTable } from '../../../llm/model-limits.js';
import { piecesOfTokens, textsTokens, textTokens } from '../../../llm/token-count.js';
import { CallOverLimit, type CallRunner, type CallTarget } from '../calls/call-runner.js';

/** Tokens a value costs in the list beyond its own: the `" | "` it is joined with. */
const SEPARATOR_TOKENS = 2;

/** Room kept for a part's answer: an eighth of the window, at most this many tokens. */
const ANSWER_ROOM = 1024;

/** Levels past which a reduction stops (each level divides the tokens by the parts it makes). */
const MAX_LEVELS = 8;

/** One group being reduced: its tuple, and the values of the level it is at. */
interface Reduction {
  readonly index: number;
  readonly tuple: Record<string, unknown>;
  values: string[];
  /** Tokens a call's values may hold. */
  budget: number;
}

/**
 * Outputs of an aggregate function for every tuple, as `runner.run` gives
 * them, with each group too long for one call reduced level by level.
 * `listArg` names the tuple's list of values; `answerText` turns an output
 * into the text of a value of the level above.
 */
export async function runAggregates(
  runner: CallRunner,
  target: CallTarget,
  inputs: readonly Record<string, unknown>[],
  listArg: string,
  answerText: (output: unknown) => string | null,
): Promise<unknown[]> {
  const first = await runner.runWithinLimits(target, inputs);
  const reductions: Reduction[] = [];
  for (let i = 0; i < first.length; i++) {
    const o = first[i];
    if (!(o instanceof CallOverLimit) || o.code !== LLM_ERROR.CONTEXT_TOO_LONG) continue;
    const figures = contextFigures(o.message);
    const texts = valuesOf(inputs[i]!, listArg);
    if (!figures || !texts) continue;
    const budget = await partBudget(target.cascade, inputs[i]!, listArg, figures.window);
    if (budget < 16) continue;
    reductions.push({ index: i, tuple: inputs[i]!, values: texts, budget });
  }
  let level = 0;
  let open = reductions;
  while (open.length > 0 && level < MAX_LEVELS) {
    level++;
    // Every group's parts of this level in one run: they share the statement's PARALLEL bound.
    const calls: { r: Reduction; inputs: Record<string, unknown> }[] = [];
    const whole = new Set<Reduction>();
    for (const r of open) {
      const parts = await partsOf(r.values, r.budget);
      if (parts.length === 1) whole.add(r);
      for (const part of parts) calls.push({ r, inputs: { ...r.tuple, [listArg]: part } });
    }
    const outputs = await runner.runWithinLimits(
      target,
      calls.map((c) => c.inputs),
    );
    const next = new Map<Reduction, string[]>();
    const overflowed = new Set<Reduction>();
    outputs.forEach((o, k) => {
      const { r } = calls[k]!;
      // A part our count fitted and the client did not (another tokenizer's window): halve the budget, cut again.
      if (o instanceof CallOverLimit && o.code === LLM_ERROR.CONTEXT_TOO_LONG && r.budget >= 32) {
        overflowed.add(r);
        return;
      }
      if (whole.has(r)) {
        first[r.index] = o;
        return;
      }
      const text = o instanceof CallOverLimit ? null : answerText(o);
      const list = next.get(r) ?? [];
      if (text !== null) list.push(text);
      next.set(r, list);
    });
    open = [];
    for (const r of overflowed) {
      r.budget = Math.floor(r.budget / 2);
      open.push(r);
    }
    for (const [r, answers] of next) {
      if (overflowed.has(r) || whole.has(r)) continue;
      r.values = answers;
      open.push(r);
    }
  }
  return first;
}

/** A tuple's list of values as text, or undefined when it holds none. */
function valuesOf(tuple: Readonly<Record<string, unknown>>, listArg: string): string[] | undefined {
  const values = tuple[listArg];
  if (!Array.isArray(values)) return undefined;
  return values.map((v) => (v === null || v === undefined ? '' : String(v)));
}

/** What the template adds around what it is given (markup, a few words), over the counted text. */
const OVERHEAD_MARGIN = 1.1;
const OVERHEAD_FLOOR = 64;

/**
 * Tokens a part's values may hold under `window`: the window less the
 * prompt's own text (each cell's instructions and output schema, the
 * tuple's other values; with a margin) and the room kept for the answer.
 */
export async function partBudget(
  cascade: Cascade,
  tuple: Readonly<Record<string, unknown>>,
  listArg: string,
  window: number,
): Promise<number> {
  let own = 0;
  for (const cell of cascade.cells) {
    if (cell.kind !== 'llm') continue;
    own += await textTokens(cell.instructions);
    if (cell.outputSchema) own += await textTokens(JSON.stringify(cell.outputSchema));
  }
  const { [listArg]: _values, ...others } = tuple;
  own += await textTokens(JSON.stringify(others));
  const overhead = Math.ceil(own * OVERHEAD_MARGIN) + OVERHEAD_FLOOR;
  return window - overhead - answerRoom(window);
}

function answerRoom(window: number): number {
  return Math.min(ANSWER_ROOM, Math.floor(window / 8));
}

/**
 * EXPLAIN's reduction of one group under `window`: calls per level, the
 * first level's parts cut exactly as the run cuts them, the levels above
 * from `answerTokens` per answer (the estimate of one answer's length).
 * Empty when the group's whole prompt fits (`promptTokens` within the window).
 */
export async function reductionPlan(
  cascade: Cascade,
  tuple: Readonly<Record<string, unknown>>,
  listArg: string,
  window: number,
  answerTokens: number,
): Promise<number[]> {
  const texts = valuesOf(tuple, listArg);
  if (!texts) return [];
  const budget = await partBudget(cascade, tuple, listArg, window);
  const counts = await textsTokens(texts);
  let used = 0;
  for (const t of counts) used += t + SEPARATOR_TOKENS;
  if (used <= budget || budget < 16) return [];
  const levels: number[] = [];
  let parts = (await partsOf(texts, budget, counts)).length;
  levels.push(parts);
  // Answers of one level, of equal estimated length, cut greedily: so many to a part.
  const perPart = Math.max(1, Math.floor(budget / (answerTokens + SEPARATOR_TOKENS)));
  while (parts > 1 && levels.length < MAX_LEVELS) {
    parts = Math.ceil(parts / perPart);
    levels.push(parts);
  }
  return levels;
}

/**
 * `values` cut greedily, in order, into lists of at most `budget` tokens; a longer value into pieces of its own.
 * `counts`: each value's tokens when the caller has them.
 */
async function partsOf(
  values: readonly string[],
  budget: number,
  counts?: readonly number[],
): Promise<string[][]> {
  const tokens = counts ?? (await textsTokens(values));
  const parts: string[][] = [];
  let part: string[] = [];
  let used = 0;
  for (const [i, v] of values.entries()) {
    const t = tokens[i]! + SEPARATOR_TOKENS;
    if (t > budget) {
      if (part.length > 0) parts.push(part);
      for (const piece of await piecesOfTokens(v, budget - SEPARATOR_TOKENS)) parts.push([piece]);
      part = [];
      used = 0;
      continue;
    }
    if (used + t > budget && part.length > 0) {
      parts.push(part);
      part = [];
      used = 0;
    }
    part.push(v);
    used += t;
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  return parts;
}

/** What EXPLAIN says of an aggregate's groups over the window. */
export interface ReductionEstimate {
  /** Groups over the window. */
  readonly groups: number;
  /** Their calls, every level's. */
  readonly calls: number;
  /** EXPLAIN's words: how many groups, the window, the levels' calls. */
  readonly line: string;
}

/**
 * The reductions an aggregate's tuples will need under the window the engine
 * knows for `model` (config, then a window an earlier run of this engine
 * learned from a refusal, then the published table: a window only the
 * provider can state is unknown until a run meets it); undefined when none
 * is known or every group fits.
 */
export async function explainReductions(
  cascade: Cascade,
  tuples: readonly Readonly<Record<string, unknown>>[],
  listArg: string,
  provider: { readonly models?: ModelLimitsTable; readonly aliases?: Readonly<Record<string, string>> },
  model: string,
  answerTokens: number,
  learnedWindows: ReadonlyMap<string, number> = new Map(),
): Promise<ReductionEstimate | undefined> {
  const { id, contextWindow: window } = knownLimits(provider, model, learnedWindows);
  if (window === undefined) return undefined;
  const byLevel: number[] = [];
  let groups = 0;
  for (const tuple of tuples) {
    const levels = await reductionPlan(cascade, tuple, listArg, window, answerTokens);
    if (levels.length === 0) continue;
    groups++;
    levels.forEach((n, i) => {
      byLevel[i] = (byLevel[i] ?? 0) + n;
    });
  }
  if (groups === 0) return undefined;
  const calls = byLevel.reduce((a, b) => a + b, 0);
  return {
    groups,
    calls,
    line: `reduced: ${groups} group${groups === 1 ? '' : 's'} over ${id}'s ${window}-token window in ${byLevel.length} levels (${byLevel.join(' + ')} calls)`,
  };
}
