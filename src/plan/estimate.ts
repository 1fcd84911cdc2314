/**
 * Cost estimates for EXPLAIN: calls per run from the cascade's shape, tokens
 * with a real tokenizer (gpt-tokenizer's cl100k_base, the library the client
 * counts prompts with, llm/token-count.ts) and images by their size
 * (promptTokens), dollars from the price table.
 * Estimates never call a model.
 */
import { createRequire } from 'node:module';
import { dollarsText } from '../../base/dollars.js';
import type { CallLimits } from '../cascade/call-limits.js';
import type { Cascade, LlmCell } from '../cascade/cascade-types.js';
import { type BoundedEncoding, boundedEncoding, type LibraryEncoding } from '../llm/bounded-encoding.js';
import { imageRefTokens, splitImages } from '../llm/images.js';
import { costFromTable, type PriceOptions, type PriceTable } from '../llm/pricing.js';

// An encoding's rank table is megabytes of heap held for the engine's life:
// only EXPLAIN counts with it, so it is loaded (synchronously) on first use.
const requireEncoding = createRequire(import.meta.url);
let encoder: BoundedEncoding | undefined;

/**
 * A value's tokens, special tokens as text (as a provider reads a user's
 * text), linear in the text (llm/bounded-encoding.ts: gpt-tokenizer's own
 * count is n² in one long word, and EXPLAIN counts on the main thread).
 */
export function countTokens(text: string): number {
  encoder ??= boundedEncoding(
    (requireEncoding('gpt-tokenizer/encoding/cl100k_base') as { default: LibraryEncoding }).default,
  );
  return encoder.countTokens(text);
}

/**
 * Tokens of prompt text as a provider counts them: each `<image>…</image>`
 * marker (IMAGE() in SQL) as the image's own tokens (llm/images.ts: from its
 * width and height, by OpenAI's rule), the rest as text. A 100 KB image is
 * its few hundred image tokens, not the 35k its base64 would be as text.
 */
export function promptTokens(text: string): number {
  const { text: rest, images } = splitImages(text);
  let tokens = countTokens(rest);
  for (const image of images) tokens += imageRefTokens(image);
  return tokens;
}

function llmCells(cascade: Cascade): LlmCell[] {
  return cascade.cells.filter((c): c is LlmCell => c.kind === 'llm');
}

/** The fewest model calls one run makes (no validation retries, loops ending on turn 1). */
export function callsPerRun(cascade: Cascade): number {
  return llmCells(cascade).reduce(
    (n, c) => n + (c.takes ? c.takes.factor + (c.takes.evaluatorInstructions ? 1 : 0) : 1),
    0,
  );
}

export function modelsOf(cascade: Cascade, override: string | undefined, fallback: string): string[] {
  return [...new Set(llmCells(cascade).map((c) => override ?? c.model ?? cascade.model ?? fallback))];
}

