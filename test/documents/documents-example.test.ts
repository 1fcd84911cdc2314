/**
 * docs/documents.md's example, run as written: "which of these contracts cap
 * indemnity above $1M" over a generated folder (a 3-page PDF, a DOCX, an HTML
 * page) — documents → pages → chunks → MEANS over the chunks, packed into one
 * call → bool_or per file — through `rvbbit query --sim --data-dir` (the rows
 * the page shows, and the cost line's 1 call), EXPLAIN's est_calls before any
 * call, and the library on the simulator, whose request counter says 1 call.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DocumentParser } from '../../src/documents/document-parser.js';
import { createEngine, startSimulator } from '../../src/index.js';
import { rvbbit } from '../cli/helpers.js';
import { docxOf, pdfOf } from './fixtures.js';

const DOC = fileURLToPath(new URL('../../docs/documents.md', import.meta.url));
/** The SQL block after the page's `<!-- example: contracts` marker. */
const SQL = /<!-- example: contracts[^\n]*\n```sql\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))![1]!;

let root: string;

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rvbbit-contracts-'));
  const dir = join(root, 'contracts');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'acme.pdf'),
    await pdfOf([
      ['Master Agreement between Acme and Beta.', 'Section 1. Scope of the services.'],
      ['Section 7. Indemnity is capped at five million dollars per claim.'],
      ['Section 9. Term of three years.', 'Signed in Paris.'],
    ]),
  );
  writeFileSync(
    join(dir, 'beta.docx'),
    docxOf([
      'Consulting Agreement.',
      'Section 4. The consultant indemnifies the client up to $500,000.',
      'Section 5. Fees are payable monthly in euros.',
    ]),
  );
  writeFileSync(
    join(dir, 'gamma.html'),
    `<!DOCTYPE html><html><head><title>Supply Agreement</title></head><body><h1>Supply Agreement</h1>
<p>Section 2. Deliveries every month.</p><p>Section 8. The supplier's indemnity is capped at two million dollars.</p></body></html>`,
  );
  writeFileSync(join(root, 'contracts.sql'), SQL);
});
test.after(() => {
  rmSync(root, { recursive: true, force: true });
});

const ANSWER = [
  { contract: 'acme.pdf', caps_above_1m: true },
  { contract: 'beta.docx', caps_above_1m: false },
  { contract: 'gamma.html', caps_above_1m: true },
];

test('rvbbit query --sim --data-dir contracts -f contracts.sql: the page’s rows and 1 call; EXPLAIN says 1 first', async () => {
  const r = await rvbbit(['query', '--sim', '--data-dir', 'contracts', '-f', 'contracts.sql'], { cwd: root });
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /│ acme\.pdf\s+│ true\s+│\n│ beta\.docx\s+│ false\s+│\n│ gamma\.html\s+│ true\s+│/);
  // 5 chunks in one packed call: unannotated statements pack since issue 67 (was 5, one call per chunk).
  assert.match(r.err + r.out, /cost: 1 call, 0 cache hits/);
  const ex = await rvbbit(
    ['query', '--sim', '--data-dir', 'contracts', '--format', 'json', '-c', `EXPLAIN ${SQL}`],
    {
      cwd: root,
    },
  );
  assert.is(ex.code, 0, ex.err);
  const props = Object.fromEntries(
    (JSON.parse(ex.out) as { property: string; value: string }[]).map((p) => [p.property, p.value]),
  );
  assert.is(String(props.est_calls), '1');
});

test('the library on the simulator: the same rows, 1 request by its counter', async () => {
  const sim = await startSimulator({});
  const engine = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small' },
    dataFolders: [join(root, 'contracts')],
    cache: false,
  });
  try {
    const sql = SQL.replace("read_blob('contracts/*')", `read_blob('${join(root, 'contracts')}/*')`);
    const before = sim.stats().requests;
    const r = await engine.query(sql);
    assert.equal(r.rows, ANSWER);
    // 5 chunks in one packed call: unannotated statements pack since issue 67 (was 5, one call per chunk).
    assert.is(sim.stats().requests - before, 1);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test('over a table of BLOBs (only a column names the documents), as a query and as a write: the same rows, 1 request, no parse in DuckDB’s call', async () => {
  const sim = await startSimulator({});
  try {
    for (const write of [false, true]) {
      // A fresh engine each time: a fresh parser, whose counters say where each document was parsed.
      const engine = await createEngine({
        provider: { baseUrl: sim.url, model: 'sim-small' },
        dataFolders: [join(root, 'contracts')],
        cache: false,
      });
      const parser = (engine as unknown as { documentParser: DocumentParser }).documentParser;
      try {
        await engine.query(
          `CREATE TABLE docs AS SELECT filename, content FROM read_blob('${join(root, 'contracts')}/*')`,
        );
        const question = SQL.replace("read_blob('contracts/*')", 'docs').replace(/;\s*$/, '');
        const before = sim.stats().requests;
        const r = write
          ? await engine.query(`CREATE TABLE caps AS ${question}; SELECT * FROM caps ORDER BY contract`)
          : await engine.query(question);
        assert.equal(r.rows, ANSWER, write ? 'write' : 'query');
        // 5 chunks in one packed call: unannotated statements pack since issue 67 (was 5, one call per chunk).
        assert.is(sim.stats().requests - before, 1, write ? 'write' : 'query');
        assert.equal(parser.stats, { blocking: 0, ahead: 0 });
        assert.equal(parser.passed, { documents: 3, chunks: 0 });
      } finally {
        await engine.close();
      }
    }
  } finally {
    await sim.close();
  }
});

test.run();
