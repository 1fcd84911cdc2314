/**
 * What the simulator reads out of a prompt: the tagged blocks of the operator
 * convention (see answer.ts), the quoted input, and the operator verdict.
 */
import { coverage, isNegated, polarity, similarity } from './words.js';

interface Verdict {
  /** 0..1 word overlap between the two blocks. */
  readonly score: number;
  readonly result: boolean;
}

export interface PromptContext {
  /** Every message's content, joined. */
  readonly all: string;
  /** The last user message. */
  readonly user: string;
  /** Tagged blocks by tag name, in order of appearance. */
  readonly blocks: ReadonlyMap<string, readonly string[]>;
  /** The subject of the prompt: `<text>`, else `<a>`, else the first "quoted" span, else the user message. */
  readonly subject: string;
  readonly verdict: Verdict | null;
  /** Candidate values of a `<candidates>` block (`<c>` items, else one per line). */
  readonly candidates: readonly string[];
}

const TAG = /<([a-z_]+)>([\s\S]*?)<\/\1>/g;

/** Threshold above which a coverage score means "yes". */
const YES_AT = 0.2;
/** Threshold above which two values name the same thing. */
const SAME_AT = 0.5;

/**
 * Labels around values (`<input name="r1.text">…</input>`, LLM_FILTER's and
 * LLM's variadic inputs) are markup a model reads past: their words are not
 * the text's, so a label such as "review" never matches a criterion's "reviewer".
 */
const INPUT_LABEL = /<input name="[^"]*">|<\/input>/g;
const LABELLED_VALUE = /<input name="[^"]*">([\s\S]*?)<\/input>/g;

/** The labelled values in a text, in order. */
function labelledValues(text: string): string[] {
  return [...text.matchAll(LABELLED_VALUE)].map((v) => v[1]!.trim());
}

/** The text without its labels. */
const unlabelled = (text: string): string => text.replace(INPUT_LABEL, ' ').trim();

/**
 * Tagged blocks, each block's text without labels (a `<row>` keeps them: it
 * is read again, row by row, by forRow); `input` lists the labelled values.
 */
export function readBlocks(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(TAG)) {
    const list = out.get(m[1]!) ?? [];
    list.push(m[1] === 'row' ? m[2]!.trim() : unlabelled(m[2]!));
    out.set(m[1]!, list);
    const values = labelledValues(m[2]!);
    if (values.length > 0) out.set('input', [...(out.get('input') ?? []), ...values]);
  }
  return out;
}

/**
 * A closing line asking for one more answer field (the engine's self-reported confidence,
 * src/cascade/confidence.ts: `Also give "confidence": how sure …`): an instruction about
 * the answer, neither the prompt's subject (its quoted word is a key) nor its text.
 */
const FIELD_REQUEST = /\n+Also give "[A-Za-z_]+":[^\n]*\s*$/;

/** A user message without its closing field request, if it has one. */
export const withoutFieldRequest = (text: string): string => text.replace(FIELD_REQUEST, '');

function firstQuoted(text: string): string | undefined {
  return /"([^"\n]{1,400})"/.exec(text)?.[1] ?? /“([^”\n]{1,400})”/.exec(text)?.[1];
}

function judge(blocks: ReadonlyMap<string, readonly string[]>, all: string): Verdict | null {
  const text = blocks.get('text')?.[0];
  // LLM's `<task>` is judged as a criterion is: a boolean answer to it is the verdict.
  const reference =
    blocks.get('criterion')?.[0] ??
    blocks.get('topic')?.[0] ??
    blocks.get('statement')?.[0] ??
    blocks.get('task')?.[0];
  if (text !== undefined && reference !== undefined) {
    const bySentiment = sentimentVerdict(reference, blocks.get('input') ?? []);
    if (bySentiment) return bySentiment;
    const score = round(coverage(text, reference));
    const related = score >= YES_AT;
    if (blocks.has('statement')) {
      const sameSign = isNegated(text) === isNegated(reference);
      if (/contradict/i.test(all)) return { score, result: related && !sameSign };
      return { score, result: related && sameSign };
    }
    return { score, result: related };
  }
  const a = blocks.get('a')?.[0];
  const b = blocks.get('b')?.[0];
  if (a !== undefined && b !== undefined) {
    const score = round(similarity(a, b));
    return { score, result: score >= SAME_AT };
  }
  return null;
}

/**
 * A condition about sentiment over labelled values (LLM_FILTER, a tuple): a
 * word-overlap judge would answer it from the labels' words, so it is judged
 * by the lexicon instead: "same sentiment" / "opposite sentiments" compare the
 * first two values' polarity; "liked", "enjoyed", "positive" ask for a
 * positive one, "disliked", "negative" for a negative one; a rating that
 * "disagrees" with (or "agrees" with) the text compares a number among the
 * values, read on a 1–5 scale, with the other values' tone. Null otherwise.
 */
