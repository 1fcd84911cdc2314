/**
 * Operator tuples packed into one prompt (`-- @ batch: n`): a scalar
 * operator's cascade, written for one tuple, answers n at once. Each tuple's
 * prompt is rendered as it would be alone; the text all of them share (the
 * instructions) is stated once and each `<row>` block holds the rest; the
 * schema asks for `{ "answers": [...] }` with exactly n items, each matching
 * the cell's own output_schema. A wrong count or shape fails the run (one
 * attempt: the split in half is the retry, workers/cascade-worker.ts).
 */
import type { Cascade } from './cascade-types.js';
import { compiledOf } from './compile-cascade.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';

type Schema = Readonly<Record<string, unknown>>;

/**
 * Why a cascade cannot be packed, or null when it can: one LLM cell with an
 * output_schema, one turn, no takes. Anything else (tools, several cells, a
 * loop) has state per tuple that one shared prompt cannot hold.
 */
export function unpackableReason(cascade: Cascade): string | null {
  if (cascade.cells.length !== 1) return `it has ${cascade.cells.length} cells`;
  const cell = cascade.cells[0]!;
  if (cell.kind !== 'llm') return 'its cell is a tool';
  if (!cell.outputSchema) return 'its cell has no output_schema';
  if (cell.takes) return 'its cell uses takes';
  if (cell.rules.maxTurns !== 1) return 'its cell loops over turns';
  return null;
}

/**
 * Tuples split by the output schema their run would render (a templated
 * enum or subschema differs per tuple: a classify's labels, LLM's RETURNING
 * type), in order of first appearance: one packed prompt holds one schema.
 * A tuple whose schema does not render goes alone (its run reports why).
 */
export function packGroups<T extends { readonly inputs: Readonly<Record<string, unknown>> }>(
  cascade: Cascade,
  rows: readonly T[],
  /** The statement's, so the renders stop with it and stay bounded (templates.ts). */
  signal?: AbortSignal,
): T[][] {
  const templated = compiledOf(cascade).cells[0]?.templated;
  if (!templated) return [[...rows]];
  const groups = new Map<unknown, T[]>();
  rows.forEach((row, i) => {
    let key: unknown;
    try {
      // forScope returns one object per distinct rendering: its identity is the key.
      key = templated.forScope(
        { input: row.inputs, outputs: {}, state: {} },
        () => {},
        undefined,
        signal,
      ).schema;
    } catch {
      key = `unrendered ${i}`;
    }
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  });
  return [...groups.values()];
}

const packed = new WeakMap<Schema, Map<number, { schema: Schema; validate: OutputValidator }>>();

/** `{ answers: [item × n] }`, compiled once per (schema, n). */
export function packedSchema(item: Schema, n: number): { schema: Schema; validate: OutputValidator } {
  let byCount = packed.get(item);
  if (!byCount) {
    byCount = new Map();
    packed.set(item, byCount);
  }
  let hit = byCount.get(n);
  if (!hit) {
    const schema = {
      type: 'object',
      required: ['answers'],
      additionalProperties: false,
      properties: { answers: { type: 'array', items: item, minItems: n, maxItems: n } },
    };
    hit = { schema, validate: compileOutputSchema(schema) };
    byCount.set(n, hit);
  }
  return hit;
}

/** Marks where a row's own text goes in the `<shared>` block. */
export const ROW_SLOT = '<row/>';

/**
 * The packed prompt. Every tuple's prompt is rendered as it would be alone;
 * the text they all share — the longest common prefix ending at a line break
 * (the cascade's fixed instructions and any argument the same for every row,
 * such as a MEANS criterion) and the longest common suffix starting at one —
 * is stated once in a `<shared>` block with {@link ROW_SLOT} where the rows
 * differ, and each `<row>` block holds only its tuple's differing text:
 *
 *     2 tasks, one per <row>: each is the <shared> text with its row in place of <row/>. …
 *
 *     <shared>
 *     Does the text satisfy the criterion? …
 *     <criterion>eco friendly</criterion>
 *     <row/>
 *
 *     </shared>
 *     <row>
 *     <text>bamboo toothbrush</text>
 *     </row>
 *     <row>
 *     <text>steel knife</text>
 *     </row>
 *
 * Task i is exactly `prefix + row i + suffix`, the prompt the tuple has alone
 * (the simulator rebuilds it so: src/sim/packed.ts). With one tuple, nothing
 * shared, shared text that holds the markers, or when stating it once is not
 * shorter, every tuple's whole prompt goes in its `<row>` block (the plain
 * form). The shared part comes first and is the same for every call of n
 * tuples of one statement, so a provider's prompt cache can serve it.
 */
export function packedPrompt(prompts: readonly string[]): string {
  const n = prompts.length;
  const rows = (texts: readonly string[]) => texts.map((p) => `<row>\n${p}\n</row>`).join('\n');
  // The answers' JSON (an `answers` array of exactly n items) is the schema's to state: it goes as
  // response_format, or in the client's system message (llm/request-body.ts), never here too.
  const answerLine = 'Answer each on its own; answer i is for row i.';
  const plain = `${n} tasks, one per <row>. ${answerLine}\n\n${rows(prompts)}`;
  const split = n > 1 ? sharedSplit(prompts) : undefined;
  if (!split) return plain;
  const { prefix, suffix } = split;
  const middles = prompts.map((p) => p.slice(prefix.length, p.length - suffix.length));
  const shared =
    `${n} tasks, one per <row>: each is the <shared> text with its row in place of ${ROW_SLOT}. ` +
    `${answerLine}\n\n<shared>\n${prefix}${ROW_SLOT}${suffix}\n</shared>\n${rows(middles)}`;
  return shared.length < plain.length ? shared : plain;
}

/**
 * The text every prompt starts with (up to and including a line break) and
 * ends with (from a line break), not overlapping in the shortest prompt;
 * undefined when there is none or it holds the packed form's markers.
 */
export function sharedSplit(prompts: readonly string[]): { prefix: string; suffix: string } | undefined {
  const first = prompts[0]!;
  let shortest = first.length;
  let head = first.length;
  let tail = first.length;
  for (const p of prompts) {
    shortest = Math.min(shortest, p.length);
    head = Math.min(head, p.length);
    let i = 0;
    while (i < head && p.charCodeAt(i) === first.charCodeAt(i)) i++;
    head = i;
    tail = Math.min(tail, p.length);
    let j = 0;
    while (j < tail && p.charCodeAt(p.length - 1 - j) === first.charCodeAt(first.length - 1 - j)) j++;
    tail = j;
  }
  const prefix = head === 0 ? '' : first.slice(0, first.lastIndexOf('\n', head - 1) + 1);
  const room = Math.min(tail, shortest - prefix.length);
  const end = first.slice(first.length - room);
  const at = end.indexOf('\n');
  const suffix = at < 0 ? '' : end.slice(at);
  if (prefix === '' && suffix === '') return undefined;
  const both = prefix + suffix;
  if (
    both.includes(ROW_SLOT) ||
    both.includes('<shared>') ||
    both.includes('</shared>') ||
    both.includes('<row>')
  )
    return undefined;
  return { prefix, suffix };
}
