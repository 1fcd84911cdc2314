// Where the CLI finds operator cascades (issue 31, "a stray file breaks nothing"):
// the shipped ones, the --cascades / config folders and ./cascades/, never the
// working directory itself; a broken operator file is skipped with one warning and
// fails only the statements that use it; a --cascades folder that is not there is
// bad usage. Each run is the real CLI, started in a folder of its own.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RHYMES_SOURCE } from '../lsp/fixture.js';
import { type Ran, ROOT, rvbbit } from './helpers.js';

/** `sql_function` without `args`: the schema refuses it at line 6, column 3. */
const BROKEN_RHYMES = `cascade_id: old_rhymes
cells:
  - name: judge
    instructions: hi
sql_function:
  name: semantic_rhymes
  returns: BOOLEAN
  operators: ["{{ a }} RHYMES {{ b }}"]
`;
const BROKEN_AT = /cascades\/r\.yaml:6:3: sql_function: missing required key "args"/;

const made: string[] = [];
test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new working directory holding `files` (relative path → text). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-discovery-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The CLI from source, run in `cwd`. */
const rvbbitIn = (cwd: string, args: readonly string[]): Promise<Ran> => rvbbit(args, { cwd });

const warnings = (err: string) => err.split('\n').filter((l) => l.startsWith('rvbbit: warning:'));

test('a broken operator file in a subfolder of the working directory is not read: SELECT 1 runs, no warning', async () => {
  const cwd = folder({ 'old/r.yaml': BROKEN_RHYMES });
  const r = await rvbbitIn(cwd, ['query', '--format', 'csv', 'SELECT 1 AS one']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'one\n1\n');
  assert.is(r.err, '');
});

test('a valid operator file under ./cascades/ is discovered; the same file elsewhere in the working directory is not', async () => {
  const sql = "SELECT 'moon' RHYMES 'june' AS r";
  const found = folder({});
  mkdirSync(join(found, 'cascades'));
  copyFileSync(RHYMES_SOURCE, join(found, 'cascades/rhymes.yaml'));
  const parsed = await rvbbitIn(found, ['parse', '--json', sql]);
  assert.is(parsed.code, 0, parsed.err);
  assert.equal(
    JSON.parse(parsed.out).statements[0].operators.map((o: { operator: string }) => o.operator),
    ['RHYMES'],
  );
  const stray = folder({});
  mkdirSync(join(stray, 'ops'));
  copyFileSync(RHYMES_SOURCE, join(stray, 'ops/rhymes.yaml'));
  const plain = await rvbbitIn(stray, ['parse', '--json', sql]);
  assert.is(plain.code, 0, plain.err);
  assert.equal(JSON.parse(plain.out).statements[0].operators, []);
});

test('a broken operator file under ./cascades/: SELECT 1 runs with one warning naming file:line:col', async () => {
  const cwd = folder({ 'cascades/r.yaml': BROKEN_RHYMES });
  const r = await rvbbitIn(cwd, ['query', '--format', 'csv', 'SELECT 1 AS one']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'one\n1\n');
  const lines = warnings(r.err);
  assert.is(lines.length, 1, r.err);
  assert.match(lines[0]!, BROKEN_AT);
  assert.is(r.err, `${lines[0]}\n`);
});

test("a statement using the broken file's word fails with the file's error (exit 1); the warning came first", async () => {
  const cwd = folder({ 'cascades/r.yaml': BROKEN_RHYMES });
  const r = await rvbbitIn(cwd, ['query', '--sim', "SELECT 'moon' RHYMES 'june' AS r"]);
  assert.is(r.code, 1);
  assert.is(warnings(r.err).length, 1, r.err);
  const error = r.err.split('\n').filter((l) => l !== '' && !l.startsWith('rvbbit: warning:'));
  assert.is(error.length, 1, r.err);
  assert.match(error[0]!, /^RHYMES: .*cascades\/r\.yaml:6:3: sql_function: missing required key "args"$/);
});

test('rvbbit cascades validate names the broken file with line:col and exits 1', async () => {
  const cwd = folder({ 'cascades/r.yaml': BROKEN_RHYMES });
  const r = await rvbbitIn(cwd, ['cascades', 'validate', 'cascades']);
  assert.is(r.code, 1, r.err);
  assert.match(r.out, /invalid {2}cascades\/r\.yaml:6:3: sql_function: missing required key "args"/);
  assert.match(r.out, /0 valid, 1 invalid/);
});

test('rvbbit cascades validate warns of an operator word that is a SQL keyword and skips that form, as the engine does', async () => {
  const cwd = folder({});
  mkdirSync(join(cwd, 'cascades'));
  copyFileSync(
    join(ROOT, 'test/fixtures/cascades/semantic-collide/select_op.yaml'),
    join(cwd, 'cascades/select_op.yaml'),
  );
  const r = await rvbbitIn(cwd, ['cascades', 'validate', 'cascades']);
  assert.is(r.code, 0, r.err);
  assert.match(
    r.out,
    /^warning {2}cascades\/select_op\.yaml:7:16: sql_function\.operators\[0\]: operator form "\{\{ a \}\} SELECT \{\{ b \}\}" skipped: operator 'SELECT': 'SELECT' is a SQL keyword\nok {7}cascades\/select_op\.yaml$/m,
  );
});

test('--cascades naming no folder is bad usage: exit 2, the path named', async () => {
  const cwd = folder({});
  const r = await rvbbitIn(cwd, ['query', '--cascades', '/nonexistent', 'SELECT 1']);
  assert.is(r.code, 2);
  assert.match(
    r.err,
    /^error: option '--cascades <dir>' argument '\/nonexistent' is invalid\. no such folder: \/nonexistent$/m,
  );
  assert.is(r.out, '');
});

test("the config file's cascades: naming no folder fails the command, naming the path", async () => {
  const cwd = folder({ 'rvbbit.config.yaml': 'rvbbit:\n  cascades: [gone]\n' });
  const r = await rvbbitIn(cwd, ['query', 'SELECT 1']);
  assert.is(r.code, 1);
  assert.is(r.err, `cascade folder not found: ${join(cwd, 'gone')}\n`);
});

test('MAP paths still resolve in the working directory', async () => {
  const cwd = folder({});
  mkdirSync(join(cwd, 'traits'));
  copyFileSync(
    join(ROOT, 'examples/cascades/traits/extract_brand.yaml'),
    join(cwd, 'traits/extract_brand.yaml'),
  );
  const r = await rvbbitIn(cwd, [
    'query',
    '--sim',
    '--format',
    'csv',
    "RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT 1 AS id, 'Acme Phone X' AS product_name)",
  ]);
  assert.is(r.code, 0, r.err);
  // A streamed MAP's csv has its `_error` column, empty when the row did not fail (docs/cli.md).
  assert.match(r.out, /^id,product_name,brand,_error\n1,Acme Phone X,[^,\n]+,\n/);
});

test.run();
