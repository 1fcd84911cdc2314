/**
 * A third-party cascade folder written to hurt: a "billion laughs" YAML file
 * (one plain, one declaring an operator), a `regex` expectation that
 * backtracks exponentially (`^(a+)+$` against forty a's and a '!'), a
 * template of 10^10 empty loop iterations, and test_cases SQL that writes a
 * file, reads one outside and installs an extension. Each broken file is skipped with a warning naming its
 * file:line:col while the others load (`cascades test`, `query`, `serve`);
 * the regex fails in linear time; the template stops at its render bound;
 * the cases' SQL is closed to files and
 * extensions unless --allow-files / --allow-all-files opens them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit, start, waitFor } from './helpers.js';

const LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefgh'[i];
    return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

const LAUGHS_OPERATOR = `${LAUGHS}
cascade_id: lol
sql_function:
  name: lol_fn
  shape: scalar
  args: [ { name: text, type: VARCHAR } ]
  returns: VARCHAR
cells:
  - name: x
    instructions: "{{ input.text }}"
`;

/** A working operator whose cases are the attacks; the simulator answers "Simulated answer: Echo: <text>". */
function echoOperator(out: string, outside: string): string {
  return `cascade_id: echo_third_party
description: Echo a text
inputs_schema: { text: the text }
sql_function:
  name: echo_text
  shape: scalar
  args: [ { name: text, type: VARCHAR } ]
  returns: VARCHAR
  test_cases:
    - description: runs
      sql: "SELECT echo_text('hello')"
      expect: { type: contains, value: "hello" }
    - description: catastrophic backtracking
      sql: "SELECT repeat('a', 40) || '!'"
      expect: { type: regex, pattern: "^(a+)+$" }
    - description: the same pattern matching
      sql: "SELECT repeat('a', 40)"
      expect: { type: regex, pattern: "^(a+)+$" }
    - description: lookahead is not RE2
      sql: "SELECT 'abc'"
      expect: { type: regex, pattern: "a(?=b)" }
    - description: writes a file
      sql: "COPY (SELECT 42 AS x) TO '${out}' (HEADER false)"
      expect: { type: contains, value: "x" }
    - description: reads a file
      sql: "SELECT content FROM read_text('${outside}')"
      expect: { type: contains, value: "the secret" }
    - description: fetches an extension
      sql: "INSTALL httpfs"
      expect: { type: contains, value: "x" }
cells:
  - name: echo
    instructions: |
      Echo: {{ input.text }}
`;
}

/** An operator whose template never ends (10^10 empty iterations) and whose one case runs it. */
const ENDLESS_OPERATOR = `cascade_id: endless_op
template_engine: jinja
inputs_schema: { text: the text }
sql_function:
  name: endless_label
  shape: scalar
  args: [ { name: text, type: VARCHAR } ]
  returns: VARCHAR
  test_cases:
    - description: never renders
      sql: "SELECT endless_label('x')"
      expect: { type: contains, value: "x" }
cells:
  - name: label
    instructions: |
      {% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}
      Label: {{ input.text }}
`;

interface Folder {
  readonly dir: string;
  readonly out: string;
  readonly outside: string;
}

function hostileFolder(): Folder {
  const root = mkdtempSync(join(tmpdir(), 'rvbbit-hostile-'));
  const dir = join(root, 'ops');
  mkdirSync(dir);
  const out = join(root, 'written', 'out.csv');
  mkdirSync(join(root, 'written'));
  const outside = join(root, 'secret.txt');
  writeFileSync(outside, 'the secret\n');
  writeFileSync(join(dir, 'a_laughs.yaml'), LAUGHS);
  writeFileSync(join(dir, 'b_laughs_operator.yaml'), LAUGHS_OPERATOR);
  writeFileSync(join(dir, 'echo.yaml'), echoOperator(out, outside));
  writeFileSync(join(dir, 'endless.yaml'), ENDLESS_OPERATOR);
  return { dir, out, outside };
}

const lines = (out: string) => out.split('\n');

