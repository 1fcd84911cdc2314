/**
 * The simulator's one world (issue 68): every (question, text) has one hidden true
 * answer, the same whichever model is asked, however the prompt is worded or packed,
 * whichever operator form asks it. Models differ only in how often they give it
 * (profile.ts: a model's seeded errors are keyed by the model, the seed and the
 * (question, text) this file names, never by the prompt's layout).
 *
 * The truth is derived from the text and the question:
 * - structure first (schema-answer.ts, prompt-context.ts): a criterion's word
 *   overlap, a sentiment from the lexicon (words.ts sentimentLabel, the same for a
 *   label, a `sentiment` field and a pair condition comparing two sides'
 *   sentiments), the label sharing most words with the text;
 * - where the structure leaves the answer open (no label shares a word with the
 *   text, a number within a scale the question states, a yes/no with no criterion),
 *   a seeded draw keyed by the (question, text) alone: `worldUnit`.
 *
 * What a "question" is, so every form of one question shares its key:
 * - a label's question is its label list (sorted, lowercased): CLASSIFY(t, 'a,b'),
 *   an ENUM function and LLM(… RETURNING ENUM('a','b')) ask the same one;
 * - a verdict's is its reference block (`<criterion>` for MEANS and LLM_FILTER alike,
 *   `<topic>`, `<statement>` with whether it asks about a contradiction, `<task>`);
 * - otherwise the prompt's question (its question blocks, else its last user
 *   message) without the tagged data in it.
 *
 * The text is the `<text>` block without `<input name>` labels (MEANS's bare value and
 * LLM_FILTER's labelled one are one text), else the `<a>`/`<b>` pair, else, for a
 * prompt with no tags (a CREATE SEMANTIC FUNCTION template such as
 * 'Which topic is this ticket about? {{ t }}'), what follows the prompt's first "?" or
 * ":" — the simulator cannot tell a template's words from its value otherwise. A closing
 * line asking for another field (a proxy's `Also give "confidence": …`) is no part of it.
 */
import { type PromptContext, withoutFieldRequest } from './prompt-context.js';
import { hashSeed, mulberry32 } from './rng.js';
import { sentimentLabel } from './words.js';

/** The question a request asks and the text it asks it of: the world's key. */
export interface Asked {
  readonly question: string;
  readonly text: string;
}

/** Blocks that hold the question (the shipped cascades' `<task>`, `<criterion>`, LLM_SCORE's `<rubric>` …), not the data. */
const QUESTION_BLOCKS = ['task', 'question', 'criterion', 'topic', 'statement', 'rubric'];
/** The verdict's reference blocks, in the order prompt-context.ts judges them. */
const REFERENCE_BLOCKS = ['criterion', 'topic', 'statement', 'task'];
/** A tagged block: data, whose words (and numbers) are not the question's. */
export const TAGGED_DATA = /<([a-z_]+)(?:\s[^>]*)?>[\s\S]*?<\/\1>/g;
/** The end of an untagged template's question: its first "?" or ":" followed by space. */
const QUESTION_END = /[?:]\s+/;

const normal = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** The question a prompt asks: its question blocks, else the last user message (without a closing field request). */
export function questionOf(ctx: PromptContext): string {
  const asked = QUESTION_BLOCKS.flatMap((tag) => ctx.blocks.get(tag) ?? []);
  return asked.length > 0 ? asked.join('\n') : withoutFieldRequest(ctx.user);
}

/** The text a prompt asks about (see the head of this file). */
export function worldText(ctx: PromptContext): string {
  const text = ctx.blocks.get('text')?.[0];
  if (text !== undefined) return normal(text);
  const a = ctx.blocks.get('a')?.[0];
  const b = ctx.blocks.get('b')?.[0];
  if (a !== undefined) return normal(b === undefined ? a : `${a}\n${b}`);
  const user = withoutFieldRequest(ctx.user);
  if (ctx.subject !== user) return normal(ctx.subject);
  const end = QUESTION_END.exec(user);
  const rest = end ? user.slice(end.index + end[0].length) : '';
  return normal(rest.trim().length > 0 ? rest : user);
}

/** The (question, text) a request asks; `labels`: the answer's label list, when it has one. */
export function askedOf(ctx: PromptContext, labels?: readonly string[]): Asked {
  const text = worldText(ctx);
  if (labels && labels.length > 0) return { question: labelQuestion(labels), text };
  for (const tag of REFERENCE_BLOCKS) {
    const reference = ctx.blocks.get(tag)?.[0];
    if (reference === undefined) continue;
    const contradiction = tag === 'statement' && /contradict/i.test(ctx.all) ? ' (contradicts)' : '';
    return { question: `${tag}${contradiction}: ${normal(reference)}`, text };
  }
  if (ctx.blocks.has('a')) return { question: 'same', text };
  return { question: normal(questionOf(ctx).replace(TAGGED_DATA, ' ')), text };
}

/** A label list as a question: the labels, lowercased and sorted (their order asks nothing). */
export function labelQuestion(labels: readonly string[]): string {
  return `labels: ${[...labels]
    .map((l) => normal(String(l)))
    .sort()
    .join('\n')}`;
}

/** A label list in one order (by its text), so no draw depends on the order a form lists it in. */
export function sortedLabels<T>(labels: readonly T[]): T[] {
  return [...labels].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/**
 * A well-mixed draw in [0, 1) that the world fixes for (question, text, what): the
 * truth where the structure leaves an answer open. No model and no seed in it.
 */
export function worldUnit(asked: Asked, what: string): number {
  return mulberry32(hashSeed(JSON.stringify(['world', asked.question, asked.text, what])))();
}

/**
 * The key of one model's answer to (question, text) under the simulator's seed:
 * what its seeded error, confidence and logprobs draw from (profile.ts).
 */
export function modelKey(model: string, seed: number, asked: Asked): string {
  return JSON.stringify([model, seed, asked.question, asked.text]);
}

/** A question that asks how good or how positive something is (a rating, a "how positive" score). */
const RATING_QUESTION = /\b(rate|rating|rated|stars?|positive|sentiment|satisf\w*|liked?)\b/i;
/** …asked the other way round ("how negative", "how bad"): the sentiment's end of the range flips. */
const INVERTED_RATING = /\b(negative|bad|dissatisf\w*|unhappy|disliked?)\b/i;

/**
 * The world's number for a request, as a share of its range (0..1): a rating of a text
 * with a sentiment (words.ts sentimentLabel) in the top quarter when positive, the bottom
 * quarter when negative ("how negative …": the other way round), so a rating agrees with
 * the text's sentiment label; any other number, or a neutral text, anywhere in the range.
 * Drawn from (question, text, what) alone.
 */
export function worldNumberUnit(ctx: PromptContext, what: string): number {
  const asked = askedOf(ctx);
  const u = worldUnit(asked, what);
  const question = questionOf(ctx).replace(TAGGED_DATA, ' ');
  if (!RATING_QUESTION.test(question) && !INVERTED_RATING.test(question)) return u;
  const label = sentimentLabel(ctx.subject);
  if (label === 'neutral') return u;
  const high = (label === 'positive') !== (INVERTED_RATING.test(question) && !RATING_QUESTION.test(question));
  return high ? 0.75 + 0.25 * u : 0.25 * u;
}
