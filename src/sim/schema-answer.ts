/**
 * A JSON value that satisfies a JSON Schema, built from the prompt: the
 * simulator's answer to `response_format: json_schema`. Covers the subset
 * cascades use (object, array, string, number, integer, boolean, null, enum,
 * const, anyOf/oneOf, local $ref); every property is filled, not only required ones.
 */
import { forRow, matchingCandidates, type PromptContext, readBlocks } from './prompt-context.js';
import type { Rng } from './rng.js';
import { contentStems, sentimentLabel, tokens } from './words.js';
import {
  askedOf,
  labelQuestion,
  questionOf,
  sortedLabels,
  TAGGED_DATA,
  worldNumberUnit,
  worldText,
  worldUnit,
} from './world.js';

type Schema = Readonly<Record<string, unknown>>;

interface Gen {
  readonly root: Schema;
  readonly rng: Rng;
}

const MAX_DEPTH = 12;

export function valueForSchema(schema: Schema, ctx: PromptContext, rng: Rng): unknown {
  return gen({ root: schema, rng }, schema, '', ctx, 0);
}

function resolve(g: Gen, schema: Schema): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let node: unknown = g.root;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node && typeof node === 'object' ? (node as Schema) : {};
}

function typeOf(schema: Schema): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (schema['properties']) return 'object';
  if (schema['items']) return 'array';
  return undefined;
}

function gen(g: Gen, raw: Schema, name: string, ctx: PromptContext, depth: number): unknown {
  const schema = resolve(g, raw);
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum'])) return pickEnum(schema['enum'], ctx);
  const alt = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (Array.isArray(alt) && alt.length > 0) {
    const nonNull = alt.find((s) => resolve(g, s)['type'] !== 'null') ?? alt[0]!;
    return gen(g, nonNull, name, ctx, depth + 1);
  }
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) {
    const merged: Record<string, unknown> = {};
    for (const s of schema['allOf'] as Schema[]) Object.assign(merged, resolve(g, s));
    return gen(g, merged, name, ctx, depth + 1);
  }
  if (depth > MAX_DEPTH) return null;
  switch (typeOf(schema)) {
    case 'object':
      return name === 'mapping' && !schema['properties'] ? genMapping(ctx) : genObject(g, schema, ctx, depth);
    case 'array':
      return genArray(g, schema, name, ctx, depth);
    case 'string':
      return genString(schema, name, ctx, g.rng);
    case 'number':
      return genNumber(schema, name, ctx, false);
    case 'integer':
      return genNumber(schema, name, ctx, true);
    case 'boolean':
      return genBoolean(name, ctx);
    case 'null':
      return null;
    default:
      return genString(schema, name, ctx, g.rng);
  }
}

function genObject(g: Gen, schema: Schema, ctx: PromptContext, depth: number): Record<string, unknown> {
  const props = (schema['properties'] ?? {}) as Record<string, Schema>;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(props)) out[key] = gen(g, sub, key, ctx, depth + 1);
  for (const key of (schema['required'] ?? []) as string[]) {
    if (!(key in out)) out[key] = gen(g, {}, key, ctx, depth + 1);
  }
  return out;
}

/**
 * A `mapping` object with no declared keys (larsql's mapping dimensions): each
 * `[index] "text"` line of the prompt maps to a label, the text's first
 * content word title-cased, so equal texts share a label.
 */
function genMapping(ctx: PromptContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ctx.user.matchAll(/^\s*\[(\d+)\]\s*"?(.*?)"?\s*$/gm)) {
    const [word] = contentStems(m[2]!);
    out[m[1]!] = word ? word[0]!.toUpperCase() + word.slice(1) : 'Other';
  }
  return out;
}

function genArray(g: Gen, schema: Schema, name: string, ctx: PromptContext, depth: number): unknown[] {
  const items = resolve(g, (schema['items'] ?? {}) as Schema);
  const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : undefined;
  const max = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : undefined;
  // A semantic join's small side: the answer lists the matching candidates.
  if (ctx.candidates.length > 0 && min === undefined) {
    const hits = matchingCandidates(ctx).slice(0, max ?? Number.POSITIVE_INFINITY);
    const t = typeOf(items);
    if (t === 'integer' || t === 'number') return hits;
    if (t === 'string' || t === undefined) return hits.map((i) => ctx.candidates[i]!);
  }
  // Exactly minItems when given: BATCH asks for an exact count that way.
  const count = min ?? Math.min(max ?? 3, (ctx.blocks.get('row') ?? []).length || 3);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push(gen(g, items, singular(name), forRow(ctx, i), depth + 1));
  if (schema['uniqueItems'] === true && typeOf(items) === 'string') {
    for (let i = 0; i < out.length; i++) if (out.indexOf(out[i]) !== i) out[i] = `${out[i]} ${i + 1}`;
  }
  return out;
}

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

