/**
 * What an operator's calls cost, from the run's own code: each call's user
 * message rendered by the cell's prompt rule (cascade/llm-cell.ts
 * promptFor; packed prompts by packed-prompt.ts, in the groups the worker
 * packs), its schema by the run's schema rule (llm-cell.ts schemaFor) in the
 * strict form the client sends (llm/structured.ts), counted as the client
 * counts a request (llm/token-count.ts: o200k_base, the chat markup, each
 * image at its detail by OpenAI's rule in llm/images.ts, and the
 * response_format's schema); the answer as the smallest JSON the schema
 * allows — its true size when the schema fixes it (a boolean, a label, a
 * packed answer's n items). A free-text answer (a string with no labels,
 * an array of no fixed length: LLM(… RETURNING VARCHAR), a summary) is as
 * long as the model makes it: the run asks for no length but the
 * statement's max_tokens, so that is its price when set (the most the run
 * lets it have), else its least; EXPLAIN says which (freeTextCalls).
 * EXPLAIN prints these and the pair planner picks by them.
 */
import type { Cascade, LlmCell } from '../cascade/cascade-types.js';
import { compiledOf } from '../cascade/compile-cascade.js';
import { promptFor, schemaFor } from '../cascade/llm-cell.js';
import { packGroups } from '../cascade/packed-prompt.js';
import { withoutTimeBound } from '../cascade/render-bounds.js';
import { imageBoundedBatches } from '../llm/image-files.js';
import { splitImages } from '../llm/images.js';
import { requestTokensNow, textTokensNow } from '../llm/token-count.js';
import { tokensPerRun } from './estimate.js';

export interface CallsCost {
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Of `calls`, those whose answer is free text: priced at max_tokens when given, else at their least. */
  readonly freeTextCalls: number;
}

/** One request's price; `freeText` when its answer's length is the model's (see the header). */
export interface RequestCost {
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly freeText: boolean;
}

type Inputs = Readonly<Record<string, unknown>>;

/** A schema's tokens in the request and its least answer's, counted once per schema object (the run's are shared). */
const SCHEMA_COST = new WeakMap<object, RequestCost>();

/** A render problem is the run's to report: the estimate renders quietly. */
const QUIET = () => {};

/** The cascade's one model call, when it makes exactly one a run (one LLM cell, one turn, one take). */
function singleCall(cascade: Cascade): LlmCell | undefined {
  const llm = cascade.cells.filter((c): c is LlmCell => c.kind === 'llm');
  if (cascade.cells.length !== 1 || llm.length !== 1) return undefined;
  const cell = llm[0]!;
  return cell.takes || cell.rules.maxTurns > 1 ? undefined : cell;
}

/**
 * One call's request, as the run makes it for `rows` (one tuple: an
 * ordinary call; more: one packed prompt): its prompt tokens (the
 * response_format's schema included) and its answer's at least.
 */
export function requestCost(cascade: Cascade, rows: readonly Inputs[], maxTokens?: number): RequestCost {
  const cost = leastRequestCost(cascade, rows);
  // The run sends max_tokens on every call: a free-text answer may fill it.
  return cost.freeText && maxTokens !== undefined ? { ...cost, tokensOut: maxTokens } : cost;
}

