/**
 * Semantic functions defined in SQL through the library: CREATE in one
 * session, used by another at its next statement; OR REPLACE answers from
 * the new prompt and never reads the old answers; a file database keeps them
 * across a restart; DROP removes them; every refused definition has its code
 * and position; the OPERATOR form parses as a file's word does; a CASCADE
 * definition runs a multi-cell cascade; EXPLAIN counts its calls.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { createEngine } from '../../src/index.js';
import { SHIPPED_CASCADES } from '../../src/runtime/package-files.js';
import { EXTRA_CASCADES, jsonRows, semSuite } from './semantic-fixture.js';

const test = semSuite(
  'semantic: CREATE / DROP SEMANTIC FUNCTION',
  // Pinned unpacked (operatorBatch: 1): these count a defined function's calls, one per tuple, as a file operator's; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  { cascadeRoots: [EXTRA_CASCADES], operatorBatch: 1 },
  { record: true },
);

const FRUIT = `CREATE SEMANTIC FUNCTION is_fruit(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} a kind of fruit?'`;

async function refusal(run: Promise<unknown>): Promise<RvbbitError> {
  try {
    await run;
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error('expected the statement to fail');
}

test('created in one session, used by another at its next statement; cached; replaced; dropped', async ({
  f,
}) => {
  const a = await f.engine.session();
  const b = await f.engine.session();
  await a.query(FRUIT);
  const q = `SELECT id, is_fruit(title) AS fruit FROM docs WHERE id <= 5 ORDER BY id`;
  const first = jsonRows(await b.query(q).then((r) => r.rows));
  // The simulator answers a prompt without operator blocks by the world's draws for (question, text) (issue 68:
  // the same for every model); before, seeded by the model and the messages: [false, true, false, true, true],
  // and before issue 67 (the schema in the messages) [false, false, false, true, false].
  assert.equal(
    first.map((r) => r['fruit']),
    [true, false, true, true, true],
  );
  assert.is(await f.requests(), 5);
  // The same statement again: every answer from the cache.
  assert.equal(jsonRows((await b.query(q)).rows), first);
  assert.is(await f.requests(), 5);
  // Replaced: a new prompt, so new calls (the old answers are another cache key).
  await a.query(
    `CREATE OR REPLACE SEMANTIC FUNCTION is_fruit(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} durable and eco friendly?'`,
  );
  const replaced = jsonRows((await b.query(q)).rows);
  assert.is(await f.requests(), 10);
  assert.equal(
    replaced.map((r) => r['fruit']),
    // The world's draws since issue 68; [false, false, false, false, false] before, [true, true, false, true, true]
    // before issue 67.
    [false, true, true, true, true],
  );
  const stored = jsonRows(
    (await b.query(`SELECT name, version, "returns", operator FROM rvbbit.semantic_functions`)).rows,
  );
  assert.equal(stored, [{ name: 'is_fruit', version: 2, returns: 'BOOLEAN', operator: null }]);
  await b.query('DROP SEMANTIC FUNCTION is_fruit');
  const gone = await refusal(a.query(q));
  assert.is(gone.code, 'DUCKDB_CATALOG');
  assert.is((await refusal(a.query('DROP SEMANTIC FUNCTION is_fruit'))).code, 'SQLFN_NOT_FOUND');
  await a.query('DROP SEMANTIC FUNCTION IF EXISTS is_fruit');
  assert.equal((await a.query('SELECT * FROM rvbbit.semantic_functions')).rows, []);
  await a.close();
  await b.close();
});

test('every type RETURNING takes: a STRUCT, an ENUM and a list come back as that DuckDB type', async ({
  f,
}) => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION judge(x VARCHAR) RETURNS STRUCT(label VARCHAR, score INTEGER) AS 'Label {{ x }} and score it';
     CREATE SEMANTIC FUNCTION mood(x VARCHAR) RETURNS ENUM('up', 'down') AS 'Is {{ x }} up or down?';
     CREATE SEMANTIC FUNCTION tags(x VARCHAR) RETURNS VARCHAR[] AS 'Tags of {{ x }}'`,
  );
  const rows = jsonRows(
    (
      await f.engine.query(
        `SELECT id, judge(body) AS j, typeof(judge(body)) AS jt, mood(body) AS m, typeof(mood(body)) AS mt,
                tags(body) AS g, typeof(tags(body)) AS gt
         FROM docs WHERE id <= 2 ORDER BY id`,
      )
    ).rows,
  );
  assert.equal(
    rows.map((r) => [r['jt'], r['mt'], r['gt']]),
    [
      ['STRUCT("label" VARCHAR, score INTEGER)', "ENUM('up', 'down')", 'VARCHAR[]'],
      ['STRUCT("label" VARCHAR, score INTEGER)', "ENUM('up', 'down')", 'VARCHAR[]'],
    ],
  );
  // The simulator answers a prompt without operator blocks by seeded draws, seeded by the messages: they changed when
  // the schema left the messages (issue 67); the old draws in brackets.
  // [{ label: 'recycled eco friendly', score: 16 }, 'up', ['from plastic waste', 'eco friendly water', 'waste tags recycled']]
  // The score is the world's draw for (question, text) since issue 68 (89 before, seeded by the model and the messages).
  assert.equal(rows[0]!['j'], { label: 'and score label', score: 39 });
  assert.equal(rows[0]!['m'], 'down'); // 'up' before issue 68 (seeded by the model and the messages)
  assert.equal(rows[0]!['g'], ['friendly water bottle', 'friendly water bottle', 'water bottle made']);
  // Three functions, two rows: six calls (typeof reads the same answers).
  assert.is(await f.requests(), 6);
  await f.engine.query(
    'DROP SEMANTIC FUNCTION judge; DROP SEMANTIC FUNCTION mood; DROP SEMANTIC FUNCTION tags',
  );
});

test('one text: the statements after a CREATE or DROP read the new definition', async ({ f }) => {
  const r = await f.engine.query(
    `CREATE SEMANTIC FUNCTION is_eco2(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} eco friendly?';
     -- @ cache: false
     SELECT count(*) AS n FROM docs WHERE id <= 3 AND is_eco2(body) IS NOT NULL`,
  );
  assert.equal(jsonRows(r.rows), [{ n: 3 }]);
  assert.is(await f.requests(), 3);
  const s = await f.engine.session();
  // A statement prepared before the function existed runs with it once it does (the server's prepared statements).
  const [prepared] = s.statements(
    'SELECT count(*) AS n FROM docs WHERE id <= 2 AND is_eco3(body) IS NOT NULL',
  );
  await f.engine.query(`CREATE SEMANTIC FUNCTION is_eco3(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} green?'`);
  assert.equal(jsonRows((await prepared!.run(undefined)).rows), [{ n: 2 }]);
  const dropped = await refusal(
    f.engine.query('DROP SEMANTIC FUNCTION is_eco2; SELECT is_eco2(body) FROM docs'),
  );
  assert.is(dropped.code, 'DUCKDB_CATALOG');
  await f.engine.query('DROP SEMANTIC FUNCTION is_eco3');
  await s.close();
});

test('OPERATOR word: infix, parsed with the precedence of a file operator; WITH (model) picks the model', async ({
  f,
}) => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION echoes(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'ECHOES'
       WITH (model = 'sim-large') AS $$Does {{ a }} echo the idea of {{ b }}?$$`,
  );
  // RHYMES comes from an operator file (fixtures/cascades/semantic-extra/rhymes.yaml): same shape, same spans.
  const shape = (word: string) => {
    const parsed = f.engine.grammar.parse(
      `SELECT * FROM docs WHERE NOT title ${word} 'eco' AND id > 2 OR id = 1`,
    );
    assert.equal(parsed.errors, []);
    const s = parsed.statements[0]!;
    assert.is(s.kind, 'SqlStatement');
    return JSON.stringify(
      s.kind === 'SqlStatement' ? s.operators.map((o) => ({ ...o, functionName: '' })) : [],
    );
  };
  assert.is(shape('ECHOES').replace(/ECHOES/g, 'W'), shape('RHYMES').replace(/RHYMES/g, 'W'));
  const rows = jsonRows(
    (await f.engine.query(`SELECT id FROM docs WHERE id <= 6 AND body ECHOES 'eco friendly' ORDER BY id`))
      .rows,
  );
  // The simulator answers a prompt without operator blocks by the world's draws for (question, text) since issue 68
  // ([1, 2, 4] before, seeded by the model and the messages; [2, 5] before issue 67 took the schema out of them).
  assert.equal(
    rows.map((r) => r['id']),
    [1, 4, 6],
  );
  const listed = jsonRows(
    (
      await f.engine.query(
        `SELECT name, source, operators, calls, file FROM rvbbit.functions WHERE name IN ('echoes', 'semantic_rhymes') ORDER BY name`,
      )
    ).rows,
  );
  assert.equal(listed, [
    { name: 'echoes', source: 'sql', operators: ['a ECHOES b'], calls: ['ECHOES'], file: null },
    {
      name: 'semantic_rhymes',
      source: 'file',
      operators: ['text RHYMES other'],
      calls: ['SEMANTIC_RHYMES', 'RHYMES'],
      file: `${EXTRA_CASCADES}rhymes.yaml`,
    },
  ]);
  const seen = (await f.sim.stats()).promptsSeen ?? [];
  assert.is(seen.length, 6);
  assert.ok(seen.every((p) => p.model === 'sim-large'));
  const text = seen.map((p) => p.messages.map((m) => m.content).join('\n'));
  assert.ok(
    text.some((t) =>
      t.includes(
        'Does recycled eco friendly water bottle made from plastic waste echo the idea of eco friendly?',
      ),
    ),
  );
  await f.engine.query('DROP SEMANTIC FUNCTION echoes');
  assert.equal((await f.engine.query(`SELECT name FROM rvbbit.functions WHERE source = 'sql'`)).rows, []);
});

test('a file wins: its name and words are refused (42723), OR REPLACE does not replace it, DROP does not drop it', async ({
  f,
}) => {
  const word = await refusal(
    f.engine.query(
      `CREATE OR REPLACE SEMANTIC FUNCTION r2(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'RHYMES' AS '{{ a }} {{ b }}'`,
    ),
  );
  assert.is(word.code, 'SQLFN_EXISTS');
  assert.match(word.message, /RHYMES is defined by the file .*rhymes\.yaml/);
  const name = await refusal(
    f.engine.query(
      `CREATE OR REPLACE SEMANTIC FUNCTION semantic_means(x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`,
    ),
  );
  assert.is(name.code, 'SQLFN_EXISTS');
  const drop = await refusal(f.engine.query('DROP SEMANTIC FUNCTION semantic_means'));
  assert.is(drop.code, 'SQLFN_NOT_FOUND');
});

/** [statement, code, 1-based position in it (what psql's caret shows)] */
const REFUSED: readonly [string, string, number][] = [
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x  ripe?'`, 'SQLFN_TEMPLATE', 62],
  [
    `CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} like {{ y }}?'`,
    'SQLFN_DEFINITION',
    78,
  ],
  [
    `CREATE SEMANTIC FUNCTION f(x VARCHAR, y VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} ripe?'`,
    'SQLFN_DEFINITION',
    70,
  ],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR, x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`, 'SQLFN_DEFINITION', 39],
  [`CREATE SEMANTIC FUNCTION f(x VARCHRR) RETURNS BOOLEAN AS '{{ x }}'`, 'SQLFN_BAD_TYPE', 30],
  [`CREATE SEMANTIC FUNCTION f(hint VARCHAR) RETURNS BOOLEAN AS '{{ hint }}'`, 'SQLFN_DEFINITION', 28],
  [`CREATE SEMANTIC FUNCTION f(x STRUCT(a INT)) RETURNS BOOLEAN AS '{{ x }}'`, 'SQLFN_UNSUPPORTED_TYPE', 30],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS STRUCT(a) AS '{{ x }}'`, 'SQLFN_BAD_TYPE', 47],
  [
    `CREATE SEMANTIC FUNCTION f(answer_type VARCHAR) RETURNS VARCHAR[] AS '{{ answer_type }}'`,
    'SQLFN_DEFINITION',
    28,
  ],
  [`CREATE SEMANTIC FUNCTION lower(x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`, 'SQLFN_EXISTS', 26],
  [`CREATE SEMANTIC FUNCTION llm_summarize(x VARCHAR) RETURNS VARCHAR AS '{{ x }}'`, 'SQLFN_EXISTS', 26],
  [
    `CREATE SEMANTIC FUNCTION f(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'MEANS' AS '{{ a }}{{ b }}'`,
    'SQLFN_EXISTS',
    76,
  ],
  [
    `CREATE SEMANTIC FUNCTION f(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'SELECT' AS '{{ a }}{{ b }}'`,
    'SQLFN_EXISTS',
    76,
  ],
  [
    `CREATE SEMANTIC FUNCTION f(a VARCHAR) RETURNS BOOLEAN OPERATOR 'LIKES' AS '{{ a }}'`,
    'SQLFN_DEFINITION',
    65,
  ],
  [
    `CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN WITH (colour = 'red') AS '{{ x }}'`,
    'SQLFN_OPTION',
    61,
  ],
  [
    `CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN WITH (shape = 'round') AS '{{ x }}'`,
    'SQLFN_OPTION',
    61,
  ],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS`, 'E_UNEXPECTED_END', 57],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) BOOLEAN AS '{{ x }}'`, 'E_UNEXPECTED_TOKEN', 39],
  [
    `CREATE SEMANTIC FUNCTION f CASCADE AS $$cascade_id: f\ncells: [ { name: a, instructions: hi } ]$$`,
    'SQLFN_DEFINITION',
    41,
  ],
  [
    `CREATE SEMANTIC FUNCTION f CASCADE AS $$cascade_id: f\nsql_function: { name: g, args: [ { name: x, type: VARCHAR } ], returns: BOOLEAN }\ncells: [ { name: a, instructions: "{{ input.x }}" } ]$$`,
    'SQLFN_DEFINITION',
    26,
  ],
  [
    `CREATE SEMANTIC FUNCTION f CASCADE AS $$cascade_id: f\nsql_function: { name: f, args: [ { name: x, type: VARCHAR } ], returns: BOOLEAN }\ncells: [ { name: a, instructions: "{{ input.y }}" } ]$$`,
    'SQLFN_DEFINITION',
    175,
  ],
];

