/**
 * The simulator's answers: deterministic (same model + messages + schema →
 * same answer), shaped by the request. Operator answers are the world's truth for the
 * (question, text) asked (world.ts), the same for every model; a profiled model gives it
 * at its accuracy (profile.ts), its errors keyed by the model, the seed and the
 * (question, text), not by the prompt's wording or packing.
 *
 * ## Operator-prompt convention (the semantic-operator cascades follow it)
 *
 * The user prompt marks its operands with tags; the schema names the answer:
 *
 * | operator                   | blocks                                   | schema asks for |
 * | -------------------------- | ---------------------------------------- | --------------- |
 * | MEANS, MATCHES             | `<text>…</text>` `<criterion>…</criterion>` | `{ "result": boolean }` |
 * | ABOUT, RELEVANCE TO        | `<text>…</text>` `<topic>…</topic>`         | `{ "score": number }` (0..1) |
 * | ALIGNS WITH                | `<text>…</text>` `<statement>…</statement>` | `{ "score": number }` |
 * | IMPLIES                    | `<text>…</text>` `<statement>…</statement>` | `{ "result": boolean }` |
 * | CONTRADICTS                | same, and the prompt contains "contradict"  | `{ "result": boolean }` |
 * | `a ~ b`                    | `<a>…</a>` `<b>…</b>`                        | `{ "result": boolean }` |
 * | SEMANTIC JOIN, small side  | `<a>…</a>` `<candidates><c>…</c>…</candidates>` | `{ "matches": string[] }` (or integer[] = 0-based indexes) |
 * | a condition's small side   | the same, and `<criterion>…</criterion>`     | `{ "matches": string[] }`: each candidate judged with `<a>` as the pair call would be |
 * | pair split (pair_split.yaml) | `<pair_condition>…</pair_condition>`     | `{ splits, question, labels, comparison, compared_labels }`: from the condition's words (pair-split.ts) |
 * | BATCH of N rows            | N × `<row>…</row>` (each may hold `<text>` etc.) | an array with `minItems = maxItems = N` |
 *
 * - score = word overlap: lowercase words, stop-words dropped, crude stems
 *   (`shoes` = `shoe`), a 3+ letter prefix counts (`eco` ~ `ecological`);
 *   the fraction of the reference block's words found in `<text>`. For `<a>`/`<b>`
 *   it is symmetric: shared words over the smaller side, each side's words found in the
 *   other counted and the fewer taken (words.ts similarity), so `a ~ b`, `b ~ a` and a
 *   small side listing either side's values as candidates give one answer a pair.
 * - Labelled values (`<input name="…">…</input>`, LLM_FILTER's) are read without
 *   their labels; a condition about sentiment over them ("same sentiment",
 *   "opposite sentiments", "liked", "negative") is judged by the lexicon below,
 *   sentence by sentence, not by overlap; so is a rating that "disagrees" or
 *   "agrees" with a text (a number among the values, on a 1–5 scale). `<task>`
 *   (LLM's) is a criterion.
 * - result = score ≥ 0.2 (MEANS, IMPLIES); IMPLIES also needs the same negation
 *   (not/no/never/n't) on both sides, CONTRADICTS needs score ≥ 0.2 and opposite
 *   negation; `~` needs score ≥ 0.5.
 * - A number field named like score/confidence/relevance gets the score scaled into
 *   its [minimum, maximum] (default 0..1); a boolean field gets the result. A number
 *   the schema does not bound is drawn within a range the question states ("from 1
 *   to 5", "on a scale of 1 to 10", "out of 10"; schema-answer.ts statedRange), else
 *   0..1 for a score, 0..100 otherwise: the world's value for (question, text, field,
 *   range), a rating following the text's sentiment (world.ts worldNumberUnit).
 * - Enums: positive/negative/neutral from a tiny sentiment lexicon (polarity sentence
 *   by sentence, the rule the pair judge uses); otherwise the label sharing most words
 *   with the text; otherwise the world's pick for (labels, text) (world.ts). A string
 *   field named label/topic/category/group picks the same way among the
 *   prompt's `<labels><l>…</l></labels>` (a dimension's assign step).
 * - Strings: a field named brand/company/maker/name gets the first capitalised
 *   word of the subject (`<text>`, else the first "quoted" span of the prompt);
 *   summary/description gets the subject's first 12 words; reason/explanation
 *   states the overlap; others get a few words of the subject.
 * - Arrays have exactly `minItems` items when given (else ≤ 3); item i of a BATCH
 *   reads the i-th `<row>` (or `<text>`) block.
 * - A packed operator prompt (schema `{ answers: [...] }`, one `<row>` per
 *   answer) is answered row by row as the unpacked requests would be (packed.ts).
 *
 * In JSON mode (`response_format` json_object) the answer is a JSON object: the
 * prompt's JSON Schema (below) when it has one, else the small object below.
 *
 * Without a response_format: a JSON Schema embedded in the prompt after the words
 * "JSON Schema" (the client's fallback) is honoured the same way; a prompt that
 * mentions JSON gets a small object whose keys are the "quoted" identifiers after
 * the word JSON (else `{ "answer": … }`, plus result/score when operator blocks are
 * present); a prompt whose last lines ask for ONLY "true" or "false", or ONLY
 * a number or integer (larsql's scalar operators), gets just that; anything
 * else gets plain text ("Yes."/"No." and the score for operator
 * prompts).
 */
