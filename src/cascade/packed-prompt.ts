/**
 * Operator tuples packed into one prompt (`-- @ batch: n`): a scalar
 * operator's cascade, written for one tuple, answers n at once. Each tuple's
 * prompt is rendered as it would be alone and wrapped in a `<row>` block; the
 * schema asks for `{ "answers": [...] }` with exactly n items, each matching
 * the cell's own output_schema. A wrong count or shape fails the run (one
 * attempt: the split in half is the retry, workers/cascade-worker.ts).
 */
import type { Cascade } from './cascade-types.js';
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
  // An enum rendered from the inputs differs per tuple; one shared schema cannot hold it.
  if (/\{[{%]/.test(JSON.stringify(cell.outputSchema))) return 'its output_schema is a template';
  return null;
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

/**
 * The packed prompt: every tuple's own prompt in a `<row>` block, in order.
 * The shared part comes first (the header, the same for every call of n
 * tuples, then the first row, whose prompt opens with the cascade's fixed
 * instructions), so a provider's prompt cache can serve it across calls.
 */
export function packedPrompt(prompts: readonly string[]): string {
  const n = prompts.length;
  const rows = prompts.map((p) => `<row>\n${p}\n</row>`).join('\n');
  return (
    `There are ${n} separate tasks below, one per <row> block. Do each task on its own, ` +
    `exactly as if it were the only one. Answer with JSON {"answers": [...]} holding exactly ${n} ` +
    `answers, the i-th answering the i-th row, each in the form that row asks for.\n\n${rows}`
  );
}
