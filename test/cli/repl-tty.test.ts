/**
 * The REPL on a real terminal (util-linux `script`, a pseudo-terminal, as
 * tty.test.ts drives it), typed key by key: Tab completes a column, a table,
 * a cascade path and a WITH key; up-arrow brings back a multi-line statement
 * whole, in the session and from the history file in the next one; `\q`
 * leaves; Ctrl-C drops what was typed (or recalled) and the statement so
 * far, as psql does; LLM_SCORE over the shipped reviews prints the library's integers,
 * an unaliased one headed as written. Each key is sent once the terminal
 * shows what the last one did.
 * Skipped where `script` is missing (test/requires.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { requires, SCRIPT } from '../requires.js';
import { CASCADES, CLI, ROOT, waitFor } from './helpers.js';

/** Every test here needs a pseudo-terminal: util-linux `script` (test/requires.ts). */
const test = requires(uvuTest, 'script');
const UP = '\x1b[A';
const CTRL_C = '\x03';
const WAIT_MS = 60_000;

interface Terminal {
  /** What the terminal showed so far, carriage returns and cursor movements dropped. */
  screen(): string;
  /** Types `keys`, then waits until the screen matches `until`. */
  type(keys: string, until: RegExp | ((screen: string) => boolean)): Promise<void>;
  readonly exited: Promise<number | null>;
}