import type { SimChatBody, SimMessage } from './chat-request.js';
import type { LabelBelief } from './logprobs.js';
import { unpackedRequests } from './packed.js';
import { pairSplitAnswer } from './pair-split.js';
import { answerProbability, labelField, type ModelProfile, profiled } from './profile.js';
import { readPrompt } from './prompt-context.js';
import { hashSeed, mulberry32, type Rng } from './rng.js';
import { valueForSchema } from './schema-answer.js';
import { askedOf, modelKey, sortedLabels } from './world.js';

/** The answer's text for one chat request. `seed` mixes into the choices. */
export function answerFor(body: SimChatBody, seed: number, profile?: ModelProfile): string {
  return answerWithBeliefs(body, seed, profile).text;
}

/**
 * The answer's text and, for each boolean literal in it (in order), the
 * probability the model gives that token (profile.ts answerProbability: the
 * operator's `result` under a profile; 1 for any other boolean). logprobs.ts
 * turns them into OpenAI's `logprobs.content`.
 */
export function answerWithBeliefs(body: SimChatBody, seed: number, profile?: ModelProfile): Answer {
  const rows = unpackedRequests(body);
  if (rows) {
    const parts = rows.map((r) => answerWithBeliefs(r, seed, profile));
    return {
      text: JSON.stringify({ answers: parts.map((p) => JSON.parse(p.text) as unknown) }),
      beliefs: parts.flatMap((p) => p.beliefs),
      labels: parts.flatMap((p) => p.labels ?? []),
    };
  }
  // Keyed by what the answers read (an image as its description): a packed row's request, made of
  // text alone (packed.ts), draws as the same request alone does.
  const messages = body.messages.some((m) => m.images)
    ? body.messages.map((m) => ({ role: m.role, content: m.content }))
    : body.messages;
  const key = JSON.stringify(
    body.json
      ? [body.model, messages, body.schema ?? null, seed, 'json']
      : [body.model, messages, body.schema ?? null, seed],
  );
  const rng = mulberry32(hashSeed(key));
  const ctx = readPrompt(body.messages);
  const schema = body.schema ?? schemaInPrompt(body.messages);
  // The pair-split question (cascades/semantic/pair_split.yaml): decided from the condition's words (pair-split.ts).
  const splitCondition = ctx.blocks.get('pair_condition')?.[0];
  if (schema && splitCondition !== undefined) return plain(JSON.stringify(pairSplitAnswer(splitCondition)));
  if (schema) {
    // The truth (world.ts); a profiled model gives it at its accuracy, its errors keyed by the
    // model, the seed and the (question, text) asked: not by the prompt's wording or packing.
    const truth = valueForSchema(schema, ctx, rng);
    const label =
      truth !== null && typeof truth === 'object' && !Array.isArray(truth)
        ? labelField(truth as Record<string, unknown>, schema)
        : undefined;
    const modelAnswerKey = modelKey(body.model, seed, askedOf(ctx, label?.values));
    const value = profile ? profiled(truth, profile, modelAnswerKey, schema) : truth;
    const belief = () => answerProbability(profile, modelAnswerKey);
    return {
      text: JSON.stringify(value),
      beliefs: booleanBeliefs(value, belief),
      ...(label
        ? { labels: [labelBelief(value as Record<string, unknown>, label, belief(), modelAnswerKey)] }
        : []),
    };
  }
  // JSON mode without a schema: an object, as OpenAI's JSON mode answers.
  if (body.json) return plain(JSON.stringify(smallObject(ctx, rng)));
  const only = onlyValue(ctx, rng);
  if (only !== undefined) return plain(only);
  if (/\bjson\b/i.test(ctx.all)) return plain(JSON.stringify(smallObject(ctx, rng)));
  if (ctx.verdict) return plain(`${ctx.verdict.result ? 'Yes.' : 'No.'} (score ${ctx.verdict.score})`);
  const words = ctx.subject.split(/\s+/).filter((w) => w.length > 0);
  return plain(`Simulated answer: ${words.slice(0, 24).join(' ')}${words.length > 24 ? ' …' : ''}`);
}