test('cascades test: the alias bombs are skipped, the regex fails in linear time, the SQL reaches no file or extension', async () => {
  const f = hostileFolder();
  try {
    const began = performance.now();
    const r = await rvbbit(['cascades', 'test', f.dir]);
    const ms = performance.now() - began;
    assert.is(r.code, 1, r.err);
    const hint =
      " (the cases' SQL runs closed to files and extensions: --allow-files <dir> or --allow-all-files opens them)";
    // Files print relative to the working directory: only their names are compared.
    const named = lines(r.out).map((l) => l.replace(/^(\w+\s+)\S*\/ops\//, '$1'));
    assert.equal(named.slice(0, 4), [
      'FAIL  a_laughs.yaml: does not load',
      '      2:8: Excessive alias count indicates a resource exhaustion attack',
      'FAIL  b_laughs_operator.yaml: does not load',
      '      2:8: Excessive alias count indicates a resource exhaustion attack',
    ]);
    const rest = lines(r.out).slice(4);
    assert.ok(
      rest[0]!.startsWith('PASS  ') && rest[0]!.includes("(runs): SELECT echo_text('hello')"),
      rest[0],
    );
    assert.ok(rest[1]!.startsWith('FAIL  ') && rest[1]!.includes('(catastrophic backtracking)'), rest[1]);
    assert.is(rest[2], `      expected a match for /^(a+)+$/, got "${'a'.repeat(40)}!"`);
    assert.ok(rest[3]!.startsWith('PASS  ') && rest[3]!.includes('(the same pattern matching)'), rest[3]);
    assert.ok(rest[4]!.startsWith('FAIL  ') && rest[4]!.includes('(lookahead is not RE2)'), rest[4]);
    assert.match(rest[5]!, /^ {6}regex "pattern" does not compile \(RE2 syntax\): /);
    assert.ok(rest[6]!.includes('(writes a file)'), rest[6]);
    assert.is(
      rest[7],
      `      error: Permission Error: Cannot access file "${f.out}" - file system operations are disabled by configuration${hint}`,
    );
    assert.ok(rest[8]!.includes('(reads a file)'), rest[8]);
    assert.match(rest[9]!, /^ {6}error: Permission Error: .*disabled by configuration/);
    assert.ok(rest[9]!.endsWith(hint), rest[9]);
    assert.ok(rest[10]!.includes('(fetches an extension)'), rest[10]);
    assert.match(rest[11]!, /^ {6}error: Permission Error: .*disabled by configuration/);
    // The endless template is stopped at a pool thread's render bound, and the run goes on: its
    // time bound, or on a fast idle machine the interpreter's step bound first (2,000,000 steps in
    // under 1,000 ms: a CI run at load ~1 met it).
    assert.ok(
      rest[12]!.startsWith('FAIL  ') && rest[12]!.includes('endless_label (never renders)'),
      rest[12],
    );
    assert.match(
      rest[13]!,
      /^ {6}error: endless_label failed: CASCADE_TEMPLATE: \S*endless\.yaml:16:7: cells\[0\]\.instructions: the template ran over its (time bound of 1000 ms|bound of 2000000 steps)$/,
      rest[13],
    );
    assert.is(rest[14], '2 passed, 8 failed, 0 skipped');
    assert.not.ok(existsSync(f.out), 'no file was written');
    // A backtracking engine spends hours on 2^40 ways to split forty a's; the template, 22 h of a core.
    assert.ok(ms < 60_000, `the run ended (${Math.round(ms)} ms)`);
    // The engine skipped the operator file with a warning naming it, line and column.
    assert.match(r.err, /operator cascade skipped: \S*b_laughs_operator\.yaml:2:8: Excessive alias count/);
  } finally {
    rmSync(join(f.dir, '..'), { recursive: true, force: true });
  }
});

test('cascades test --allow-files opens that folder only; --allow-all-files everything', async () => {
  const f = hostileFolder();
  try {
    const some = await rvbbit([
      'cascades',
      'test',
      f.dir,
      '--filter',
      'echo',
      '--allow-files',
      join(f.out, '..'),
    ]);
    assert.ok(existsSync(f.out), 'the allowed folder was written');
    assert.is(readFileSync(f.out, 'utf8'), '42\n');
    const out = lines(some.out);
    const read = out.findIndex((l) => l.includes('(reads a file)'));
    assert.match(
      out[read + 1]!,
      /Permission Error: .*disabled by configuration/,
      'the file outside stays closed',
    );
    rmSync(f.out);
    const all = await rvbbit(['cascades', 'test', f.dir, '--filter', 'echo', '--allow-all-files']);
    assert.ok(existsSync(f.out), 'written with --allow-all-files');
    // Opened: the case reads the file outside and passes.
    assert.ok(
      lines(all.out).some((l) => l.startsWith('PASS  ') && l.includes('(reads a file)')),
      all.out,
    );
  } finally {
    rmSync(join(f.dir, '..'), { recursive: true, force: true });
  }
});

test('query and serve --cascades start past the alias bombs; the bomb operator fails with its file, line and column', async () => {
  const f = hostileFolder();
  try {
    const ok = await rvbbit(['query', '--cascades', f.dir, "SELECT echo_text('hi') AS e"]);
    assert.is(ok.code, 0, ok.err);
    assert.match(ok.out, /Simulated answer: Echo: hi/);
    assert.match(
      ok.err,
      /warning: operator cascade skipped: \S*b_laughs_operator\.yaml:2:8: Excessive alias count/,
    );
    const bomb = await rvbbit(['query', '--cascades', f.dir, "SELECT lol_fn('x') AS e"]);
    assert.is(bomb.code, 1);
    assert.match(
      bomb.err,
      /LOL_FN: \S*b_laughs_operator\.yaml:2:8: Excessive alias count indicates a resource exhaustion attack/,
    );

    const serve = start(['serve', '--port', '0', '--sim', '--cascades', f.dir]);
    try {
      await waitFor(serve.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
      const port = Number(/:(\d+) /.exec(serve.out())![1]);
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database: 'rvbbit' });
      await c.connect();
      try {
        const { rows } = await c.query(`SELECT echo_text('hi') AS e`);
        assert.equal(rows, [{ e: 'Simulated answer: Echo: hi' }]);
        const err = await c.query(`SELECT lol_fn('x') AS e`).then(
          () => undefined,
          (e: Error) => e,
        );
        assert.ok(err, 'the bomb operator fails');
        assert.match(err!.message, /LOL_FN: \S*b_laughs_operator\.yaml:2:8: Excessive alias count/);
      } finally {
        await c.end();
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
  } finally {
    rmSync(join(f.dir, '..'), { recursive: true, force: true });
  }
});

test.run();