test('every refused definition: its code, and its position in the statement', async ({ f }) => {
  const seen: [string, string, number][] = [];
  for (const [sql] of REFUSED) {
    const err = await refusal(f.engine.query(sql));
    const offset = typeof err.detail['offset'] === 'number' ? err.detail['offset'] + 1 : -1;
    seen.push([sql, err.code, offset]);
  }
  assert.equal(seen, REFUSED);
  assert.equal((await f.engine.query('SELECT * FROM rvbbit.semantic_functions')).rows, []);
  assert.is(await f.requests(), 0);
});

test('CASCADE: a multi-cell cascade with its own sql_function; EXPLAIN counts its calls before any is made', async ({
  f,
}) => {
  await f.engine.query(`CREATE SEMANTIC FUNCTION triage CASCADE AS $$
cascade_id: triage
sql_function:
  name: triage
  args: [ { name: ticket, type: VARCHAR } ]
  returns: VARCHAR
cells:
  - name: gist
    instructions: "In a few words, what is this about? {{ input.ticket }}"
  - name: route
    instructions: "Which team handles it: tech, sport or home? {{ outputs.gist }}"
    output_schema: { type: object, required: [team], properties: { team: { type: string, enum: [tech, sport, home] } } }
$$`);
  const explained = jsonRows(
    (await f.engine.query(`EXPLAIN SELECT id, triage(body) FROM docs WHERE id <= 4`)).rows,
  );
  assert.ok(explained.some((r) => /triage/.test(JSON.stringify(r))));
  assert.is(await f.requests(), 0);
  const rows = jsonRows(
    (await f.engine.query(`SELECT id, triage(body) AS team FROM docs WHERE id <= 4 ORDER BY id`)).rows,
  );
  assert.is(rows.length, 4);
  assert.ok(rows.every((r) => ['tech', 'sport', 'home'].includes(String(r['team']))));
  // Two cells: two calls per row.
  assert.is(await f.requests(), 8);
  await f.engine.query('DROP SEMANTIC FUNCTION triage');
});