/** The answer's text and what its logprobs say (logprobs.ts): each boolean's probability, each label's. */
export interface Answer {
  readonly text: string;
  readonly beliefs: readonly number[];
  readonly labels?: readonly LabelBelief[];
}

/** An answer whose every token is certain (no belief listed: probability 1). */
function plain(text: string): Answer {
  return { text, beliefs: [] };
}

/** A label's probability (the model's belief, calibrated: profile.ts) and the label its alternative token starts. */
function labelBelief(
  value: Readonly<Record<string, unknown>>,
  label: { readonly name: string; readonly values: readonly string[] },
  p: number,
  key: string,
): LabelBelief {
  const chosen = value[label.name] as string;
  const others = sortedLabels(label.values).filter((v) => v !== chosen);
  const alternative = others[(hashSeed(`alternative\u0000${key}`) >>> 0) % others.length]!;
  return { value: chosen, p, alternative };
}

/** One probability per boolean of `value`, in JSON.stringify's order: the top-level `result`'s is the model's. */
function booleanBeliefs(value: unknown, belief: () => number): number[] {
  const out: number[] = [];
  const walk = (v: unknown, top: boolean, key: string) => {
    if (typeof v === 'boolean') out.push(top && key === 'result' ? belief() : 1);
    else if (Array.isArray(v)) for (const x of v) walk(x, false, '');
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, v === value, k);
  };
  walk(value, false, '');
  return out;
}

/** The bare value a prompt's closing words ask for ("Return ONLY true or false", "ONLY the number"), if they do. */
function onlyValue(ctx: ReturnType<typeof readPrompt>, rng: Rng): string | undefined {
  const tail = ctx.user.slice(-400);
  if (/\bonly\b[^\n]{0,20}\btrue"?\s+or\s+"?false\b/i.test(tail)) {
    return String(ctx.verdict ? ctx.verdict.result : rng() < 0.5);
  }
  const number = /\bonly\b[^\n]{0,20}\b(integer|number|decimal)\b/i.exec(tail);
  if (!number) return undefined;
  if (number[1]!.toLowerCase() === 'integer') return String(Math.floor(rng() * 100));
  return String(ctx.verdict?.score ?? Math.round(rng() * 100) / 100);
}

/** A schema the client put in a system message after "JSON Schema" (its structured-output fallback). */
export function schemaInPrompt(messages: readonly SimMessage[]): Record<string, unknown> | undefined {
  for (const m of messages) {
    const at = m.content.search(/JSON Schema/i);
    if (at < 0) continue;
    const open = m.content.indexOf('{', at);
    const close = m.content.lastIndexOf('}');
    if (open < 0 || close < open) continue;
    try {
      const parsed: unknown = JSON.parse(m.content.slice(open, close + 1));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // not a schema after all
    }
  }
  return undefined;
}

function smallObject(ctx: ReturnType<typeof readPrompt>, rng: Rng): Record<string, unknown> {
  const at = ctx.all.search(/\bjson\b/i);
  const after = at < 0 ? '' : ctx.all.slice(at);
  const keys = [...new Set([...after.matchAll(/"([A-Za-z_][A-Za-z0-9_]{0,40})"/g)].map((m) => m[1]!))];
  const properties: Record<string, unknown> = {};
  for (const k of keys) properties[k] = guessSchema(k);
  if (keys.length === 0) {
    properties['answer'] = { type: 'string' };
    if (ctx.verdict) {
      properties['result'] = { type: 'boolean' };
      properties['score'] = { type: 'number', minimum: 0, maximum: 1 };
    }
  }
  return valueForSchema({ type: 'object', properties }, ctx, rng) as Record<string, unknown>;
}

function guessSchema(key: string): Record<string, unknown> {
  if (/score|confidence|probability|similarity|relevance/i.test(key))
    return { type: 'number', minimum: 0, maximum: 1 };
  if (/^(is_|has_)|^(result|match|same)$/i.test(key)) return { type: 'boolean' };
  if (/^(n|count|number|total|quantity)$/i.test(key)) return { type: 'integer', minimum: 0, maximum: 100 };
  // larsql's mapping dimensions: index → label (schema-answer.ts genMapping).
  if (key === 'mapping') return { type: 'object' };
  if (/(insights|items|tags|themes|list|keywords|labels|points)$/i.test(key)) {
    return { type: 'array', items: { type: 'string' }, minItems: 3 };
  }
  return { type: 'string' };
}
