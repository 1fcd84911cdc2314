/**
 * The pair split's price cut to the image bound (issue 67, split-cost.ts): a
 * split whose values are image files labels them, and asks its check's pairs,
 * in packs cut where their files would pass the bytes one request may hold
 * (llm/image-files.ts imageBoundedBatches, as the worker cuts them), and its
 * price counts those packs. 48 texts × 48 image files (2,304 pairs, over
 * MIN_SPLIT_PAIRS) at a bound of 2.5 files: at most 2 images a request. Each
 * image's PNG description (what the simulator reads it as) carries a
 * sentiment, so "opposite sentiments" splits and its check passes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../../src/sim/index.js';
import { COLOURS, png } from './png.js';

const N = 48;
const TONES = ['a wonderful bright garden', 'a terrible broken car', 'a grey box on a table'] as const;
const TEXTS = [
  'I loved it, wonderful and great',
  'I hated it, terrible and awful',
  'it arrived on a tuesday',
];
/** Each file a few KB (a private chunk pads it), the widths differing so no two are the same bytes. */
const pngOf = (id: number) =>
  png({ width: 20 + id, height: 20, rgb: COLOURS['blue']!, description: TONES[id % 3]!, padding: 4_000 });

let root: string;
let sim: SimulatorProcessHandle;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rvbbit-split-images-'));
  mkdirSync(join(root, 'photos'));
  for (let id = 1; id <= N; id++) writeFileSync(join(root, 'photos', `img-${id}.png`), pngOf(id));
  sim = await startSimulatorProcess({ profile: 'openai', record: true });
});
test.after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

const SQL = `SELECT t.id AS t, p.id AS p FROM texts t JOIN photos p
  ON LLM_FILTER('The two inputs express opposite sentiments', t.review, IMAGE(p.path))
  ORDER BY t, p`;

async function engineAt(limit: number | undefined): Promise<Engine> {
  const e = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 100 },
    cascadeRoots: [],
    imageFolders: [join(root, 'photos')],
    threads: 2,
    ...(limit === undefined ? {} : { maxImageBytesInFlight: limit }),
  });
  await e.query(`CREATE TABLE texts AS SELECT range::INTEGER AS id,
      'review ' || range || ': ' || CASE range % 3 ${TEXTS.map((t, i) => `WHEN ${i} THEN '${t}'`).join(' ')} END AS review
      FROM range(1, ${N + 1});
    CREATE TABLE photos AS SELECT range::INTEGER AS id, 'img-' || range || '.png' AS path FROM range(1, ${N + 1});`);
  return e;
}

/** EXPLAIN's split line: its labels' and its sample's calls. */
function splitCalls(line: string): { labels: number; sample: number; calls: number } {
  const m =
    /split (\d+) calls, .*?(\d+) values labelled in (\d+) calls, a sample of \d+ pairs in (\d+) calls/.exec(
      line,
    );
  assert.ok(m, line);
  return { calls: Number(m[1]), labels: Number(m[3]), sample: Number(m[4]) };
}

test('a split over image files is priced in the packs the image bound cuts (at most 2 files a request at 2.5 files), and runs in them', async () => {
  const limit = Math.floor(pngOf(1).length * 2.5);
  // Two files fit the bound, three do not.
  assert.ok(pngOf(N - 1).length + pngOf(N).length <= limit && 3 * pngOf(1).length > limit);
  const bounded = await engineAt(limit);
  const free = await engineAt(undefined);
  try {
    const explained = async (e: Engine) => {
      const r = await e.query(`-- @ cache: false\n-- @ pair_split: on\nEXPLAIN ${SQL}`);
      return splitCalls(String(r.rows.find((x) => x.property === 'pair_split')?.value));
    };
    const cut = await explained(bounded);
    const whole = await explained(free);
    // Unbounded, 96 values in 6 packs of 16 and the first look's 95 pairs in 6. Bounded, the 48 texts still pack
    // 16 a prompt but the 48 files at most 2 a prompt (24 packs, and where texts and files meet); each sampled pair
    // holds a file, so the sample's packs hold 2 files, or 3 pairs sharing 2.
    assert.equal([whole.labels, whole.sample], [6, 6]);
    assert.is(cut.labels, 27);
    assert.ok(cut.sample >= Math.ceil(95 / 3) && cut.sample <= 48, `sample in ${cut.sample} calls`);

    await sim.resetStats();
    const rows = await bounded.query(`-- @ cache: false\n-- @ pair_split: on\n${SQL}`);
    // A third of the texts loved, a third hated; a third of the pictures wonderful, a third terrible: 2 × 16 × 16.
    assert.is(rows.rows.length, 512);
    const st = await sim.stats();
    const [q] = (
      await bounded.query(
        `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
      )
    ).rows;
    const strategy = String(q!['strategy']);
    assert.match(strategy, 'ran as labels positive/negative/neutral compared by <>');
    const priced = /priced at these labels: (\d+) calls, ~(\d+) in \+ (\d+) out tokens/.exec(strategy);
    assert.ok(priced, strategy);
    // Priced once the labels are known, the split is the run's calls: each part cut by the image bound within the
    // chunks the dispatcher hands the workers (call-cost.ts requestRows, call-runner.ts dispatchLayout). Before the
    // chunks were priced, 97-98 against the run's 99-100: a pack of 3 pairs sharing 2 files straddled a chunk's end.
    assert.is(Number(priced[1]), st.requests);
    // Input within a token a request (each image request is priced a token apart, as in bench/results/explain-accuracy.md's
    // IMAGE rows); output 17 short: the question's answer, the model's JSON, priced at its least.
    assert.ok(
      Math.abs(Number(priced[2]) - st.tokensIn) <= st.requests,
      `${priced[2]} against ${st.tokensIn}`,
    );
    assert.is(Number(priced[3]), st.tokensOut - 17);
    const calls = { question: 0, labels: 0, sample: 0 };
    for (const p of st.promptsSeen!) {
      const files = new Set(p.messages.flatMap((m) => m.images ?? []).map((i) => i.sha256));
      assert.ok(files.size <= 2, `a request held ${files.size} image files`);
      const text = p.messages.map((m) => m.text ?? m.content).join(' ');
      calls[
        /Which one of the labels/.test(text)
          ? 'labels'
          : /Does the condition/.test(text)
            ? 'sample'
            : 'question'
      ]++;
    }
    // The labels run in the packs they are priced in (the same values; the files' packs of 2 fill the dispatch's
    // chunks of 16 tuples evenly).
    assert.equal([calls.question, calls.labels], [1, cut.labels]);
    // The sample: its first look at the labels' share (0.222: 144 pairs), at most 2 files a request.
    assert.ok(calls.sample >= Math.ceil(144 / 3), `sample in ${calls.sample} calls`);
  } finally {
    await bounded.close();
    await free.close();
  }
});

test.run();