export interface TokenEstimate {
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/**
 * Tokens of a row's values as a prompt carries them: as JSON text, each
 * image marker in a value counted as its image (promptTokens). Markers are
 * taken from the values before JSON escapes them: `<image detail="low">`
 * becomes `<image detail=\"low\">` in JSON, no marker any more, and its
 * base64 would count as text (188,296 tokens for a 197 KB PNG, not 85).
 */
export function inputsTokens(inputs: unknown): number {
  let images = 0;
  const json = JSON.stringify(inputs ?? {}, (_key, value: unknown) => {
    if (typeof value !== 'string') return value;
    const split = splitImages(value);
    for (const image of split.images) images += imageRefTokens(image);
    return split.text;
  });
  return countTokens(json ?? '') + images;
}

/** Tokens of one run: each call's prompt (instructions + the row's values) and a small JSON answer. */
export function tokensPerRun(cascade: Cascade, sampleInputs: unknown): TokenEstimate {
  const inputTokens = inputsTokens(sampleInputs);
  let tokensIn = 0;
  let tokensOut = 0;
  for (const cell of llmCells(cascade)) {
    const calls = cell.takes ? cell.takes.factor : 1;
    tokensIn += calls * (countTokens(cell.instructions) + inputTokens);
    const fields = Object.keys((cell.outputSchema?.properties as object | undefined) ?? {}).length;
    tokensOut += calls * (fields > 0 ? 8 + 12 * fields : 60);
  }
  return { tokensIn, tokensOut };
}

/**
 * What planning knows of the provider: its prices, aliases and default model.
 * The one source of prices: a run prices its calls from the same table
 * (llm/usage.ts, after the client resolves aliases), so EXPLAIN, budgets and
 * the logged cost agree.
 */
export interface PricingView {
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
  readonly defaultModel: string;
}

/** A model as the provider is asked for it (and prices it): aliases resolved as the LLM client does. */
export function billedModel(pricing: PricingView, model: string): string {
  return pricing.aliases?.[model] ?? model;
}

/**
 * Dollars for tokens split evenly across `models`; null when any has no price.
 * No prompt-cache discount is assumed: the estimate is what the calls cost at
 * most. `{ batch: true }`: at the Batch API's price (each model's
 * `batch_discount` off, costFromTable).
 */
export function estimateDollars(
  pricing: PricingView,
  models: readonly string[],
  tokensIn: number,
  tokensOut: number,
  options: PriceOptions = {},
): number | null {
  let total = 0;
  for (const m of models) {
    const share = models.length;
    const c = costFromTable(
      pricing.prices,
      billedModel(pricing, m),
      { tokensIn: tokensIn / share, tokensOut: tokensOut / share },
      options,
    );
    if (c === null) return null;
    total += c;
  }
  return total;
}

/** An estimate's dollars at either delivery (null when a model has no price), summed over its parts. */
export interface DeliveryDollars {
  /** One call each. */
  readonly sync: number | null;
  /** Through the provider's Batch API: each model's `batch_discount` off. */
  readonly batch: number | null;
  /** Priced models with no `batch_discount` in the table: their batch price is their sync price. */
  readonly undiscounted: readonly string[];
}

export const NO_DOLLARS: DeliveryDollars = { sync: 0, batch: 0, undiscounted: [] };

/** estimateDollars at both deliveries, and which of the models the batch price saves nothing on. */
export function deliveryDollars(
  pricing: PricingView,
  models: readonly string[],
  tokensIn: number,
  tokensOut: number,
): DeliveryDollars {
  const undiscounted = models
    .map((m) => billedModel(pricing, m))
    .filter((m) => pricing.prices?.[m] !== undefined && !pricing.prices[m]!.batch_discount);
  return {
    sync: estimateDollars(pricing, models, tokensIn, tokensOut),
    batch: estimateDollars(pricing, models, tokensIn, tokensOut, { batch: true }),
    undiscounted,
  };
}

export function addDeliveryDollars(a: DeliveryDollars, b: DeliveryDollars): DeliveryDollars {
  const plus = (x: number | null, y: number | null) => (x === null || y === null ? null : x + y);
  return {
    sync: plus(a.sync, b.sync),
    batch: plus(a.batch, b.batch),
    undiscounted: [...new Set([...a.undiscounted, ...b.undiscounted])],
  };
}

/** What EXPLAIN says of a statement's delivery (CallLimits.delivery) and its dollars. */
export interface DeliveryReport {
  /** `sync`, or `batch (provider Batch API, answers within 24 h)` and, past it, the models it saves nothing on. */
  readonly delivery: string;
  /** At the price of the statement's delivery; null when a model has no price. */
  readonly est_dollars: number | null;
  /** Batch delivery only: what the batch price saves against one call each; null when unknown. */
  readonly est_dollars_saved?: number | null;
}

export const BATCH_DELIVERY_TEXT = 'batch (provider Batch API, answers within 24 h)';

export function deliveryReport(delivery: CallLimits['delivery'], d: DeliveryDollars): DeliveryReport {
  if (delivery !== 'batch') return { delivery: 'sync', est_dollars: d.sync };
  const none =
    d.undiscounted.length > 0
      ? `; no batch_discount for ${d.undiscounted.join(', ')} in the price table: priced as sync`
      : '';
  return {
    delivery: `${BATCH_DELIVERY_TEXT}${none}`,
    est_dollars: d.batch,
    est_dollars_saved: d.sync === null || d.batch === null ? null : d.sync - d.batch,
  };
}

/**
 * EXPLAIN's text table is at most this many columns wide where people read
 * it (the CLI's `--format table`, psql): its long values (the note, the
 * rewritten SQL, a function's plan) wrap (QueryResult.wrapAt); its rows and
 * FORMAT JSON keep each value on one line.
 */
export const EXPLAIN_TABLE_WIDTH = 100;

/** A figure of EXPLAIN's text: null is `unknown`; dollars rounded as people read them (FORMAT JSON keeps the number). */
export function explainText(property: string, v: unknown): string {
  if (property.startsWith('est_dollars') && (v === null || typeof v === 'number')) return dollarsText(v);
  if (v === null) return 'unknown';
  return String(v);
}
