/**
 * A MAP's and a RUN's USING query that calls DOCUMENT_TEXT or TEXT_CHUNKS
 * (engine/plan-executors.ts, usingPassed): the query runs first as a
 * documents pass, so a document only a column names is parsed on the parser
 * thread, never in DuckDB's call (the parser's counters), and the MAP reads
 * the exact texts in the query's order, one simulator request per row.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DocumentParser } from '../../src/documents/document-parser.js';
import { createEngine, type Engine, startSimulator } from '../../src/index.js';
import type { SimulatorHandle } from '../../src/sim/index.js';
import { contractFolder, DOCX_PARAGRAPHS, HTML_TEXT, PDF_TEXT_PAGES } from './fixtures.js';

let engine: Engine;
let parser: DocumentParser;
let sim: SimulatorHandle;
let dir: string;
let cascades: string;

test.before(async () => {
  ({ dir } = await contractFolder());
  cascades = mkdtempSync(join(tmpdir(), 'rvbbit-map-using-'));
  writeFileSync(
    join(cascades, 'summarize.yaml'),
    `cascade_id: summarize
inputs_schema: { t: "a document's text" }
cells:
  - name: summarize
    instructions: |
      Summarize in one line: {{ input.t }}
`,
  );
  writeFileSync(
    join(cascades, 'count.yaml'),
    `cascade_id: count
inputs_schema: { data_table: "table holding the rows", row_count: "how many" }
cells:
  - name: count
    instructions: |
      Say how many documents {{ input.data_table }} holds: {{ input.row_count }}.
`,
  );
  sim = await startSimulator({});
  engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small' },
    dataFolders: [dir],
    cascadeRoots: [cascades],
    cache: false,
    threads: 1,
  });
  parser = (engine as unknown as { documentParser: DocumentParser }).documentParser;
  await engine.query(
    `CREATE TABLE d AS SELECT parse_filename(filename) AS f, content FROM read_blob('${dir}/*')`,
  );
});
test.after(async () => {
  await engine.close();
  await sim.close();
  rmSync(dirname(dir), { recursive: true, force: true });
  rmSync(cascades, { recursive: true, force: true });
});

const now = () => ({ blocking: parser.stats.blocking, ...parser.passed });
const TEXTS = [
  { f: 'a.pdf', t: PDF_TEXT_PAGES.join('\n\n') },
  { f: 'b.docx', t: DOCX_PARAGRAPHS.join('\n') },
  { f: 'c.html', t: HTML_TEXT },
];

test('RVBBIT MAP … USING (SELECT DOCUMENT_TEXT(content) FROM a table of BLOBs): parsed between passes, none in the call; the exact texts, one request a row', async () => {
  const was = now();
  const before = sim.stats().requests;
  const r = await engine.query(
    `RVBBIT MAP 'summarize.yaml' USING (SELECT f, DOCUMENT_TEXT(content) AS t FROM d ORDER BY f)`,
  );
  assert.equal(
    r.rows.map((row) => ({ f: row.f, t: row.t })),
    TEXTS,
  );
  assert.is(sim.stats().requests - before, 3);
  assert.equal(
    { blocking: parser.stats.blocking - was.blocking, documents: parser.passed.documents - was.documents },
    { blocking: 0, documents: 3 },
  );
  // Streamed, the same rows; the documents are kept, so nothing parses again.
  const streamed: Record<string, unknown>[] = [];
  for await (const batch of engine.stream(
    `RVBBIT MAP 'summarize.yaml' USING (SELECT f, DOCUMENT_TEXT(content) AS t FROM d ORDER BY f)`,
  ))
    streamed.push(...batch.map((row) => ({ f: row.f, t: row.t })));
  assert.equal(streamed, TEXTS);
  assert.equal(
    { blocking: parser.stats.blocking - was.blocking, documents: parser.passed.documents - was.documents },
    { blocking: 0, documents: 3 },
  );
});

test('a MAP over TEXT_CHUNKS of long texts in its USING query: each text cut on the thread, the chunks in order', async () => {
  const long = (n: number) => `Paragraph ${n} says something long enough. `.repeat(600);
  await engine.query(`CREATE TABLE lt AS SELECT * FROM (VALUES (1, $1), (2, $2)) t(i, body)`, [
    long(1),
    long(2),
  ]);
  const was = now();
  const r = await engine.query(
    `RVBBIT MAP 'summarize.yaml' USING (SELECT i, unnest(TEXT_CHUNKS(body, 4000)) AS t FROM lt ORDER BY i)`,
  );
  const d = now();
  const direct = (await engine.query(`SELECT i, unnest(TEXT_CHUNKS(body, 4000)) AS t FROM lt ORDER BY i`))
    .rows;
  assert.ok(direct.length >= 4, `${direct.length} chunks`);
  assert.equal(
    r.rows.map((row) => ({ i: row.i, t: row.t })),
    direct,
  );
  assert.equal(
    { blocking: d.blocking - was.blocking, chunks: d.chunks - was.chunks },
    { blocking: 0, chunks: 2 },
  );
});

test('RVBBIT RUN … USING (SELECT DOCUMENT_TEXT(path) …) over a column of paths: its input table has the exact texts, parsed between passes', async () => {
  for (const f of ['a.pdf', 'c.html']) copyFileSync(join(dir, f), join(dir, `r-${f}`));
  const was = now();
  const before = sim.stats().requests;
  await engine.query(
    `RVBBIT RUN 'count.yaml' USING (SELECT * FROM (VALUES (1, 'r-a.pdf'), (2, 'r-c.html')) p(i, path)) WITH (as_table = 'run_in')`.replace(
      'SELECT * FROM (VALUES',
      'SELECT i, DOCUMENT_TEXT(path) AS t FROM (VALUES',
    ),
  );
  assert.is(sim.stats().requests - before, 1);
  assert.equal((await engine.query(`SELECT i, t FROM run_in ORDER BY i`)).rows, [
    { i: 1, t: TEXTS[0]!.t },
    { i: 2, t: HTML_TEXT },
  ]);
  const d = now();
  assert.equal(
    { blocking: d.blocking - was.blocking, documents: d.documents - was.documents },
    { blocking: 0, documents: 2 },
  );
});

test.run();