function leastRequestCost(cascade: Cascade, rows: readonly Inputs[]): RequestCost {
  const cell = singleCall(cascade);
  if (!cell) return { ...tokensPerRun(cascade, rows[0]), freeText: true };
  let prompt: string;
  let schema: Readonly<Record<string, unknown>> | undefined;
  try {
    // Untimed (steps and size still bound it): the figure must not depend on the machine's load.
    ({ prompt, schema } = renderRequest(cascade, cell, rows));
  } catch {
    // A template that does not render (or overruns its bounds) fails that call when run, which reports why;
    // the estimate prices the call by its instructions and values instead.
    return { ...tokensPerRun(cascade, rows[0]), freeText: !cell.outputSchema };
  }
  // The request as the client sends it to a model at json_schema (the mode a model starts at).
  const messages = [{ role: 'user' as const, content: prompt }];
  if (!schema)
    return {
      tokensIn: requestTokensNow({ messages }, 'json_schema'),
      tokensOut: textTokensNow('x'),
      freeText: true,
    };
  let counted = SCHEMA_COST.get(schema);
  if (!counted) {
    const responseFormat = { name: `${cell.name}_output`, schema };
    counted = {
      // The schema's share of a request: the request with it less the request without it.
      tokensIn:
        requestTokensNow({ messages: [], responseFormat }, 'json_schema') -
        requestTokensNow({ messages: [] }, 'json_schema'),
      tokensOut: textTokensNow(JSON.stringify(smallestAnswer(schema))),
      freeText: isFreeText(schema),
    };
    SCHEMA_COST.set(schema, counted);
  }
  return {
    tokensIn: requestTokensNow({ messages }, 'json_schema') + counted.tokensIn,
    tokensOut: counted.tokensOut,
    freeText: counted.freeText,
  };
}

/**
 * An upper bound on requestCost without the tokenizer (whose o200k_base
 * ranks take ~20 MB of the main thread's heap and a load): no token is
 * shorter than one UTF-8 byte, so a request's tokens are at most its
 * prompt's bytes, its schema's twice over (the response_format's framing
 * and the least answer drawn from it) and the chat markup's few. Undefined
 * when a value holds an image (its tokens are its tiles', not its bytes) or
 * the cascade is not one call.
 */
export function requestBound(
  cascade: Cascade,
  rows: readonly Inputs[],
): { tokensIn: number; tokensOut: number } | undefined {
  const cell = singleCall(cascade);
  if (!cell) return undefined;
  if (
    rows.some((r) => Object.values(r).some((v) => typeof v === 'string' && splitImages(v).images.length > 0))
  )
    return undefined;
  try {
    // Untimed, as requestCost renders: the bound must not depend on the machine's load.
    const { prompt, schema } = renderRequest(cascade, cell, rows);
    const schemaBytes = schema ? Buffer.byteLength(JSON.stringify(schema)) : 0;
    const answerBytes = schema ? Buffer.byteLength(JSON.stringify(smallestAnswer(schema))) : 1;
    return {
      tokensIn: Buffer.byteLength(prompt) + 2 * schemaBytes + CHAT_MARKUP_TOKENS,
      tokensOut: answerBytes,
    };
  } catch {
    return undefined;
  }
}

/** More than the chat markup of one user message and a response_format's name ever counts. */
const CHAT_MARKUP_TOKENS = 64;

/**
 * How the run hands one target's tuples to its workers (statements/semantic/calls/call-runner.ts
 * dispatchLayout): pages of `pageTuples` (Infinity: one), each cut into chunks of `chunkRuns` runs (a packed
 * chunk: that many prompts, `chunkRuns` × the pack in tuples); a worker packs within its chunk only.
 */
export interface DispatchLayout {
  readonly pageTuples: number;
  readonly chunkRuns: number;
}

/**
 * The requests for `tuples` of one operator, as the run makes them: one
 * each, or, packed, within each chunk of the dispatch `layout` (the whole
 * list when none is given) up to `perPrompt` to a prompt, cut where a pack's
 * image files would hold more than `imageLimit` bytes
 * (llm/image-files.ts imageBoundedBatches), then split where their
 * templated schemas differ (packGroups): the worker's order
 * (workers/cascade-worker.ts). A pack of one is an ordinary call. A cut
 * pack (images, schemas) can straddle a chunk's end, so the chunks matter.
 */