function pickEnum(values: readonly unknown[], ctx: PromptContext): unknown {
  if (values.length === 0) return null;
  const labels = values.map((v) => String(v).toLowerCase());
  if (labels.includes('positive') || labels.includes('negative')) {
    const i = labels.indexOf(sentimentLabel(ctx.subject));
    if (i >= 0) return values[i];
  }
  if (ctx.verdict && /^(yes|true)$/.test(labels[0] ?? '') && labels.length === 2) {
    return values[ctx.verdict.result ? 0 : 1];
  }
  // The label sharing most words with the subject (a tie: the first in sorted order), else
  // the world's pick for these labels and this text (world.ts): the same for every model and
  // every form of the question, whatever order the form lists the labels in.
  const sorted = sortedLabels(values);
  const have = contentStems(ctx.subject);
  let best: unknown;
  let bestHits = 0;
  for (const label of sorted) {
    let hits = 0;
    for (const w of contentStems(String(label))) if (have.has(w)) hits++;
    if (hits > bestHits) {
      best = label;
      bestHits = hits;
    }
  }
  if (bestHits > 0) return best;
  const asked = { question: labelQuestion(values.map(String)), text: worldText(ctx) };
  return sorted[Math.floor(worldUnit(asked, 'label') * sorted.length)];
}

const BRAND_FIELD = /brand|company|manufacturer|maker|vendor|organi[sz]ation|^name$|person|author/i;
const SUMMARY_FIELD = /summary|description|text|answer|content|title|headline/i;
const REASON_FIELD = /reason|explanation|rationale|justification|why/i;
const SCORE_FIELD = /score|confidence|probability|similarity|relevance|alignment|certainty|likelihood/i;

