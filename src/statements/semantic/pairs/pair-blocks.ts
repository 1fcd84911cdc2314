/**
 * The block plan for pair predicates under `-- @ batch: n`: a block of m left
 * × n right values (m, n ≤ the batch) is one prompt that states each value
 * once and asks about the block's pairs, one answer each. Packing pairs
 * (packed-prompt.ts) states both values of every pair, so all pairs of m × n
 * values cost m·n texts; a block states m + n.
 *
 * The prompt is the pair's own prompt stated once, as the operator's cascade
 * renders it for one pair, with `<left/>` and `<right/>` where the two values
 * go; then the values, each in a `<left>` or `<right>` block numbered by
 * order; then `<pairs>`, one line per left value listing the right values
 * asked with it (`3: 1-4 7`). Task k is exactly the pair prompt of the k-th
 * pair listed: the simulator rebuilds it so (src/sim/packed.ts) and answers
 * as it would the pair alone. The answer is `{ "answers": [item × k] }`, each
 * item the operator's own output_schema: a count other than k, or an item
 * that does not fit, fails validation, and the block is split in halves
 * (resolve-tuples.ts), down to single pairs asked alone, as a packed batch is.
 *
 * A block lists only the pairs recorded (under `-- @ prefilter`, the kept
 * ones) and states only the values they use.
 */

import type { Cascade } from '../../../cascade/cascade-types.js';
import { compiledOf } from '../../../cascade/compile-cascade.js';
import { unpackableReason } from '../../../cascade/packed-prompt.js';
import { withoutTimeBound } from '../../../cascade/render-bounds.js';
import { renderTemplate } from '../../../cascade/templates.js';
import type { Tuple } from '../state/statement-calls.js';
import type { PairReader } from './small-side.js';

export const LEFT_SLOT = '<left/>';
export const RIGHT_SLOT = '<right/>';
/** Text that would make a block prompt read two ways: a value or template holding it goes pairwise. */
const MARKERS = [
  LEFT_SLOT,
  RIGHT_SLOT,
  '<left>',
  '</left>',
  '<right>',
  '</right>',
  '<shared>',
  '</shared>',
  '<pairs>',
  '</pairs>',
];

/**
 * Answers per block at most: each is a small JSON object (`{"result":false}`,
 * about 6 tokens), so 1024 of them stay well under gpt-4o's 16,384 output
 * tokens (max_output_tokens in gpt-tokenizer's model specs).
 */
export const MAX_BLOCK_PAIRS = 1024;

const SENTINEL_LEFT = '\u0001rvbbit-left\u0001';
const SENTINEL_RIGHT = '\u0001rvbbit-right\u0001';

/** The pair prompt with its two value slots, and the answer schema of one pair. */
export interface PairTemplate {
  /** The pair's prompt with {@link LEFT_SLOT} and {@link RIGHT_SLOT} where its values go. */
  readonly shared: string;
  readonly item: Readonly<Record<string, unknown>>;
}

/** A block: its values (each once) and its pairs as 0-based [left, right] indexes, with their tuples. */
export interface PairBlock {
  readonly lefts: readonly string[];
  readonly rights: readonly string[];
  readonly pairs: readonly (readonly [number, number])[];
  readonly tuples: readonly Tuple[];
}

const hasMarker = (text: string) => MARKERS.some((m) => text.includes(m));

function render(cascade: Cascade, inputs: Record<string, unknown>): string {
  const instructions = compiledOf(cascade).cells[0]!.instructions!;
  // As llm-cell.ts renders a run's prompt (run-session.ts scope); a warning shows in the pair's own run. Untimed
  // (render-bounds.ts withoutTimeBound): whether a group may take blocks must not depend on the machine's load.
  return withoutTimeBound(() =>
    renderTemplate(instructions, { input: inputs, outputs: {}, state: { turn: 1 } }, () => {}),
  );
}

/**
 * The pair prompt of a group as a template, or why there is none: the
 * cascade must pack (one cell with an output_schema, one turn), each value
 * must appear once in its prompt, and the template must give `sample`'s own
 * prompt back when its values are put in the slots.
 */
