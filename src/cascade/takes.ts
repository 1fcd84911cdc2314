/**
 * `takes`: run a cell `factor` times in parallel (each prompt says "Take i of
 * n", so a deterministic model can differ) and keep one output: the
 * evaluator's pick, or without an evaluator the first valid take in order.
 */
import { CascadeErrorCode } from './cascade-error.js';
import type { LlmCell } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import type { CompiledCell } from './compile-cascade.js';
import { interpret, modelFor, runTurns } from './llm-cell.js';
import { callModel } from './model-call.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';
import { RenderStopped } from './render-bounds.js';
import type { RunSession } from './run-session.js';
import { renderTemplate } from './templates.js';

const STOP_CODES: ReadonlySet<string> = new Set([CascadeErrorCode.Aborted, CascadeErrorCode.Timeout]);

export async function runTakes(session: RunSession, cell: LlmCell, compiled: CompiledCell): Promise<unknown> {
  const factor = cell.takes!.factor;
  const settled = await Promise.allSettled(
    Array.from({ length: factor }, (_, index) => runTurns(session, cell, compiled, { index, of: factor })),
  );
  session.throwIfStopped();
  const valid: { take: number; output: unknown }[] = [];
  const failures: CellFailure[] = [];
  settled.forEach((s, take) => {
    if (s.status === 'fulfilled') valid.push({ take, output: s.value });
    else if (s.reason instanceof CellFailure) failures.push(s.reason);
    else throw s.reason;
  });
  if (valid.length === 0) {
    const first = failures[0]!;
    throw new CellFailure(first.code, `all ${factor} takes failed; take 1: ${first.message}`);
  }
  for (const f of failures) session.warn(`cell "${cell.name}": a take failed: ${f.code}: ${f.message}`);
  if (!compiled.evaluator || valid.length === 1) return valid[0]!.output;
  try {
    const pick = await evaluate(
      session,
      cell,
      compiled,
      valid.map((v) => v.output),
    );
    return valid[pick]!.output;
  } catch (err) {
    if (!(err instanceof CellFailure) || STOP_CODES.has(err.code)) throw err;
    session.warn(
      `cell "${cell.name}": the evaluator failed (${err.code}: ${err.message}); kept the first valid take`,
    );
    return valid[0]!.output;
  }
}

const pickValidators = new Map<number, { schema: Record<string, unknown>; validate: OutputValidator }>();

function pickSchema(count: number): { schema: Record<string, unknown>; validate: OutputValidator } {
  let entry = pickValidators.get(count);
  if (!entry) {
    const schema = {
      type: 'object',
      required: ['index'],
      additionalProperties: false,
      properties: { index: { type: 'integer', minimum: 0, maximum: count - 1 } },
    };
    entry = { schema, validate: compileOutputSchema(schema) };
    pickValidators.set(count, entry);
  }
  return entry;
}

/** Asks the model which candidate is best; returns its 0-based index. */
async function evaluate(
  session: RunSession,
  cell: LlmCell,
  compiled: CompiledCell,
  candidates: unknown[],
): Promise<number> {
  let instructions: string;
  try {
    instructions = renderTemplate(
      compiled.evaluator!,
      { ...session.scope(), candidates },
      (w) => session.warn(`cell "${cell.name}": evaluator_instructions: ${w}`),
      session.statementSignal,
    );
  } catch (err) {
    if (err instanceof RenderStopped) throw session.stopFailure();
    throw new CellFailure(CascadeErrorCode.Template, `evaluator_instructions: ${(err as Error).message}`);
  }
  const listed = candidates
    .map((c, i) => `[${i}] ${typeof c === 'string' ? c : JSON.stringify(c)}`)
    .join('\n');
  const { schema, validate } = pickSchema(candidates.length);
  const prompt = `${instructions}\n\nCandidates:\n${listed}\n\nAnswer as JSON: {"index": <the number of the best candidate>}.`;
  let messages = [{ role: 'user' as const, content: prompt }];
  let why = '';
  for (let attempt = 1; attempt <= cell.rules.maxAttempts; attempt++) {
    const answer = await callModel(session, {
      cell: cell.name,
      model: modelFor(session, cell),
      messages,
      responseFormat: { name: 'pick_take', schema },
      role: 'evaluator',
      attempt,
      turn: 1,
    });
    const checked = answer.rejected
      ? { ok: false as const, ...answer.rejected }
      : interpret(answer.content, { validate });
    if (checked.ok) {
      answer.remember();
      return (checked.value as { index: number }).index;
    }
    why = checked.why;
    messages = [{ role: 'user', content: `${prompt}\n\nYour previous answer was not valid: ${why}.` }];
  }
  throw new CellFailure(CascadeErrorCode.OutputInvalid, why);
}