function firstCapitalised(text: string): string | undefined {
  for (const m of text.matchAll(/[\p{Lu}][\p{L}\p{N}&'-]*/gu)) {
    if (m[0].length > 1 || /\d/.test(text[m.index! + 1] ?? '')) return m[0];
  }
  return undefined;
}

function someWords(ctx: PromptContext, rng: Rng, n: number): string {
  const words = tokens(ctx.subject).filter((w) => w.length > 2);
  if (words.length === 0) return 'simulated';
  const start = Math.floor(rng() * words.length);
  const out: string[] = [];
  for (let i = 0; i < Math.min(n, words.length); i++) out.push(words[(start + i) % words.length]!);
  return out.join(' ');
}

/** A string field that names a choice among the prompt's `<labels><l>…</l></labels>` (a dimension's assign step). */
const LABEL_FIELD = /^(label|topic|category|group)$/i;

function labelChoices(ctx: PromptContext): string[] {
  const block = ctx.blocks.get('labels')?.[0];
  return block === undefined ? [] : (readBlocks(block).get('l') ?? []);
}

function genString(schema: Schema, name: string, ctx: PromptContext, rng: Rng): string {
  let s: string;
  if (schema['format'] === 'date') s = '2024-01-01';
  else if (schema['format'] === 'date-time') s = '2024-01-01T00:00:00Z';
  else if (schema['format'] === 'email') s = 'someone@example.com';
  else if (schema['format'] === 'uri') s = 'https://example.com/';
  // The rest of strict mode's formats (strict-schema.ts, STRICT_FORMATS), each a value zod's own check takes.
  else if (schema['format'] === 'time') s = '12:00:00';
  else if (schema['format'] === 'duration') s = 'P1D';
  else if (schema['format'] === 'hostname') s = 'example.com';
  else if (schema['format'] === 'ipv4') s = '192.0.2.1';
  else if (schema['format'] === 'ipv6') s = '2001:db8::1';
  else if (schema['format'] === 'uuid') s = '00000000-0000-4000-8000-000000000000';
  else if (BRAND_FIELD.test(name))
    s = firstCapitalised(ctx.subject) ?? firstCapitalised(ctx.user) ?? 'Unknown';
  else if (LABEL_FIELD.test(name) && labelChoices(ctx).length > 0) {
    s = String(pickEnum(labelChoices(ctx), ctx));
  } else if (/sentiment/i.test(name)) {
    s = sentimentLabel(ctx.subject);
  } else if (REASON_FIELD.test(name) && ctx.verdict) {
    s = `word overlap ${ctx.verdict.score} between the text and the reference`;
  } else if (SUMMARY_FIELD.test(name)) {
    const words = ctx.subject.split(/\s+/).filter((w) => w.length > 0);
    s = words.slice(0, 12).join(' ') + (words.length > 12 ? ' …' : '');
    if (s.length === 0) s = 'nothing to summarise';
  } else s = someWords(ctx, rng, 3);
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined;
  while ([...s].length < min) s += s.length > 0 ? ' x' : 'x';
  if (max !== undefined && [...s].length > max) s = [...s].slice(0, max).join('');
  return s;
}

function genNumber(schema: Schema, name: string, ctx: PromptContext, integer: boolean): number {
  let lo = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
  let hi = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  const xlo = typeof schema['exclusiveMinimum'] === 'number' ? schema['exclusiveMinimum'] : undefined;
  const xhi = typeof schema['exclusiveMaximum'] === 'number' ? schema['exclusiveMaximum'] : undefined;
  const step = integer ? 1 : 0.001;
  if (xlo !== undefined) lo = Math.max(lo ?? -Infinity, xlo + step);
  if (xhi !== undefined) hi = Math.min(hi ?? Infinity, xhi - step);
  const scoreLike = SCORE_FIELD.test(name);
  if (lo === undefined && hi === undefined)
    [lo, hi] = statedRange(questionOf(ctx)) ?? (scoreLike && !integer ? [0, 1] : [0, 100]);
  else if (lo === undefined) lo = Math.min(0, hi!);
  else if (hi === undefined) hi = lo + 100;
  if (integer) {
    lo = Math.ceil(lo!);
    hi = Math.max(lo, Math.floor(hi!));
  }
  // A score follows the verdict; any other number is the world's for (question, text, field,
  // range): every model that is right gives the same one (world.ts), a rating in the part of
  // the range the text's sentiment puts it.
  const unit =
    scoreLike && ctx.verdict
      ? ctx.verdict.score
      : worldNumberUnit(ctx, `number ${name} ${lo} ${hi} ${integer ? 'integer' : 'number'}`);
  let v = lo! + unit * (hi! - lo!);
  v = integer ? Math.round(v) : Math.round(v * 1000) / 1000;
  v = Math.min(hi!, Math.max(lo!, v));
  // multipleOf (a strict-mode keyword, "Supported properties"): the nearest multiple within the bounds.
  const m = schema['multipleOf'];
  if (typeof m === 'number' && m > 0) {
    let k = Math.round(v / m);
    if (k * m < lo!) k = Math.ceil(lo! / m);
    if (k * m > hi!) k = Math.floor(hi! / m);
    v = Number((k * m).toPrecision(12));
  }
  return v;
}

/**
 * A range the question states when the schema bounds nothing ("Rate it from 1 to
 * 5 stars", "on a scale of 1 to 10", "between 0 and 100", "a 1-5 scale", "out of
 * 10"): a model answers within it, so the simulator does too (issue 68: it
 * answered 40, 67, 85 to "from 1 to 5"). Read from the question only: tagged
 * blocks and labelled values are the data, whose numbers are not an instruction.
 */
const STATED_RANGES: readonly RegExp[] = [
  /\b(?:from|between)\s+(-?\d+(?:\.\d+)?)\s+(?:to|and)\s+(-?\d+(?:\.\d+)?)\b/i,
  /\bscale\s+of\s+(-?\d+(?:\.\d+)?)\s*(?:to|-|–)\s*(-?\d+(?:\.\d+)?)\b/i,
  /\b(-?\d+(?:\.\d+)?)\s*(?:-|–)\s*(\d+(?:\.\d+)?)\s+(?:scale|stars?|points?)\b/i,
];
const OUT_OF = /\bout\s+of\s+(\d+(?:\.\d+)?)\b/i;

export function statedRange(question: string): [number, number] | undefined {
  const text = question.replace(TAGGED_DATA, ' ');
  for (const re of STATED_RANGES) {
    const m = re.exec(text);
    if (m && Number(m[1]) < Number(m[2])) return [Number(m[1]), Number(m[2])];
  }
  const out = OUT_OF.exec(text);
  return out && Number(out[1]) > 0 ? [0, Number(out[1])] : undefined;
}

function genBoolean(name: string, ctx: PromptContext): boolean {
  if (ctx.verdict) return ctx.verdict.result;
  // No criterion to judge by: the world's yes or no for (question, text, field) (world.ts).
  return worldUnit(askedOf(ctx), `boolean ${name}`) < 0.5;
}
