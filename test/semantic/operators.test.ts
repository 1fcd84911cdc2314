/**
 * The operator catalog: a cascade folder overrides a shipped operator by
 * `sql_function.name` and adds a new infix word that the grammar accepts;
 * annotations reach the prompts (hints) and the request (model).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXTRA_CASCADES, type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ shipped: SemFixture; extra: SemFixture }>('semantic: operator catalog and annotations');

test.before(async (ctx) => {
  ctx.shipped = await startSemFixture({}, { record: true });
  ctx.extra = await startSemFixture({ cascadeRoots: [EXTRA_CASCADES] }, { record: true });
});
test.after(async (ctx) => {
  await ctx.shipped.close();
  await ctx.extra.close();
});

async function prompts(f: SemFixture): Promise<{ model: string; text: string }[]> {
  const seen = (await f.sim.stats()).promptsSeen ?? [];
  return seen.map((p) => ({ model: p.model, text: p.messages.map((m) => m.content).join('\n') }));
}

test('a cascade root overrides MEANS by sql_function.name; MATCHES keeps the shipped cascade', async ({
  extra,
}) => {
  await extra.sim.resetStats();
  await extra.rows(`SELECT id FROM docs WHERE id = 1 AND body MEANS 'eco'`, '-- @ cache: false');
  let seen = await prompts(extra);
  assert.is(seen.length, 1);
  assert.match(seen[0]!.text, /^OVERRIDDEN MEANS\./m);
  await extra.sim.resetStats();
  await extra.rows(`SELECT id FROM docs WHERE id = 1 AND body MATCHES 'eco'`, '-- @ cache: false');
  seen = await prompts(extra);
  assert.match(seen[0]!.text, /^OVERRIDDEN MEANS\./m, 'MATCHES names the same function, now overridden');
});

test('a new infix word parses and runs its cascade', async ({ extra }) => {
  await extra.sim.resetStats();
  const rows = await extra.rows(
    `SELECT id, title RHYMES 'eco bottle' AS r FROM docs WHERE id IN (1, 2) ORDER BY id`,
    // Pinned unpacked: each row's prompt is the cascade's own; unannotated statements pack since issue 67.
    '-- @ cache: false\n-- @ batch: 1',
  );
  assert.equal(rows, [
    { id: 1, r: true },
    { id: 2, r: false },
  ]);
  const seen = await prompts(extra);
  assert.is(seen.length, 2);
  assert.ok(seen.every((p) => /^RHYMES CHECK\./m.test(p.text)));
});

test('without that root the word is an ordinary identifier, so DuckDB rejects the statement', async ({
  shipped,
}) => {
  try {
    await shipped.rows(`SELECT title RHYMES 'x' FROM docs`);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /syntax error at or near "'x'"/);
  }
});

test('free-text annotations are appended to every operator prompt', async ({ shipped }) => {
  await shipped.sim.resetStats();
  await shipped.rows(
    `SELECT id, body ABOUT 'eco' AS s FROM docs WHERE id = 1 AND body MEANS 'eco'`,
    '-- @ judge the materials only\n-- @ cache: false',
  );
  const seen = await prompts(shipped);
  assert.is(seen.length, 2);
  assert.ok(seen.every((p) => p.text.includes('Also consider: judge the materials only')));
});

test('-- @ model: reaches every call', async ({ shipped }) => {
  await shipped.sim.resetStats();
  await shipped.rows(
    `SELECT id FROM docs WHERE id < 3 AND body MEANS 'eco'`,
    // Pinned unpacked, so that there is more than one call to reach; unannotated statements pack since issue 67.
    '-- @ model: sim-large\n-- @ cache: false\n-- @ batch: 1',
  );
  const seen = await prompts(shipped);
  assert.equal(
    seen.map((p) => p.model),
    ['sim-large', 'sim-large'],
  );
});

test('the shipped prompts follow the operator convention', async ({ shipped }) => {
  await shipped.sim.resetStats();
  await shipped.rows(
    `SELECT body MEANS 'a' m, body ABOUT 'b' ab, body ALIGNS 'c' al, body IMPLIES 'd' i, body CONTRADICTS 'e' c, title ~ 'f' s
     FROM docs WHERE id = 1`,
    '-- @ cache: false',
  );
  const text = (await prompts(shipped)).map((p) => p.text).join('\n---\n');
  for (const block of [
    '<criterion>a</criterion>',
    '<topic>b</topic>',
    '<statement>c</statement>',
    '<statement>d</statement>',
    '<statement>e</statement>',
    '<b>f</b>',
  ])
    assert.ok(text.includes(block), block);
  assert.match(text, /contradict/);
});

test.run();
