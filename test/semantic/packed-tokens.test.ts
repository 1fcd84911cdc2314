/**
 * `-- @ batch: n` states an operator's instructions once per prompt, not once
 * per row (src/cascade/packed-prompt.ts), so the input tokens per row fall
 * toward the row's own text. Measured with the simulator's `tokensIn` (prompt
 * characters / 4, system message included), packed and unpacked over the
 * same distinct tuples; the rows are identical.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture; dir: string }>('semantic: packed prompts state the instructions once');

/** Fixed instructions of ~3× a row's text (asserted below). */
const INSTRUCTIONS = [
  'You review one part listing of a hardware catalogue for a buyer.',
  'Decide whether the listing fits the wanted description given below.',
  'Judge what the part is, not the exact words used in the listing.',
].join('\n');

const CASCADE = `cascade_id: semantic_suits
description: A filter with long fixed instructions (test)
sql_function:
  name: semantic_suits
  args: [ { name: text, type: VARCHAR }, { name: wanted, type: VARCHAR } ]
  returns: BOOLEAN
  operators: [ "{{ text }} SUITS {{ wanted }}" ]
cells:
  - name: judge
    instructions: |
${INSTRUCTIONS.split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
      <wanted>{{ input.wanted }}</wanted>
      <listing>{{ input.text }}</listing>
    output_schema: { type: object, required: [result], properties: { result: { type: boolean } } }
`;

const ROWS = 64;
const PARTS = `CREATE TABLE parts AS SELECT range::INTEGER AS id,
  CASE WHEN range % 8 = 0 THEN 'eco friendly bottle, catalogue entry ' ELSE 'plain steel part, catalogue entry ' END || range AS body
  FROM range(${ROWS});`;

const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 10 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(256);`;

test.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rvbbit-packed-tokens-'));
  writeFileSync(join(ctx.dir, 'suits.yaml'), CASCADE);
  ctx.f = await startSemFixture({ cascadeRoots: [ctx.dir], defaultParallel: 8 });
  await ctx.f.engine.query(`${PARTS}\n${ITEMS}`);
});
test.after(async (ctx) => {
  await ctx.f.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** Rows and simulator input tokens per tuple, unpacked and packed n. */
async function measure(f: SemFixture, sql: string, tuples: number, n: number) {
  await f.sim.resetStats();
  // The unpacked reference says so (-- @ batch: 1): issue 67 packs unannotated statements.
  const plain = await f.rows(sql, '-- @ cache: false\n-- @ batch: 1');
  const plainStats = await f.sim.stats();
  await f.sim.resetStats();
  const packed = await f.rows(sql, `-- @ cache: false\n-- @ batch: ${n}`);
  const packedStats = await f.sim.stats();
  assert.is(plainStats.requests, tuples);
  assert.is(packedStats.requests, Math.ceil(tuples / n));
  const perRow = { plain: plainStats.tokensIn / tuples, packed: packedStats.tokensIn / tuples };
  return { plain, packed, perRow, ratio: perRow.packed / perRow.plain };
}

const fmt = (x: number) => x.toFixed(1);

test('instructions 3× a row: same rows, input tokens per row at batch 16 ≤ 0.5× unpacked', async ({ f }) => {
  const rowText = `plain steel part, catalogue entry ${ROWS - 1}`;
  const fixed = INSTRUCTIONS.length + '<wanted></wanted>\n<listing></listing>\n'.length;
  assert.ok(fixed >= 3 * rowText.length, `instructions ${fixed} chars, a row ${rowText.length}`);
  const sql = `SELECT id FROM parts WHERE body SUITS 'a reusable eco friendly bottle' ORDER BY id`;
  const m = await measure(f, sql, ROWS, 16);
  assert.equal(m.packed, m.plain);
  assert.ok(m.plain.length > 0 && m.plain.length < ROWS, 'some rows match, not all');
  console.log(
    `  SUITS, ${ROWS} rows: ${fmt(m.perRow.plain)} input tokens per row unpacked, ` +
      `${fmt(m.perRow.packed)} packed 16: ${m.ratio.toFixed(2)}×`,
  );
  assert.ok(m.ratio <= 0.5, `packed/unpacked tokens per row ${m.ratio.toFixed(3)}`);
});

test('shipped MEANS: same rows, fewer input tokens per row packed 16', async ({ f }) => {
  const sql = `SELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;
  const m = await measure(f, sql, 256, 16);
  assert.equal(m.packed, m.plain);
  assert.is(m.plain.length, 26);
  console.log(
    `  MEANS, 256 rows: ${fmt(m.perRow.plain)} input tokens per row unpacked, ` +
      `${fmt(m.perRow.packed)} packed 16: ${m.ratio.toFixed(2)}×`,
  );
  assert.ok(m.ratio <= 0.5, `packed/unpacked tokens per row ${m.ratio.toFixed(3)}`);
});

test('shipped MEANS over the 11 bodies of the docs table: one packed call', async ({ f }) => {
  const sql = `SELECT id FROM docs WHERE body MEANS 'eco friendly' ORDER BY id`;
  const m = await measure(f, sql, 11, 16);
  assert.equal(m.packed, m.plain);
  console.log(
    `  MEANS, docs (11 bodies): ${fmt(m.perRow.plain)} input tokens per row unpacked, ` +
      `${fmt(m.perRow.packed)} packed: ${m.ratio.toFixed(2)}×`,
  );
  assert.ok(m.ratio < 1);
});

test.run();
