import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { helpText } from '../../src/cli/repl-commands.js';
import { appendHistory, loadHistory, StatementHistory } from '../../src/cli/repl-history.js';
import { rvbbit } from './helpers.js';

test('statements span lines until ";", dot commands switch mode and timer, errors keep the REPL open', async () => {
  const history = join(mkdtempSync(join(tmpdir(), 'rvbbit-repl-')), 'history');
  const r = await rvbbit(['repl'], {
    env: { RVBBIT_HISTORY: history },
    input:
      'SELECT 1\n  AS x;\n.mode csv\nSELECT 2 AS y; SELECT 3 AS z;\nSELEC 1;\n.timer on\nSELECT 4 AS w;\n.bogus\n',
  });
  assert.is(r.code, 0);
  assert.is(r.out, '┌───┐\n│ x │\n├───┤\n│ 1 │\n└───┘\n(1 row)\ny\n2\nz\n3\nw\n4\n');
  assert.match(
    r.err,
    /^Parser Error: syntax error at or near "SELEC"\n\nLINE 1: SELEC 1\n {8}\^\nTime: [\d.]+ ms\nunknown command \.bogus; try \.help\n$/,
  );
  // A statement of several lines is one line of the file, its newlines stored as \x01 (as psql does).
  assert.is(
    readFileSync(history, 'utf8'),
    'SELECT 1\x01  AS x;\nSELECT 2 AS y; SELECT 3 AS z;\nSELEC 1;\nSELECT 4 AS w;\n',
  );
});

test('.help prints every command from the one list; .quit and \\q leave; a last statement without ";" still runs at EOF', async () => {
  const help = await rvbbit(['repl'], { input: '.help\n\\?\n' });
  assert.is(help.out, helpText() + helpText());
  assert.is(
    helpText(),
    `Statements end with ';' and may span several lines.
  .help, \\?                      this list
  .tables                        names of tables and views
  .schema [table]                CREATE statements (of one table or view)
  \\dt                            tables and views with their type
  \\d table                       columns of a table or view: name, type, null
  .mode table|csv|json|ndjson    output format
  .timer on|off                  print each statement's time
  .cost on|off                   the cost line after a MAP, RUN or semantic statement (on)
  .quit, .exit, \\q               leave (or Ctrl-D)
Tab completes keywords, tables, columns, functions, cascade paths and WITH keys.
Ctrl-C cancels the running statement; Ctrl-C on an empty prompt twice exits.
`,
  );
  const quit = await rvbbit(['repl', '--format', 'csv'], { input: '.quit\nSELECT 1 AS never;\n' });
  assert.is(quit.out, '');
  const q = await rvbbit(['repl', '--format', 'csv'], {
    input: 'SELECT 0 AS before;\n\\q\nSELECT 1 AS never;\n',
  });
  assert.is(q.code, 0);
  assert.is(q.out, 'before\n0\n');
  assert.is(q.err, '');
  const eof = await rvbbit(['repl', '--format', 'csv'], { input: 'SELECT 5 AS last' });
  assert.is(eof.out, 'last\n5\n');
});

const SETUP = [
  'CREATE TABLE products(id INTEGER PRIMARY KEY, product_name VARCHAR NOT NULL, price DECIMAL(8,2));',
  'CREATE VIEW cheap AS SELECT id FROM products WHERE price < 10;',
  'CREATE TEMP TABLE scratch(x INT);',
  'CREATE INDEX by_name ON products(product_name);',
].join('\n');

