// One catalog grammar for every CLI tool: a user's operator (RHYMES, from a
// --cascades folder) is understood by `rvbbit parse`, `rvbbit explain` and the
// REPL with the folder, and by none of them without it.
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cascadeFolder } from '../lsp/fixture.js';
import { rvbbit } from './helpers.js';

const dir = cascadeFolder();
const SQL = "SELECT * FROM (VALUES ('moon')) t(a) WHERE a RHYMES 'june'";
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('rvbbit parse --cascades reads RHYMES as the cascade operator; without it, as plain SQL', async () => {
  const withFolder = await rvbbit(['parse', '--json', '--cascades', dir, SQL]);
  assert.is(withFolder.code, 0, withFolder.err);
  const ops = JSON.parse(withFolder.out).statements[0].operators;
  assert.equal(
    ops.map((o: { operator: string; functionName: string }) => [o.operator, o.functionName]),
    [['RHYMES', 'semantic_rhymes']],
  );
  const without = await rvbbit(['parse', '--json', SQL]);
  assert.is(without.code, 0, without.err);
  assert.equal(JSON.parse(without.out).statements[0].operators, []);
});

test('rvbbit parse --cascades with a broken sql_function warns naming the file and parses on', async () => {
  const r = await rvbbit(['parse', '--cascades', 'test/fixtures/cascades/broken', 'SELECT 1']);
  assert.is(r.code, 0, r.err);
  assert.match(
    r.err,
    /^rvbbit: warning: operator cascade skipped: .*test\/fixtures\/cascades\/broken\/\S+\.yaml:\d+:\d+/,
  );
  assert.match(r.out, /SELECT 1/);
});

test('rvbbit explain --cascades plans RHYMES; without it DuckDB refuses the word', async () => {
  const withFolder = await rvbbit(['explain', '--sim', '--format', 'csv', '--cascades', dir, SQL]);
  assert.is(withFolder.code, 0, withFolder.err);
  assert.match(withFolder.out, /operators,"RHYMES → semantic_rhymes \(where, line 1 col 52\)"/);
  const without = await rvbbit(['explain', '--sim', '--format', 'csv', SQL]);
  assert.is(without.code, 1);
  assert.match(without.err, /syntax error at or near "RHYMES"/);
});

test('the REPL with --cascades runs RHYMES', async () => {
  const r = await rvbbit(['repl', '--sim', '--format', 'csv', '--cascades', dir], {
    input: `EXPLAIN ${SQL};\n`,
  });
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /RHYMES → semantic_rhymes/);
});

test.run();
