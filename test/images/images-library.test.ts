/**
 * Images end to end through the library, against the simulator: a MEANS
 * filter and a MAP over 50 generated PNGs, from a BLOB column and from files
 * in an allowed folder; LLM() typed over them; packed prompts. Answers come
 * from each PNG's Description, so they are exact; tokens are the images' own
 * (OpenAI's rule) plus the text's, as reported and as logged, with cost.
 */
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine, startSimulator } from '../../src/index.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { IMAGE_CASCADES, IMAGES, imageFolder, loadImageTables, RED_IDS } from './fifty.js';
import { png } from './png.js';

const COST = { in: 0.15, out: 0.6 };
const IMAGE_TOKENS = IMAGES.reduce((n, m) => n + m.tokens, 0);

let sim: SimulatorHandle;
let engine: Engine;
let dir: string;

test.before(async () => {
  dir = imageFolder();
  sim = await startSimulator({ record: true, costPerMillion: COST });
  engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small' },
    cascadeRoots: [IMAGE_CASCADES],
    imageFolders: [dir],
    threads: 2,
  });
  await loadImageTables(engine);
});
test.after(async () => {
  await engine.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `sql` and checks the calls it made: `requests` chat requests, their
 * image tokens exactly the images' by OpenAI's rule, each request's prompt
 * tokens its text / 4 plus its images', and rvbbit.unified_logs holding the
 * same tokens and the provider's cost.
 */
async function measured(sql: string, requests: number, imageTokens = IMAGE_TOKENS) {
  const before = sim.stats();
  const seenBefore = before.promptsSeen!.length;
  const result = await engine.query(sql);
  const after = sim.stats();
  assert.is(after.requests - before.requests, requests, 'requests');
  assert.is(after.imageTokens - before.imageTokens, imageTokens, 'image tokens');
  let expected = 0;
  for (const p of after.promptsSeen!.slice(seenBefore)) {
    // A json_schema response_format's schema counts too, as OpenAI counts it (src/sim/completion.ts promptTokensOf).
    const rf = p.responseFormat as { type?: string; json_schema?: { schema?: unknown } } | undefined;
    let chars =
      rf?.type === 'json_schema' && rf.json_schema?.schema ? JSON.stringify(rf.json_schema.schema).length : 0;
    for (const m of p.messages) {
      chars += (m.text ?? m.content).length;
      for (const image of m.images ?? []) expected += image.tokens;
    }
    expected += Math.ceil(chars / 4);
  }
  const tokensIn = after.tokensIn - before.tokensIn;
  const tokensOut = after.tokensOut - before.tokensOut;
  assert.is(tokensIn, expected, 'prompt tokens = (text + schema) / 4 + image tokens');
  const logged = (
    await engine.query(
      `SELECT count(*)::INTEGER AS calls, sum(tokens_in)::BIGINT AS t_in, sum(tokens_out)::BIGINT AS t_out, sum(cost) AS cost
       FROM rvbbit.unified_logs WHERE query_id = (SELECT query_id FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1)`,
    )
  ).rows[0]!;
  assert.is(logged.calls, requests);
  assert.is(Number(logged.t_in), tokensIn);
  assert.is(Number(logged.t_out), tokensOut);
  assert.ok(Math.abs(Number(logged.cost) - (tokensIn * COST.in + tokensOut * COST.out) / 1e6) < 1e-12);
  return result.rows;
}

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));

test('50 PNGs in a BLOB column: WHERE IMAGE(png) MEANS ‘red’ is exactly the red ones, 4 packed calls', async () => {
  const rows = await measured(
    `-- @ cache: false\nSELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`,
    // 4 calls (was 50, one per image): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2.
    4,
  );
  assert.equal(ids(rows), RED_IDS);
  assert.equal(RED_IDS, [1, 6, 11, 16, 21, 26, 31, 36, 41, 46]);
  // Each image at its own size: 255, 425, 595 and 765 tokens all occur.
  assert.equal([...new Set(IMAGES.map((m) => m.tokens))].sort(), [255, 425, 595, 765]);
});

test('the same 50 as files in the allowed folder: WHERE IMAGE(path) MEANS ‘red’', async () => {
  const rows = await measured(
    `-- @ cache: false\nSELECT id FROM files WHERE IMAGE(path) MEANS 'red' ORDER BY id`,
    // 4 calls (was 50): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2 (the files, 2-3 KB each, far under the image bytes bound).
    4,
  );
  assert.equal(ids(rows), RED_IDS);
  const absolute = await engine.query(
    `-- @ cache: false\nSELECT id FROM files WHERE IMAGE('${dir}/' || path) MEANS 'a blue thing' ORDER BY id`,
  );
  assert.equal(
    ids(absolute.rows),
    IMAGES.filter((m) => m.colour === 'blue').map((m) => m.id),
  );
});

test('a MAP over the 50 reads colour and shape off each image, 50 calls (BLOBs, then files)', async () => {
  const rows = await measured(
    `RVBBIT MAP PARALLEL 8 'photo_traits.yaml' AS (colour VARCHAR, shape VARCHAR)
     USING (SELECT id, IMAGE(png) AS photo FROM imgs ORDER BY id) WITH (cache = false)`,
    50,
  );
  assert.equal(
    rows.map((r) => [r.id, r.colour, r.shape]),
    IMAGES.map((m) => [m.id, m.colour, m.shape]),
  );
  assert.ok(rows.every((r) => r._error === undefined));
  const files = await measured(
    `RVBBIT MAP PARALLEL 8 'photo_traits.yaml' AS (colour VARCHAR, shape VARCHAR)
     USING (SELECT id, IMAGE(path) AS photo FROM files ORDER BY id) WITH (cache = false)`,
    50,
  );
  assert.equal(
    files.map((r) => [r.id, r.colour, r.shape]),
    IMAGES.map((m) => [m.id, m.colour, m.shape]),
  );
});