test('.tables, .schema [t], \\dt and \\d t print the session catalog; the engine log tables only when named', async () => {
  const r = await rvbbit(['repl'], {
    input: `${SETUP}\n.tables\n.schema\n.schema products\n\\dt\n\\d products\n.mode csv\n\\d rvbbit.queries\n\\dt\n`,
  });
  assert.is(r.code, 0);
  assert.is(r.err, '');
  assert.is(
    r.out,
    `CREATE TABLE
CREATE VIEW
CREATE TABLE
CREATE INDEX
cheap
products
scratch
CREATE VIEW cheap AS SELECT id FROM products WHERE (price < 10);
CREATE TABLE products(id INTEGER PRIMARY KEY, product_name VARCHAR NOT NULL, price DECIMAL(8,2));
CREATE INDEX by_name ON products(product_name);
CREATE TEMP TABLE scratch(x INTEGER);
CREATE TABLE products(id INTEGER PRIMARY KEY, product_name VARCHAR NOT NULL, price DECIMAL(8,2));
CREATE INDEX by_name ON products(product_name);
┌──────────┬─────────────────┐
│ name     │ type            │
├──────────┼─────────────────┤
│ cheap    │ view            │
│ products │ table           │
│ scratch  │ temporary table │
└──────────┴─────────────────┘
(3 rows)
┌──────────────┬──────────────┬──────┐
│ column       │ type         │ null │
├──────────────┼──────────────┼──────┤
│ id           │ INTEGER      │ NO   │
│ product_name │ VARCHAR      │ NO   │
│ price        │ DECIMAL(8,2) │ YES  │
└──────────────┴──────────────┴──────┘
(3 rows)
column,type,null
query_id,VARCHAR,YES
text,VARCHAR,YES
kind,VARCHAR,YES
strategy,VARCHAR,YES
rows_in,BIGINT,YES
rows_out,BIGINT,YES
calls,BIGINT,YES
cache_hits,BIGINT,YES
cost,DOUBLE,YES
started_at,TIMESTAMP,YES
duration_ms,DOUBLE,YES
status,VARCHAR,YES
error,VARCHAR,YES
owner,VARCHAR,YES
chunks_by,VARCHAR,YES
proxy_model,VARCHAR,YES
target_recall,DOUBLE,YES
target_precision,DOUBLE,YES
target_accuracy,DOUBLE,YES
target_delta,DOUBLE,YES
sample_draws,BIGINT,YES
sample_tuples,BIGINT,YES
sample_positives,BIGINT,YES
sample_agreement,DOUBLE,YES
threshold_reject,DOUBLE,YES
threshold_accept,DOUBLE,YES
error_bound,DOUBLE,YES
proxy_answered,BIGINT,YES
big_model_tuples,BIGINT,YES
guarantee_fallback,VARCHAR,YES
name,type
cheap,view
products,table
scratch,temporary table
`,
  );
});

test('commands on an empty catalog, unknown names and unknown commands: a message on stderr, the REPL goes on', async () => {
  const r = await rvbbit(['repl', '--format', 'csv'], {
    input:
      '.tables\n.schema\n\\dt\n\\d nosuch\n.schema nosuch\n\\x\n.mode xml\n.timer maybe\nSELECT 1 AS still;\n',
  });
  assert.is(r.code, 0);
  assert.is(r.out, 'name,type\nstill\n1\n');
  assert.is(
    r.err,
    'no table or view named nosuch\nno table or view named nosuch\nunknown command \\x; try .help\n' +
      'usage: .mode table|csv|json|ndjson\nusage: .timer on|off\n',
  );
});

test('history file: newest first for readline, multi-line entries kept whole, older space-joined files still read', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rvbbit-hist-')), 'h');
  writeFileSync(file, 'SELECT 1 FROM t;\n');
  appendHistory(file, '-- @ parallel: 5\nSELECT 2\n  FROM t;\n');
  assert.is(readFileSync(file, 'utf8'), 'SELECT 1 FROM t;\n-- @ parallel: 5\x01SELECT 2\x01  FROM t;\n');
  assert.equal(loadHistory(file), ['-- @ parallel: 5\nSELECT 2\n  FROM t;', 'SELECT 1 FROM t;']);
});

test('StatementHistory turns the lines readline added for one statement into one entry', () => {
  // What readline does on each line (kAddHistory), followed by the tracker, as in the REPL.
  const history = ['SELECT 0;'];
  const tracker = new StatementHistory(history, (l) => /^\s*[.\\]/.test(l));
  const enter = (line: string) => {
    if (line.trim() !== '' && history[0] !== line) history.unshift(line);
    tracker.onLine(line);
  };
  enter('SELECT');
  enter('  1 AS a,');
  enter('  1 AS a,'); // a repeated line is not added twice by readline
  enter('  2 AS b;');
  assert.equal(history, ['SELECT\n  1 AS a,\n  1 AS a,\n  2 AS b;', 'SELECT 0;']);
  enter('.tables');
  enter('SELECT 3;');
  enter('');
  enter('SELECT 4');
  tracker.reset(); // Ctrl-C: the abandoned line stays as typed
  enter('SELECT');
  enter('5;');
  assert.equal(history, [
    'SELECT\n5;',
    'SELECT 4',
    'SELECT 3;',
    '.tables',
    'SELECT\n  1 AS a,\n  1 AS a,\n  2 AS b;',
    'SELECT 0;',
  ]);
  // Recalled with up-arrow, the whole statement comes back as one line event: left as it is.
  enter('SELECT\n5;');
  assert.equal(history[0], 'SELECT\n5;');
  assert.is(history[1], 'SELECT 4');
});

test.run();