function sentimentVerdict(reference: string, values: readonly string[]): Verdict | null {
  if (values.length === 0) return null;
  const verdict = (result: boolean): Verdict => ({ score: result ? 1 : 0, result });
  // "The star rating disagrees with the text": a rating (a number on a 1–5 scale) among the values,
  // against the tone of the others: 4–5 stars agree with a positive text, 1–2 with a negative one.
  const rating = values.findIndex((v) => /^\d+(\.\d+)?$/.test(v));
  if (rating >= 0 && values.length >= 2 && /\b(stars?|rating|rated|score)\b/i.test(reference)) {
    const stars = Number(values[rating]);
    const tone = polarity(values.filter((_, i) => i !== rating).join('. '));
    const disagrees = (stars >= 4 && tone < 0) || (stars <= 2 && tone > 0);
    if (/\b(disagrees?|contradicts?|mismatch(es)?|inconsistent|(does not|doesn't) match)\b/i.test(reference))
      return verdict(disagrees);
    if (/\b(agrees?|matches|consistent|fits)\b/i.test(reference))
      return verdict(!disagrees && (stars !== 3 || tone === 0));
  }
  const signs = values.map(polarity);
  if (/\b(same|similar)\s+sentiments?\b/i.test(reference) && signs.length >= 2)
    return verdict(signs[0] !== 0 && signs[0] === signs[1]);
  if (/\b(opposite|different|contrary)\s+sentiments?\b/i.test(reference) && signs.length >= 2)
    return verdict(signs[0]! * signs[1]! < 0);
  const overall = polarity(values.join('. '));
  if (/\b(disliked|negative|hated)\b/i.test(reference)) return verdict(overall < 0);
  if (/\b(liked|enjoyed|positive|loved)\b/i.test(reference)) return verdict(overall > 0);
  return null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A candidate: `<c>…</c>`, or numbered `<c n="3">…</c>` (the shipped small-side prompts, answered by number). */
const CANDIDATE = /<c(?: n="\d+")?>([\s\S]*?)<\/c>/g;

function readCandidates(blocks: ReadonlyMap<string, readonly string[]>): string[] {
  const block = blocks.get('candidates')?.[0];
  if (block === undefined) return [];
  const items = [...block.matchAll(CANDIDATE)].map((m) => unlabelled(m[1]!));
  if (items.length > 0) return items;
  return block
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function readPrompt(messages: readonly { role: string; content: string }[]): PromptContext {
  const all = messages.map((m) => m.content).join('\n');
  let user = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      user = messages[i]!.content;
      break;
    }
  }
  if (user === '') user = all;
  const blocks = readBlocks(all);
  const asked = withoutFieldRequest(user);
  const subject = blocks.get('text')?.[0] ?? blocks.get('a')?.[0] ?? firstQuoted(asked) ?? asked;
  return { all, user, blocks, subject, verdict: judge(blocks, all), candidates: readCandidates(blocks) };
}

/** Same context, narrowed to one row of a BATCH prompt (its i-th `<row>` or `<text>` block). */
export function forRow(ctx: PromptContext, index: number): PromptContext {
  const rows = ctx.blocks.get('row') ?? ctx.blocks.get('text');
  const row = rows?.[index];
  if (row === undefined || (rows?.length ?? 0) < 2) return ctx;
  const blocks = new Map(ctx.blocks);
  const inner = readBlocks(row);
  for (const [k, v] of inner) blocks.set(k, v);
  // The prompt's labelled values are every row's: a row is judged by its own, or by none.
  const own = labelledValues(row);
  if (own.length > 0) blocks.set('input', own);
  else blocks.delete('input');
  if (!inner.has('text')) blocks.set('text', [unlabelled(row)]);
  return {
    ...ctx,
    blocks,
    subject: inner.get('text')?.[0] ?? unlabelled(row),
    verdict: judge(blocks, ctx.all),
  };
}

/**
 * Matching candidates for a `<a>` value (semantic join with a small side).
 * With a `<criterion>` (a condition's small-side plan), each candidate is
 * judged as the pair call would be: the two values in the order the prompt
 * states ("… the first input"), the condition over them.
 */
export function matchingCandidates(ctx: PromptContext): number[] {
  const a = ctx.blocks.get('a')?.[0] ?? ctx.blocks.get('text')?.[0] ?? ctx.subject;
  const criterion = ctx.blocks.get('criterion')?.[0];
  const valueFirst = !/Each candidate is [^\n]*, the first input/.test(ctx.all);
  const out: number[] = [];
  ctx.candidates.forEach((c, i) => {
    if (criterion === undefined) {
      if (similarity(a, c) >= SAME_AT) out.push(i);
      return;
    }
    const values = valueFirst ? [a, c] : [c, a];
    const blocks = new Map(ctx.blocks);
    blocks.set('text', [values.join('\n')]);
    blocks.set('input', values);
    if (judge(blocks, ctx.all)?.result) out.push(i);
  });
  return out;
}
