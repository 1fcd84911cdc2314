/**
 * The simulator's one world (src/sim/world.ts, issue 68): `sim-small`'s agreement with the
 * statement model (`gpt-4o-mini`, no profile: accuracy 1) over a sample of texts, per
 * operator form, against sim-small's profiled accuracy; and "from 1 to 5 stars" answers.
 *
 *   node --import tsx bench/one-world.bench.ts [--trials 100] [--texts 1000] [--accuracies 1,0.95,0.85,0.7]
 *
 * Each trial draws its texts (test/fixtures/one-world-texts.ts) and the simulator's seed
 * from the trial number, and asks each text through the simulator's own answer code
 * in-process (answer.ts, as bench/accuracy.bench.ts does), with the prompts and schemas
 * the shipped cascades send (cascades/semantic/means.yaml, classify_row.yaml, an ENUM
 * function's template, llm.yaml's RETURNING INTEGER); test/semantic/one-world.test.ts runs
 * the same forms through the engine and the simulator over HTTP.
 */
import { answerFor } from '../src/sim/answer.js';
import type { ModelProfile } from '../src/sim/profile.js';
import { ONE_WORLD_CRITERION, ONE_WORLD_LABELS, oneWorldTexts } from '../test/fixtures/one-world-texts.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRIALS = arg('trials', 100);
const TEXTS = arg('texts', 1000);
const ACCURACIES = (() => {
  const i = process.argv.indexOf('--accuracies');
  return i > 0 ? process.argv[i + 1]!.split(',').map(Number) : [1, 0.95, 0.85, 0.7];
})();
const STATEMENT_MODEL = 'gpt-4o-mini';
const PROXY = 'sim-small';

const labels = [...ONE_WORLD_LABELS];
const FORMS: Record<string, (t: string) => { content: string; schema: Record<string, unknown> }> = {
  MEANS: (t) => ({
    content: `Does the text satisfy the criterion? Judge meaning, not exact words.\n<criterion>${ONE_WORLD_CRITERION}</criterion>\n<text>${t}</text>\n`,
    schema: { type: 'object', required: ['result'], properties: { result: { type: 'boolean' } } },
  }),
  CLASSIFY: (t) => ({
    content: `Which one of the labels best describes the text?\n<text>${t}</text>\n`,
    schema: { type: 'object', required: ['label'], properties: { label: { type: 'string', enum: labels } } },
  }),
  ENUM: (t) => ({
    content: `Which topic is this ticket about? ${t}\n`,
    schema: {
      type: 'object',
      required: ['result'],
      properties: { result: { type: 'string', enum: labels } },
    },
  }),
};
const STARS = (t: string) => ({
  content: `Answer the task below about the inputs below, taken together.\n<task>Rate this ticket from 1 to 5 stars</task>\n<text><input name="t">${t}</input></text>\n`,
  schema: { type: 'object', required: ['value'], properties: { value: { type: 'integer' } } },
});

function ask(
  model: string,
  seed: number,
  profile: ModelProfile | undefined,
  prompt: { content: string; schema: Record<string, unknown> },
): string {
  return answerFor(
    { model, messages: [{ role: 'user', content: prompt.content }], schema: prompt.schema },
    seed,
    profile,
  );
}

const lines = [
  `| form | ${PROXY} accuracy | agreement with ${STATEMENT_MODEL}: mean | min / max over trials | trials within ±0.03 |`,
  '| --- | --- | --- | --- | --- |',
];
for (const accuracy of ACCURACIES) {
  // accuracy 1: the simulator's default (no profile for any model name).
  const profile = accuracy < 1 ? { accuracy } : undefined;
  for (const [form, prompt] of Object.entries(FORMS)) {
    let sum = 0;
    let min = 1;
    let max = 0;
    let within = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = 6800 + trial;
      let agree = 0;
      for (const t of oneWorldTexts(TEXTS, seed)) {
        if (ask(STATEMENT_MODEL, seed, undefined, prompt(t)) === ask(PROXY, seed, profile, prompt(t)))
          agree++;
      }
      const share = agree / TEXTS;
      sum += share;
      min = Math.min(min, share);
      max = Math.max(max, share);
      if (Math.abs(share - accuracy) <= 0.03) within++;
    }
    lines.push(
      `| ${form} | ${accuracy === 1 ? '1 (default)' : accuracy} | ${(sum / TRIALS).toFixed(4)} | ${min.toFixed(3)} / ${max.toFixed(3)} | ${within} of ${TRIALS} |`,
    );
  }
}
console.log(lines.join('\n'));

// "from 1 to 5 stars": every answer in 1..5, and the two models rate each text alike.
let outside = 0;
let differ = 0;
const seen = new Map<number, number>();
for (let trial = 0; trial < TRIALS; trial++) {
  const seed = 6800 + trial;
  for (const t of oneWorldTexts(TEXTS, seed)) {
    const big = (JSON.parse(ask(STATEMENT_MODEL, seed, undefined, STARS(t))) as { value: number }).value;
    const small = (JSON.parse(ask(PROXY, seed, { accuracy: 0.85 }, STARS(t))) as { value: number }).value;
    if (!Number.isInteger(big) || big < 1 || big > 5) outside++;
    if (big !== small) differ++;
    seen.set(big, (seen.get(big) ?? 0) + 1);
  }
}
const total = TRIALS * TEXTS;
console.log(
  `\n"Rate this ticket from 1 to 5 stars" over ${total} texts: ${outside} answers outside 1..5; ${differ} rated differently by ${PROXY} (0.85) and ${STATEMENT_MODEL}; counts by star ${[
    ...seen.entries(),
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}`,
);
