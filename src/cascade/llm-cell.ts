/**
 * A cell with instructions: render the prompt, call the model, validate the
 * answer (retrying with the problem appended), loop turns until `loop_until`.
 */
import type { ErrorCode } from '../../base/errors.js';
import { PROXY_TOP_LOGPROBS } from '../llm/logprobs.js';
import type { ChatMessage, ResponseFormat } from '../llm/types.js';
import { parseJsonAnswer, textOrJson } from './answer-parse.js';
import { countedSchema } from './batch-schema.js';
import { modelOverride } from './call-spec.js';
import { CascadeErrorCode } from './cascade-error.js';
import type { Cascade, LlmCell } from './cascade-types.js';
import { CellFailure } from './cell-failure.js';
import { type CompiledCell, placeInFile } from './compile-cascade.js';
import {
  CONFIDENCE_LINE,
  confidenceSchema,
  withLabelConfidence,
  withLogprobConfidence,
} from './confidence.js';
import { JinjaRenderError } from './jinja-positions.js';
import { callModel } from './model-call.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';
import { packedPrompt, packedSchema } from './packed-prompt.js';
import { RenderOverrun, RenderStopped } from './render-bounds.js';
import type { RunSession } from './run-session.js';
import { renderTemplate } from './templates.js';

const ECHOED_ANSWER_CHARS = 2_000;

export function modelFor(session: RunSession, cell: LlmCell): string {
  const { ctx, cascade } = session;
  return modelOverride(ctx.call) ?? cell.model ?? cascade.model ?? ctx.defaultModel;
}

/**
 * The cell's schema and validator, with the BATCH item count applied to the
 * last cell, and enum templates rendered for this run (enum-template.ts).
 */
function effective(session: RunSession, cell: LlmCell, compiled: CompiledCell) {
  const warn = (w: string) => session.warn(`cell "${cell.name}": output_schema template: ${w}`);
  try {
    return schemaFor(session.cascade, cell, compiled, {
      scope: session.scope(),
      pack: session.ctx.packRows?.length,
      askConfidence: session.ctx.call?.askConfidence === true,
      outputItems: session.ctx.call?.outputItems,
      warn,
      signal: session.statementSignal,
    });
  } catch (err) {
    throw session.renderFailure(err, 'output_schema');
  }
}