test('inherited from the operator machinery: packed prompts, LIMIT windows, proxy models, an aggregate', async ({
  f,
}) => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION is_eco(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} eco friendly?'`,
  );
  const ids = async (sql: string) => jsonRows((await f.engine.query(sql)).rows).map((r) => r['id']);
  const packed = jsonRows(
    (
      await f.engine.query(
        `-- @ batch: 4\n-- @ cache: false\nSELECT id, is_eco(body) AS e FROM docs WHERE id <= 8 ORDER BY id`,
      )
    ).rows,
  );
  assert.equal(
    packed.map((r) => r['e']),
    // The world's draws for (question, text) since issue 68; seeded by the model and the messages before:
    // [true, false, false, true, false, true, false, false] (and [true, false, true, false, true, true, false, false]
    // before issue 67 took the schema out of them).
    [true, false, true, true, true, false, true, false],
  );
  assert.is(await f.requests(), 2);
  await f.sim.resetStats();
  await f.sim.resetStats();
  assert.equal(
    await ids(`-- @ cache: false\nSELECT id FROM docs WHERE is_eco(body) ORDER BY id LIMIT 2`),
    [1, 3], // the world's since issue 68; [1, 4] before, [1, 3] before issue 67 (seeded)
  );
  // The first window's 8 rows, 8 calls (4 before issue 67): w₀ = max(2 × LIMIT, PARALLEL), and PARALLEL is 8 by
  // default now (min(8, the provider's concurrency cap)), not 1.
  assert.is(await f.requests(), 8);
  await f.sim.resetStats();
  const proxied = await ids(
    `-- @ proxy: sim-small confidence 0.9\n-- @ cache: false\nSELECT id FROM docs WHERE is_eco(body) ORDER BY id`,
  );
  // The proxy scores by its logprobs (issue 54): the simulator's seeded, calibrated probabilities keep some of its
  // confident errors and send the unsure rest to the statement's model: 11 proxy calls, none above 0.9 unsure.
  // Since issue 68 the proxy (sim-small, the statement's own model) answers the world's truth, the rows the
  // statement model alone gives (the packed run above). Seeded by the model and the messages before: [2, 4, 5, 7, 10, 11],
  // and [3, 5, 6, 7, 8, 11] before issue 67 took the schema out of them.
  assert.equal(proxied, [1, 3, 4, 5, 7, 10]);
  assert.is(await f.requests(), 11);
  await f.sim.resetStats();
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION gist(texts VARCHAR[]) RETURNS VARCHAR WITH (shape = 'aggregate')
       AS 'Say in three words what these share: {{ texts | join: " | " }}'`,
  );
  const groups = jsonRows(
    (
      await f.engine.query(
        `SELECT category, gist(body) AS g FROM docs WHERE body IS NOT NULL GROUP BY category ORDER BY category`,
      )
    ).rows,
  );
  // Seeded words (before issue 67: 'kitchen knife that', 'runs cushioned running', 'share battery pack').
  assert.equal(groups, [
    { category: 'home', g: 'water bottle made' },
    { category: 'sport', g: 'light running shoe' },
    { category: 'tech', g: 'terrible headphones the' },
  ]);
  assert.is(await f.requests(), 3);
  await f.engine.query('DROP SEMANTIC FUNCTION is_eco; DROP SEMANTIC FUNCTION gist');
});

test('CASCADE: a dimension (GROUP BY its label), its labels an input the engine gives', async ({ f }) => {
  const yaml = readFileSync(join(SHIPPED_CASCADES, 'semantic/sentiment_dimension.yaml'), 'utf8').replace(
    'name: sentiment',
    'name: mood_of',
  );
  await f.engine.query(`CREATE SEMANTIC FUNCTION mood_of CASCADE AS $$${yaml}$$`);
  const rows = jsonRows(
    (
      await f.engine.query(
        'SELECT mood_of(body) AS m, count(*) AS n FROM docs WHERE body IS NOT NULL GROUP BY 1 ORDER BY 1',
      )
    ).rows,
  );
  assert.equal(rows, [
    { m: 'negative', n: 3 },
    { m: 'neutral', n: 7 },
    { m: 'positive', n: 1 },
  ]);
  assert.is(await f.requests(), 1);
  await f.engine.query('DROP SEMANTIC FUNCTION mood_of');
});

test('sessions creating at once: each definition is kept, the same name once (42723 for the other)', async ({
  f,
}) => {
  const sessions = await Promise.all([1, 2, 3, 4].map(() => f.engine.session()));
  await Promise.all(
    sessions.map((s, i) =>
      s.query(`CREATE SEMANTIC FUNCTION par_${i}(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} number ${i}?'`),
    ),
  );
  const same = await Promise.allSettled(
    sessions.map((s) =>
      s.query(`CREATE SEMANTIC FUNCTION par_same(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} it?'`),
    ),
  );
  assert.equal(same.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as RvbbitError).code)).sort(), [
    'SQLFN_EXISTS',
    'SQLFN_EXISTS',
    'SQLFN_EXISTS',
    'ok',
  ]);
  const names = await sessions[3]!.query(
    `SELECT name FROM rvbbit.functions WHERE source = 'sql' ORDER BY name`,
  );
  assert.equal(
    names.rows.map((r) => r['name']),
    ['par_0', 'par_1', 'par_2', 'par_3', 'par_same'],
  );
  for (const n of ['par_0', 'par_1', 'par_2', 'par_3', 'par_same'])
    await f.engine.query(`DROP SEMANTIC FUNCTION ${n}`);
  await Promise.all(sessions.map((s) => s.close()));
});