export function pairTemplate(
  cascade: Cascade,
  reader: PairReader,
  sample: Tuple,
): { template: PairTemplate } | { why: string } {
  const unpackable = unpackableReason(cascade);
  if (unpackable) return { why: `its cascade does not pack: ${unpackable}` };
  const sides = reader.sides(sample);
  if (!sides) return { why: 'its values are not a pair' };
  let shared: string;
  let own: string;
  try {
    shared = render(cascade, reader.withSides(sample, SENTINEL_LEFT, SENTINEL_RIGHT));
    own = render(cascade, sample.inputs as Record<string, unknown>);
  } catch (err) {
    return { why: `its prompt does not render: ${(err as Error).message}` };
  }
  if (shared.split(SENTINEL_LEFT).length !== 2 || shared.split(SENTINEL_RIGHT).length !== 2)
    return { why: 'its prompt does not state each value once' };
  shared = shared.replace(SENTINEL_LEFT, () => LEFT_SLOT).replace(SENTINEL_RIGHT, () => RIGHT_SLOT);
  if (MARKERS.some((m) => shared.split(m).length > (m === LEFT_SLOT || m === RIGHT_SLOT ? 2 : 1)))
    return { why: 'its prompt holds the block markup' };
  if (taskPrompt(shared, sides.a, sides.b) !== own) return { why: 'its prompt depends on its values' };
  return { template: { shared, item: answerSchema(cascade) } };
}

/** The answer schema of a one-cell cascade's run (its cell's output_schema; {} when it has none). */
export function answerSchema(cascade: Cascade): Readonly<Record<string, unknown>> {
  const cell = cascade.cells[0];
  return (cell?.kind === 'llm' ? cell.outputSchema : undefined) ?? {};
}

/** The prompt of the pair (left, right): the shared text with the values in its slots. */
export function taskPrompt(shared: string, left: string, right: string): string {
  return shared.replace(LEFT_SLOT, () => left).replace(RIGHT_SLOT, () => right);
}

/** Whether a tuple can go in a block: its values hold none of the block markup. */
export function blockable(reader: PairReader, t: Tuple): boolean {
  const s = reader.sides(t);
  return s !== null && !hasMarker(s.a) && !hasMarker(s.b);
}

/** Values per side of a block under `-- @ batch: n`: n, and m·n ≤ MAX_BLOCK_PAIRS. */
export function blockSide(batch: number): number {
  return Math.min(batch, Math.floor(Math.sqrt(MAX_BLOCK_PAIRS)));
}

/**
 * The tuples' blocks: the left values in first-seen order, `side` at a time;
 * for each such set, the right values its pairs use, `side` at a time (all
 * pairs of L × R values: ⌈L/side⌉ · ⌈R/side⌉ blocks). Pairs keep their
 * order within a block: left by left.
 */
export function tileBlocks(tuples: readonly Tuple[], reader: PairReader, side: number): PairBlock[] {
  // Each tuple's sides read once (a condition's are parsed from its labelled text).
  const sidesOf = new Map(tuples.map((t) => [t, reader.sides(t)!]));
  const rightOf = (t: Tuple) => sidesOf.get(t)!.b;
  const byLeft = new Map<string, Tuple[]>();
  for (const t of tuples) {
    const a = sidesOf.get(t)!.a;
    const g = byLeft.get(a);
    if (g) g.push(t);
    else byLeft.set(a, [t]);
  }
  const lefts = [...byLeft.keys()];
  const blocks: PairBlock[] = [];
  for (let i = 0; i < lefts.length; i += side) {
    const chunk = lefts.slice(i, i + side);
    const rightOrder = new Map<string, number>();
    for (const l of chunk)
      for (const t of byLeft.get(l)!) {
        const b = rightOf(t);
        if (!rightOrder.has(b)) rightOrder.set(b, rightOrder.size);
      }
    const rights = [...rightOrder.keys()];
    for (let j = 0; j < rights.length; j += side) {
      const tileRights = new Set(rights.slice(j, j + side));
      const usedLefts: string[] = [];
      const usedRights: string[] = [];
      const leftAt = new Map<string, number>();
      const rightAt = new Map<string, number>();
      const pairs: [number, number][] = [];
      const ts: Tuple[] = [];
      // Left by left, each left's pairs in their right values' order in the tile.
      for (const l of chunk) {
        const own = byLeft
          .get(l)!
          .filter((t) => tileRights.has(rightOf(t)))
          .sort((x, y) => rightOrder.get(rightOf(x))! - rightOrder.get(rightOf(y))!);
        for (const t of own) {
          const b = rightOf(t);
          if (!leftAt.has(l)) leftAt.set(l, usedLefts.push(l) - 1);
          if (!rightAt.has(b)) rightAt.set(b, usedRights.push(b) - 1);
          pairs.push([leftAt.get(l)!, rightAt.get(b)!]);
          ts.push(t);
        }
      }
      if (pairs.length > 0) blocks.push({ lefts: usedLefts, rights: usedRights, pairs, tuples: ts });
    }
  }
  return blocks;
}