test('LLM() typed over an image, and detail low: 85 tokens an image', async () => {
  const rows = await measured(
    `-- @ cache: false\nSELECT id, LLM('is the shape red', IMAGE(png, 'low') RETURNING BOOLEAN) AS red FROM imgs ORDER BY id`,
    // 4 calls (was 50): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2; still 85 tokens each image.
    4,
    50 * 85,
  );
  assert.equal(
    rows.filter((r) => r.red === true).map((r) => r.id),
    RED_IDS,
  );
});

test('packed prompts: 10 images per prompt, the same rows in 5 calls', async () => {
  const rows = await measured(
    `-- @ cache: false\n-- @ batch: 10\nSELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`,
    5,
  );
  assert.equal(ids(rows), RED_IDS);
  const last = sim.stats().promptsSeen!.at(-1)!;
  assert.is(last.messages.at(-1)!.images!.length, 10);
});

test('Batch API delivery: the 50 images go as image parts in batch lines, with their tokens', async () => {
  sim.setOptions({ batchCompletionMs: 20 });
  const before = sim.stats();
  const r = await engine.query(
    `-- @ cache: false\n-- @ delivery: batch\nSELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`,
  );
  const after = sim.stats();
  assert.equal(ids(r.rows), RED_IDS);
  // 4 lines (was 50, one per image): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2.
  assert.is(after.batchLines - before.batchLines, 4);
  assert.is(after.requests - before.requests, 0);
  assert.is(after.imageTokens - before.imageTokens, IMAGE_TOKENS);
});

test('EXPLAIN counts an image by its size: a 100 KB PNG is its 765 tokens, not its base64 as text', async () => {
  const big = png({ width: 1024, height: 1024, description: 'x'.repeat(100_000) });
  assert.ok(big.length > 100_000);
  const r = await engine.query(
    `EXPLAIN SELECT IMAGE(from_hex('${big.toString('hex')}')) MEANS 'a red circle' AS red`,
  );
  const est = Number(r.rows.find((x) => x.property === 'est_tokens_in')!.value);
  // The prompt's text is ~90 tokens; its base64 as text would be ~60k.
  assert.ok(est > 765 && est < 765 + 200, `est_tokens_in ${est}`);
});

test('EXPLAIN of IMAGE(x, detail) for auto, low and high: the image tokens the run logs', async () => {
  // A 1024 × 1024 PNG of ~200 KB: 765 tokens at auto or high, 85 at low (OpenAI's rule).
  const big = png({ width: 1024, height: 1024, description: 'x'.repeat(200_000) });
  assert.ok(big.length > 195_000);
  const hex = big.toString('hex');
  const est: Record<string, number> = {};
  for (const [detail, image] of [
    ['auto', 765],
    ['low', 85],
    ['high', 765],
  ] as const) {
    const sql = `-- @ cache: false
SELECT IMAGE(from_hex('${hex}'), '${detail}') MEANS 'a red circle' AS red`;
    const r = await engine.query(`EXPLAIN ${sql}`);
    est[detail] = Number(r.rows.find((x) => x.property === 'est_tokens_in')!.value);
    const before = sim.stats();
    await engine.query(sql);
    const after = sim.stats();
    assert.is(after.requests - before.requests, 1, detail);
    assert.is(after.imageTokens - before.imageTokens, image, detail);
    const [logged] = (
      await engine.query(
        `SELECT tokens_in::INTEGER AS t FROM rvbbit.unified_logs WHERE query_id = (SELECT query_id FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1)`,
      )
    ).rows;
    const tokensIn = Number(logged?.t);
    assert.is(tokensIn, after.tokensIn - before.tokensIn, detail);
    // The rest is the prompt's text (~90 tokens by the tokenizer, chars / 4 at the simulator).
    assert.ok(
      Math.abs(est[detail]! - tokensIn) < 60,
      `${detail}: est_tokens_in ${est[detail]}, logged ${tokensIn}`,
    );
  }
  // The same prompt text at each detail: the estimates differ by the images' tokens alone.
  assert.is(est.auto! - est.low!, 765 - 85);
  assert.is(est.high, est.auto);
});

test('a cached re-run makes no call; rvbbit.queries logs an image written in SQL in short', async () => {
  const before = sim.stats().requests;
  const again = await engine.query(`SELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`);
  const twice = await engine.query(`SELECT id FROM imgs WHERE IMAGE(png) MEANS 'red' ORDER BY id`);
  assert.equal(ids(again.rows), RED_IDS);
  assert.equal(ids(twice.rows), RED_IDS);
  // 4 calls, the first run's (was 50): unannotated statements pack since issue 67: 16 images a prompt, 50 in 16 + 16 + 16 + 2.
  assert.is(sim.stats().requests - before, 4);
  const b64 = IMAGES[0]!.png.toString('base64');
  const r = await engine.query(`SELECT IMAGE('data:image/png;base64,${b64}') MEANS 'red' AS red`);
  assert.equal(r.rows, [{ red: true }]);
  const logged = await engine.query(`SELECT text FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1`);
  assert.match(
    String(logged.rows[0]!.text),
    /^SELECT IMAGE\('<image png 601x12 1 KB sha256:[0-9a-f]{12}>'\) MEANS 'red' AS red$/,
  );
});

test.run();