test('a file database keeps its functions across a restart; their answers stay cached', async ({ f }) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-sqlfn-'));
  const provider = { baseUrl: f.sim.url, model: 'sim-small' };
  const database = join(dir, 'fn.duckdb');
  try {
    let e = await createEngine({ database, provider, cascadeRoots: [], threads: 1, operatorBatch: 1 });
    await e.query(
      `CREATE TABLE t AS SELECT * FROM (VALUES (1, 'apple'), (2, 'car'), (3, 'banana')) v(id, x)`,
    );
    await e.query(FRUIT);
    const q = 'SELECT id, is_fruit(x) AS fruit FROM t ORDER BY id';
    const before = jsonRows((await e.query(q)).rows);
    assert.is(await f.requests(), 3);
    await e.close();
    e = await createEngine({ database, provider, cascadeRoots: [], threads: 1, operatorBatch: 1 });
    assert.equal(jsonRows((await e.query(q)).rows), before);
    assert.is(await f.requests(), 3);
    await e.query('DROP SEMANTIC FUNCTION is_fruit');
    await e.close();
    e = await createEngine({ database, provider, cascadeRoots: [], threads: 1, operatorBatch: 1 });
    assert.is((await refusal(e.query(q))).code, 'DUCKDB_CATALOG');
    await e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readOnlyFunctions session: writes of rvbbit.semantic_functions refused, reads run; other sessions may write', async ({
  f,
}) => {
  await f.engine.query(FRUIT);
  const content = 'SELECT name, definition, version FROM rvbbit.semantic_functions ORDER BY name';
  const before = jsonRows((await f.engine.query(content)).rows);
  const ro = await f.engine.session({ readOnlyFunctions: true });
  const writes = [
    `INSERT INTO rvbbit.semantic_functions (name) VALUES ('evil')`,
    `UPDATE "RVBBIT"."SEMANTIC_FUNCTIONS" SET definition = 'x'`,
    'DELETE FROM rvbbit.semantic_functions',
    'DROP TABLE rvbbit.semantic_functions',
    'ALTER TABLE rvbbit.semantic_functions RENAME TO kept',
    `COPY rvbbit.semantic_functions FROM 'functions.csv'`,
    'SELECT 1; TRUNCATE rvbbit.semantic_functions',
    // These replace the table without naming it: refused by their leading words.
    'DROP SCHEMA rvbbit CASCADE',
    'EXPLAIN ANALYZE DROP SCHEMA "RVBBIT" CASCADE',
    'COPY FROM DATABASE other TO memory',
  ];
  const codes: string[] = [];
  for (const sql of writes) codes.push((await refusal(ro.query(sql))).code);
  assert.equal(
    codes,
    writes.map(() => 'SQLFN_READ_ONLY'),
  );
  // The streaming path is refused the same, before a row is read.
  const streamed = await refusal(
    (async () => {
      for await (const _ of ro.stream(`DELETE FROM rvbbit.semantic_functions`)) break;
    })(),
  );
  assert.is(streamed.code, 'SQLFN_READ_ONLY');
  assert.equal(jsonRows((await ro.query(content)).rows), before);
  // Another schema is still the client's to make and drop.
  await ro.query('CREATE SCHEMA scratch; DROP SCHEMA scratch');
  // A session without the policy (the library's default) writes the table as any other.
  const rw = await f.engine.session();
  await rw.query(`UPDATE rvbbit.semantic_functions SET version = version WHERE name = 'is_fruit'`);
  assert.equal(jsonRows((await rw.query(content)).rows), before);
  await ro.close();
  await rw.close();
  await f.engine.query('DROP SEMANTIC FUNCTION is_fruit');
});

test.run();