export function requestRows(
  cascade: Cascade,
  tuples: readonly Inputs[],
  perPrompt: number,
  imageLimit?: number,
  layout?: DispatchLayout,
): (readonly Inputs[])[] {
  const requests: (readonly Inputs[])[] = [];
  if (perPrompt <= 1) {
    for (const t of tuples) requests.push([t]);
    return requests;
  }
  const slices = <T>(xs: readonly T[], n: number): (readonly T[])[] => {
    if (!Number.isFinite(n) || xs.length <= n) return [xs];
    const out: T[][] = [];
    for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
    return out;
  };
  const rows = tuples.map((inputs) => ({ inputs }));
  for (const page of slices(rows, layout?.pageTuples ?? Number.POSITIVE_INFINITY))
    for (const chunk of slices(page, layout ? perPrompt * layout.chunkRuns : Number.POSITIVE_INFINITY))
      for (const batch of imageBoundedBatches(chunk, perPrompt, imageLimit)) {
        if (batch.length === 1) requests.push([batch[0]!.inputs]);
        else for (const group of packGroups(cascade, batch)) requests.push(group.map((r) => r.inputs));
      }
  return requests;
}

/**
 * The calls for `tuples` of one operator, as requestRows lays them out,
 * each priced by requestCost.
 */
export async function tuplesCost(
  cascade: Cascade,
  tuples: readonly Inputs[],
  perPrompt: number,
  imageLimit?: number,
  /** The statement's max_tokens, sent on every call: a free-text answer's price (see the header). */
  maxTokens?: number,
  /** How the run's dispatcher cuts the tuples (absent: one chunk). */
  layout?: DispatchLayout,
): Promise<CallsCost> {
  const requests = requestRows(cascade, tuples, perPrompt, imageLimit, layout);
  let tokensIn = 0;
  let tokensOut = 0;
  let freeTextCalls = 0;
  let sliceStart = performance.now();
  for (const rows of requests) {
    const c = requestCost(cascade, rows, maxTokens);
    tokensIn += c.tokensIn;
    tokensOut += c.tokensOut;
    if (c.freeText) freeTextCalls++;
    // Every call's prompt is rendered and counted on the thread EXPLAIN runs on (a server's main
    // thread): in slices, other work (other clients) running between them.
    if (performance.now() - sliceStart >= PRICE_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return { calls: requests.length, tokensIn, tokensOut, freeTextCalls };
}

/** How long pricing may hold the thread before other work runs (as llm/token-count.ts textsTokens). */
const PRICE_SLICE_MS = 8;

/**
 * Whether an answer to `schema` has a length the schema leaves to the model:
 * a string without labels (enum/const), or an array whose item count is not
 * fixed (minItems = maxItems), or any such part of an object or array.
 */
export function isFreeText(schema: unknown): boolean {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (Array.isArray(s.enum) || 'const' in s) return false;
  switch (s.type) {
    case 'object':
      return Object.values((s.properties ?? {}) as Record<string, unknown>).some(isFreeText);
    case 'array':
      return !(typeof s.minItems === 'number' && s.minItems === s.maxItems) || isFreeText(s.items);
    case 'boolean':
    case 'number':
    case 'integer':
    case 'null':
      return false;
    default:
      return true;
  }
}

/** A value the schema allows, as small as any answer (its first label, false, 0, "x", []): the answer's tokens. */
export function smallestAnswer(schema: unknown): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, smallestAnswer(v)]));
    }
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return 0;
    case 'array': {
      // A packed answer's `answers` holds exactly its items (minItems = maxItems = n).
      const n = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: n }, () => smallestAnswer(s.items));
    }
    default:
      return 'x';
  }
}

/**
 * One call's prompt and schema as the worker renders them for `rows` (one
 * tuple: an ordinary call; more: one packed prompt). Untimed (steps and size
 * still bound it): an estimate must not depend on the machine's load.
 */
function renderRequest(
  cascade: Cascade,
  cell: LlmCell,
  rows: readonly Inputs[],
): { prompt: string; schema: Readonly<Record<string, unknown>> | undefined } {
  const compiled = compiledOf(cascade).cells[cell.index]!;
  const packed = rows.length > 1;
  const scope = { input: rows[0] ?? {}, outputs: {}, state: { turn: 1 } };
  return withoutTimeBound(() => ({
    prompt: promptFor(cell, compiled, { scope, packRows: packed ? rows : undefined, warn: QUIET }),
    schema: schemaFor(cascade, cell, compiled, {
      scope,
      pack: packed ? rows.length : undefined,
      warn: QUIET,
    }).schema,
  }));
}