/** `<pairs>`: one line per left value, `i: j …` (1-based), runs of right values as `a-b`. */
function pairLines(block: PairBlock): string {
  const byLeft = new Map<number, number[]>();
  for (const [l, r] of block.pairs) {
    const g = byLeft.get(l);
    if (g) g.push(r);
    else byLeft.set(l, [r]);
  }
  const lines: string[] = [];
  for (const [l, rs] of byLeft) {
    const runs: string[] = [];
    for (let k = 0; k < rs.length; ) {
      let e = k;
      while (e + 1 < rs.length && rs[e + 1] === rs[e]! + 1) e++;
      runs.push(e > k ? `${rs[k]! + 1}-${rs[e]! + 1}` : `${rs[k]! + 1}`);
      k = e + 1;
    }
    lines.push(`${l + 1}: ${runs.join(' ')}`);
  }
  return lines.join('\n');
}

/** The block's prompt (see the module's comment). */
export function blockPrompt(template: PairTemplate, block: PairBlock): string {
  const k = block.pairs.length;
  const values = (tag: string, texts: readonly string[]) =>
    texts.map((t) => `<${tag}>\n${t}\n</${tag}>`).join('\n');
  return (
    `There are ${k} separate tasks below, one per pair listed in <pairs>: the line "i: j …" pairs the i-th ` +
    `<left> value with each j-th <right> value listed ("a-b" is a to b), in that order. Their instructions ` +
    `are stated once, in the <shared> block: each task is that text with its left value in place of ` +
    `${LEFT_SLOT} and its right value in place of ${RIGHT_SLOT}. Do each task on its own, exactly as if it ` +
    `were the only one. Answer with JSON {"answers": [...]} holding exactly ${k} answers, the i-th answering ` +
    `the i-th pair, each in the form its task asks for.\n\n<shared>\n${template.shared}\n</shared>\n` +
    `${values('left', block.lefts)}\n${values('right', block.rights)}\n<pairs>\n${pairLines(block)}\n</pairs>`
  );
}

/** The answers' schema of a block of k pairs (the block cascade's `answers`). */
export function blockAnswers(template: PairTemplate, k: number): Record<string, unknown> {
  return { type: 'array', items: template.item, minItems: k, maxItems: k };
}

/** The block cascade's inputs for a block. */
export function blockInputs(template: PairTemplate, block: PairBlock): Record<string, unknown> {
  return {
    prompt: blockPrompt(template, block),
    answers: JSON.stringify(blockAnswers(template, block.pairs.length)),
  };
}

/** A block that did not answer, in halves: its left values split, else its right values; a single pair: none. */
export function halves(block: PairBlock): PairBlock[] {
  if (block.pairs.length <= 1) return [];
  const byLefts = block.lefts.length > 1;
  const cut = Math.ceil((byLefts ? block.lefts.length : block.rights.length) / 2);
  const parts: [number, number][][] = [[], []];
  const tuples: Tuple[][] = [[], []];
  block.pairs.forEach(([l, r], i) => {
    const h = (byLefts ? l : r) < cut ? 0 : 1;
    parts[h]!.push([l, r]);
    tuples[h]!.push(block.tuples[i]!);
  });
  return [0, 1].flatMap((h) => {
    if (parts[h]!.length === 0) return [];
    const leftAt = new Map<number, number>();
    const rightAt = new Map<number, number>();
    const lefts: string[] = [];
    const rights: string[] = [];
    const pairs = parts[h]!.map(([l, r]) => {
      if (!leftAt.has(l)) leftAt.set(l, lefts.push(block.lefts[l]!) - 1);
      if (!rightAt.has(r)) rightAt.set(r, rights.push(block.rights[r]!) - 1);
      return [leftAt.get(l)!, rightAt.get(r)!] as const;
    });
    return [{ lefts, rights, pairs, tuples: tuples[h]! }];
  });
}