/** What a call's schema depends on besides the cell: the run's scope and how it calls. */
export interface CallShape {
  readonly scope: Record<string, unknown>;
  /** Tuples in the packed prompt (packed-prompt.ts), or undefined: one tuple. */
  readonly pack?: number | undefined;
  readonly askConfidence?: boolean;
  /** BATCH's item count for the last cell. */
  readonly outputItems?: number | undefined;
  readonly warn: (w: string) => void;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The schema a call of `cell` sends and its validator: the run's (effective)
 * and EXPLAIN's (plan/call-cost.ts) one rule. A template's render error is thrown.
 */
export function schemaFor(cascade: Cascade, cell: LlmCell, compiled: CompiledCell, shape: CallShape) {
  const { pack, askConfidence, warn, signal } = shape;
  const forScope = (templated: NonNullable<CompiledCell['templated']>, n?: number) =>
    templated.forScope(shape.scope, warn, n, signal);
  // A templated schema renders from this run's inputs (a packed run's are its first tuple's: the
  // worker packs only tuples whose schema renders the same, packed-prompt.ts packGroups).
  const base =
    (pack || askConfidence) && compiled.templated ? forScope(compiled.templated).schema : cell.outputSchema;
  const own = askConfidence && base ? confidenceSchema(base) : undefined;
  if (pack && base) return packedSchema(own ?? base, pack);
  if (own) return confidenceValidated(own);
  const n = shape.outputItems;
  const isLast = cell.index === cascade.cells.length - 1;
  if (compiled.templated) return forScope(compiled.templated, isLast ? n : undefined);
  const counted = n !== undefined && isLast ? countedSchema(cascade, cell, n) : undefined;
  return counted ?? { schema: cell.outputSchema, validate: compiled.validate };
}

const validatorBySchema = new WeakMap<
  object,
  { schema: Readonly<Record<string, unknown>>; validate: OutputValidator }
>();

/** A derived schema (confidence.ts) with its validator, compiled once per schema. */
function confidenceValidated(schema: Readonly<Record<string, unknown>>) {
  let hit = validatorBySchema.get(schema);
  if (!hit) {
    hit = { schema, validate: compileOutputSchema(schema) };
    validatorBySchema.set(schema, hit);
  }
  return hit;
}

const formatBySchema = new WeakMap<object, Map<string, ResponseFormat>>();

/**
 * One ResponseFormat object per schema and name: the client serialises a
 * response_format once per object, so a fresh object per run meant a
 * JSON.stringify of the schema on every call.
 */
function responseFormatFor(name: string, schema: Record<string, unknown>): ResponseFormat {
  let byName = formatBySchema.get(schema);
  if (!byName) {
    byName = new Map();
    formatBySchema.set(schema, byName);
  }
  let rf = byName.get(name);
  if (!rf) {
    rf = { name, schema };
    byName.set(name, rf);
  }
  return rf;
}

/** One candidate: every turn of the cell. `take` varies the prompt for takes. */
export async function runTurns(
  session: RunSession,
  cell: LlmCell,
  compiled: CompiledCell,
  take?: { readonly index: number; readonly of: number },
): Promise<unknown> {
  const { maxTurns, loopUntil } = cell.rules;
  let previous: unknown;
  for (let turn = 1; turn <= maxTurns; turn++) {
    const state = { turn, ...(turn > 1 ? { previous } : {}), ...(take ? { take: take.index } : {}) };
    const prompt = render(session, cell, compiled, state);
    // The output schema is not stated here: the client sends it as response_format, or states it in a
    // system message for a model that does not take one (llm/request-body.ts), never both.
    const messages: ChatMessage[] = [
      { role: 'user', content: take ? `${prompt}\n\n(Take ${take.index + 1} of ${take.of}.)` : prompt },
    ];
    if (turn > 1) {
      messages.push({ role: 'assistant', content: asText(previous) });
      const until = loopUntil ? `; set "${loopUntil}" to true when the task is done` : '';
      messages.push({
        role: 'user',
        content: `Turn ${turn} of ${maxTurns}: continue from your previous answer${until}.`,
      });
    }
    previous = await runAttempts(session, cell, compiled, messages, turn, take?.index);
    if (loopUntil && isRecord(previous) && previous[loopUntil] === true) return previous;
  }
  if (loopUntil) session.warn(`cell "${cell.name}": "${loopUntil}" was not true after ${maxTurns} turns`);
  return previous;
}

function render(
  session: RunSession,
  cell: LlmCell,
  compiled: CompiledCell,
  state: Record<string, unknown>,
): string {
  const warn = (w: string) => session.warn(`cell "${cell.name}": instructions: ${w}`);
  try {
    return promptFor(cell, compiled, {
      scope: session.scope(state),
      packRows: session.ctx.packRows,
      askConfidence: session.ctx.call?.askConfidence === true,
      warn,
      signal: session.statementSignal,
    });
  } catch (err) {
    if (err instanceof RenderStopped) throw session.stopFailure();
    // A Jinja render error knows its line:column in the template; the cell knows where that starts in the
    // file. An overrun belongs to the whole template: it is placed at the template's start.
    const inTemplate =
      err instanceof JinjaRenderError
        ? err
        : err instanceof RenderOverrun
          ? { line: 1, column: 1, what: err.message }
          : undefined;
    if (inTemplate && cell.instructionsAt && session.cascade.file) {
      const at = placeInFile(cell.instructionsAt, inTemplate.line, inTemplate.column);
      const where = `${session.cascade.file}:${at.line}:${at.column}: cells[${cell.index}].instructions`;
      throw new CellFailure(CascadeErrorCode.Template, `${where}: ${inTemplate.what}`);
    }
    throw new CellFailure(CascadeErrorCode.Template, `instructions: ${(err as Error).message}`);
  }
}

/**
 * A call's user message before any retry: the cell's instructions rendered
 * for the run's scope, or each packed tuple's in one packed prompt. The run's
 * (render) and EXPLAIN's (plan/call-cost.ts) one rule. A render error is thrown.
 */
export function promptFor(
  cell: LlmCell,
  compiled: CompiledCell,
  o: {
    readonly scope: Record<string, unknown>;
    readonly packRows?: readonly Readonly<Record<string, unknown>>[] | undefined;
    readonly askConfidence?: boolean;
    readonly warn: (w: string) => void;
    readonly signal?: AbortSignal | undefined;
  },
): string {
  const tail = o.askConfidence && cell.outputSchema ? CONFIDENCE_LINE : '';
  if (o.packRows) {
    return packedPrompt(
      o.packRows.map(
        (input) => renderTemplate(compiled.instructions!, { ...o.scope, input }, o.warn, o.signal) + tail,
      ),
    );
  }
  return renderTemplate(compiled.instructions!, o.scope, o.warn, o.signal) + tail;
}

/** Calls until an answer passes validation or attempts run out. */
async function runAttempts(
  session: RunSession,
  cell: LlmCell,
  compiled: CompiledCell,
  base: readonly ChatMessage[],
  turn: number,
  take: number | undefined,
): Promise<unknown> {
  const model = modelFor(session, cell);
  const { schema, validate } = effective(session, cell, compiled);
  const responseFormat = schema ? responseFormatFor(`${cell.name}_output`, schema) : undefined;
  let messages = base;
  let failure: CellFailure | undefined;
  // A packed answer that does not fit is split in half by the worker: that is its retry.
  const attempts = session.ctx.packRows ? 1 : cell.rules.maxAttempts;
  // A proxy's run asks for logprobs too: where the provider gives them they score the answer (confidence.ts).
  const logprobs = session.ctx.call?.askConfidence ? { topLogprobs: PROXY_TOP_LOGPROBS } : {};
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const logged = session.calls.length;
    const answer = await callModel(session, {
      cell: cell.name,
      model,
      messages,
      ...(responseFormat ? { responseFormat } : {}),
      role: 'cell',
      attempt,
      turn,
      ...(take !== undefined ? { take } : {}),
      ...logprobs,
    });
    const checked = answer.rejected
      ? { ok: false as const, ...answer.rejected }
      : interpret(answer.content, { validate });
    if (checked.ok) {
      answer.remember();
      if (!session.ctx.call?.askConfidence) return checked.value;
      const scored = answer.trueProbabilities
        ? withLogprobConfidence(checked.value, answer.trueProbabilities)
        : checked.value;
      // A label's answer (no boolean result) is scored by its label's tokens.
      return answer.labelProbabilities ? withLabelConfidence(scored, answer.labelProbabilities) : scored;
    }
    failure = new CellFailure(
      checked.code,
      `${checked.why} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
    );
    markInvalid(session, logged, checked);
    const again = cell.outputSchema
      ? 'Answer again with only JSON that matches the schema.'
      : 'Answer again.';
    const echoed: ChatMessage[] = answer.content.trim()
      ? [{ role: 'assistant', content: answer.content.slice(0, ECHOED_ANSWER_CHARS) }]
      : [];
    messages = [
      ...base,
      ...echoed,
      { role: 'user', content: `Your answer was not valid: ${checked.why}. ${again}` },
    ];
  }
  throw failure!;
}

type Interpreted =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: ErrorCode; readonly why: string };

/** Reads and validates one answer. */
export function interpret(content: string, compiled: Pick<CompiledCell, 'validate'>): Interpreted {
  if (content.trim() === '')
    return { ok: false, code: CascadeErrorCode.OutputEmpty, why: 'the answer is empty' };
  if (!compiled.validate) return { ok: true, value: textOrJson(content) };
  const parsed = parseJsonAnswer(content);
  if (!parsed.ok) return { ok: false, code: CascadeErrorCode.OutputInvalid, why: parsed.why };
  const problem = compiled.validate(parsed.value);
  if (problem)
    return {
      ok: false,
      code: CascadeErrorCode.OutputInvalid,
      why: `the answer does not match output_schema: ${problem}`,
    };
  return { ok: true, value: parsed.value };
}

/**
 * The call that answered invalidly is logged as an error with the reason
 * (rvbbit.unified_logs status/error), not as 'ok': the answer was not used.
 */
function markInvalid(session: RunSession, at: number, why: { code: string; why: string }): void {
  const rec = session.calls[at];
  if (rec === undefined || rec.status !== 'ok' || rec.cache_hit) return;
  session.calls[at] = { ...rec, status: 'error', error: `${why.code}: ${why.why}` };
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
