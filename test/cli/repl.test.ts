import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendHistory, loadHistory } from '../../src/cli/repl-history.js';
import { completer } from '../../src/cli/repl-session.js';
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
  assert.is(
    readFileSync(history, 'utf8'),
    'SELECT 1 AS x;\nSELECT 2 AS y; SELECT 3 AS z;\nSELEC 1;\nSELECT 4 AS w;\n',
  );
});

test('.help lists the dot commands; .quit leaves; a last statement without ";" still runs at EOF', async () => {
  const help = await rvbbit(['repl'], { input: '.help\n' });
  assert.match(help.out, /\.timer on\|off/);
  assert.match(help.out, /\.mode table\|csv\|json\|ndjson/);
  const quit = await rvbbit(['repl', '--format', 'csv'], { input: '.quit\nSELECT 1 AS never;\n' });
  assert.is(quit.out, '');
  const eof = await rvbbit(['repl', '--format', 'csv'], { input: 'SELECT 5 AS last' });
  assert.is(eof.out, 'last\n5\n');
});

test('history is kept newest first for readline and survives between runs', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rvbbit-hist-')), 'h');
  writeFileSync(file, 'SELECT 1;\n');
  appendHistory(file, 'SELECT 2\n  FROM t;');
  assert.equal(loadHistory(file), ['SELECT 2 FROM t;', 'SELECT 1;']);
});

test('completion offers grammar keywords and WITH keys for the word being typed', () => {
  assert.equal(completer('')('RVBBIT MAP PAR'), [['PARALLEL'], 'PAR']);
  assert.equal(completer('')("RVBBIT MAP 'x' USING (SELECT 1) WITH (on_"), [['on_error'], 'on_']);
  assert.equal(completer('RVBBIT MAP\n')('PARA'), [['PARALLEL'], 'PARA']);
});

test.run();