function openRepl(history: string, env: NodeJS.ProcessEnv = simulatorEnv()): Terminal {
  const child: ChildProcess = spawn(
    SCRIPT,
    ['-q', '-e', '-c', `${process.execPath} ${CLI.join(' ')} repl --cascades ${CASCADES}`, '/dev/null'],
    { cwd: ROOT, env: { ...env, RVBBIT_HISTORY: history, COLUMNS: '200' } },
  );
  let out = '';
  child.stdout!.on('data', (b) => {
    out += b;
  });
  const screen = () => out.replace(/\r/g, '').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  return {
    screen,
    async type(keys, until) {
      child.stdin!.write(keys);
      const t0 = Date.now();
      const met = () => (until instanceof RegExp ? until.test(screen()) : until(screen()));
      while (!met()) {
        if (Date.now() - t0 > WAIT_MS) {
          // No terminal left running: the test file ends and says what failed.
          child.kill();
          throw new Error(`timed out after typing ${JSON.stringify(keys)}: ${screen()}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited: new Promise((resolve) => child.on('close', resolve)),
  };
}

const count = (text: string, what: string) => text.split(what).length - 1;
/** The screen shows `n` copies of `what` and then a fresh prompt: the REPL is ready again. */
const shown = (what: string, n: number) => (screen: string) =>
  count(screen, what) >= n && screen.endsWith('rvbbit> ');
const READY = /^rvbbit repl[^\n]*\nrvbbit> $/;

test('Tab completes a column, a table, a cascade path and a WITH key as the user types', async () => {
  const t = openRepl('/dev/null');
  await waitFor(t.screen, READY, WAIT_MS);
  await t.type(
    "CREATE TABLE products AS SELECT 1 AS id, 'IKEA desk' AS product_name;\r",
    /\nSELECT 1\nrvbbit> $/,
  );
  await t.type('SELECT product_n\t', /SELECT product_name$/);
  await t.type(' FROM prod\t', /SELECT product_name FROM products$/);
  await t.type(';\r', /\(1 row\)\nrvbbit> $/);
  assert.match(
    t.screen(),
    /│ product_name │\n├──────────────┤\n│ IKEA desk {4}│\n└──────────────┘\n\(1 row\)/,
  );
  await t.type("EXPLAIN RVBBIT MAP 'traits/ext\t", /'traits\/extract_brand\.yaml$/);
  await t.type("' USING (SELECT product_name FROM products) WITH (on_\t", /WITH \(on_error$/);
  await t.type(" = 'null');\r", /\(18 rows\)\nrvbbit> $/);
  const screen = t.screen();
  assert.match(
    screen,
    /EXPLAIN RVBBIT MAP 'traits\/extract_brand\.yaml' USING \(SELECT product_name FROM products\) WITH \(on_error = 'null'\);/,
  );
  assert.match(screen, /│ cascade_file +│ [^\n]*examples\/cascades\/traits\/extract_brand\.yaml +│/);
  await t.type('\\q\r', /$/);
  assert.is(await t.exited, 0);
});

test('up-arrow recalls a multi-line statement whole, in this session and from the history file in the next', async () => {
  const history = join(mkdtempSync(join(tmpdir(), 'rvbbit-tty-hist-')), 'history');
  const answer = '│ answer │\n├────────┤\n│     42 │';
  const first = openRepl(history);
  await waitFor(first.screen, READY, WAIT_MS);
  await first.type('SELECT\r', / {3}\.\.\.> $/);
  await first.type('  41 + 1 AS answer;\r', shown(answer, 1));
  assert.is(count(first.screen(), answer), 1);
  // Line by line, up-arrow would bring back `  41 + 1 AS answer;` alone: a syntax error.
  await first.type(UP, /rvbbit> SELECT\n {2}41 \+ 1 AS answer;$/);
  await first.type('\r', shown(answer, 2));
  assert.is(count(first.screen(), answer), 2);
  assert.not.match(first.screen(), /Error/);
  await first.type('\\q\r', /$/);
  assert.is(await first.exited, 0);
  assert.is(readFileSync(history, 'utf8'), 'SELECT\x01  41 + 1 AS answer;\nSELECT\x01  41 + 1 AS answer;\n');

  const second = openRepl(history);
  await waitFor(second.screen, READY, WAIT_MS);
  await second.type(UP, /rvbbit> SELECT\n {2}41 \+ 1 AS answer;$/);
  await second.type('\r', shown(answer, 1));
  assert.is(count(second.screen(), answer), 1);
  await second.type('.quit\r', /$/);
  assert.is(await second.exited, 0);
});

test('Ctrl-C drops the typed line and the statement, as psql does: typed, recalled by up-arrow, or a continuation', async () => {
  const history = join(mkdtempSync(join(tmpdir(), 'rvbbit-tty-ctrlc-')), 'history');
  const four =
    'rvbbit> SELECT 4 AS four;\n┌──────┐\n│ four │\n├──────┤\n│    4 │\n└──────┘\n(1 row)\nrvbbit> ';
  const t = openRepl(history);
  await waitFor(t.screen, READY, WAIT_MS);
  // Typed, not entered: Ctrl-C leaves it on the screen as typed and starts an empty line.
  await t.type('SELECT 3 AS three', /rvbbit> SELECT 3 AS three$/);
  await t.type(CTRL_C, /rvbbit> SELECT 3 AS three\nrvbbit> $/);
  await t.type('SELECT 4 AS four;\r', shown('(1 row)', 1));
  assert.ok(t.screen().endsWith(`rvbbit> SELECT 3 AS three\n${four}`), t.screen());
  // Brought back by up-arrow: the same.
  await t.type(UP, /rvbbit> SELECT 4 AS four;$/);
  await t.type(CTRL_C, /rvbbit> SELECT 4 AS four;\nrvbbit> $/);
  await t.type('SELECT 4 AS four;\r', shown('(1 row)', 2));
  assert.ok(t.screen().endsWith(`rvbbit> SELECT 4 AS four;\n${four}`), t.screen());
  // A statement's first line entered (a continuation prompt): Ctrl-C drops it too.
  await t.type('SELECT 5\r', / {3}\.\.\.> $/);
  await t.type('AS fi', / {3}\.\.\.> AS fi$/);
  await t.type(CTRL_C, / {3}\.\.\.> AS fi\nrvbbit> $/);
  await t.type('SELECT 4 AS four;\r', shown('(1 row)', 3));
  const screen = t.screen();
  await t.type('\\q\r', /$/);
  assert.is(await t.exited, 0);
  assert.ok(screen.endsWith(`   ...> AS fi\n${four}`), screen);
  assert.is(count(screen, '│ four │'), 3);
  assert.is(count(screen, '...>'), 1);
  assert.not.match(screen, /Error|five|three│/);
});

test('LLM_SCORE on the default engine prints the library integers; an unaliased one is headed as written', async () => {
  // The REPL runs in ROOT and reads the shipped file by its relative path; the library gets the
  // same statement with the absolute path (the simulator answers the request, which has no path).
  const score = (file: string, column: string) =>
    `SELECT id, ${column} FROM read_csv('${file}') WHERE id <= 3 ORDER BY id;`;
  const aliased = "LLM_SCORE(review, 'how positive the review is', 1, 5) AS s";
  const unaliased = "LLM_SCORE(review, 'how positive', 1, 5)";
  const engine = await createEngine();
  let lib: { aliased: unknown[]; unaliased: unknown[]; names: string[] };
  try {
    const a = await engine.query(score(`${ROOT}examples/data/reviews.csv`, aliased));
    const u = await engine.query(score(`${ROOT}examples/data/reviews.csv`, unaliased));
    lib = {
      aliased: a.rows.map((r) => r.s),
      unaliased: u.rows.map((r) => r[unaliased]),
      names: u.columns.map((c) => `${c.name} ${c.type}`),
    };
  } finally {
    await engine.close();
  }
  assert.equal(lib.names, ['id BIGINT', `${unaliased} INTEGER`]);
  for (const s of [...lib.aliased, ...lib.unaliased])
    assert.ok(Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 5, String(s));
  const t = openRepl('/dev/null', simulatorEnv());
  await waitFor(t.screen, READY, WAIT_MS);
  await t.type(`${score('examples/data/reviews.csv', aliased)}\r`, shown('(3 rows)', 1));
  await t.type(`${score('examples/data/reviews.csv', unaliased)}\r`, shown('(3 rows)', 2));
  const screen = t.screen();
  // Out of the REPL before asserting: a failed assertion leaves no terminal running.
  await t.type('\\q\r', /$/);
  assert.is(await t.exited, 0);
  assert.ok(
    screen.includes(
      [
        '┌────┬───┐',
        '│ id │ s │',
        '├────┼───┤',
        ...lib.aliased.map((s, i) => `│  ${i + 1} │ ${s} │`),
        '└────┴───┘',
        '(3 rows)',
      ].join('\n'),
    ),
    screen,
  );
  const bar = '─'.repeat(unaliased.length + 2);
  assert.ok(
    screen.includes(
      [
        `┌────┬${bar}┐`,
        `│ id │ ${unaliased} │`,
        `├────┼${bar}┤`,
        ...lib.unaliased.map((s, i) => `│  ${i + 1} │ ${String(s).padStart(unaliased.length)} │`),
        `└────┴${bar}┘`,
        '(3 rows)',
      ].join('\n'),
    ),
    screen,
  );
  assert.not.match(screen, /Error/);
});

test.run();
