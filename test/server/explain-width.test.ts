/**
 * EXPLAIN's text through the server and the real psql (issue 69): psql's
 * aligned table is no wider than 100 columns (the note, the function line and
 * the rewritten SQL wrap, each wrapped line marked `+`), and a client that
 * reads the rows gets the same words.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXPLAIN_TABLE_WIDTH } from '../../src/plan/estimate.js';
import { EXPLAIN_NOTE } from '../../src/statements/semantic/explain/explain-semantic.js';
import { requires } from '../requires.js';
import { startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');
const SEMANTIC = `EXPLAIN SELECT x, x MEANS 'a vehicle with four wheels and an engine' AS m
  FROM (VALUES ('a red car parked by the old railway station'), ('a bicycle')) v(x)`;

psqlTest('psql: EXPLAIN is at most 100 columns wide; the note wraps and reads back whole', async () => {
  const f = await startServerFixture({});
  try {
    const r = await psql(f.port, ['-c', SEMANTIC], undefined, 'rvbbit');
    assert.is(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    const widest = Math.max(...lines.map((l) => Array.from(l).length));
    assert.ok(widest <= EXPLAIN_TABLE_WIDTH, `${widest} columns:\n${r.out}`);
    // psql's aligned rows: " note  | first line +", then "       | next line +" … the last without "+".
    const at = lines.findIndex((l) => /^ note +\| /.test(l));
    assert.ok(at > 0, r.out);
    const cells: string[] = [];
    for (let i = at; ; i++) {
      const [, value, more] = /^ \S* *\| (.*?) *(\+?)$/.exec(lines[i]!)!;
      cells.push(value!);
      if (more !== '+') break;
    }
    assert.ok(cells.length > 1, 'the note is on more than one line');
    assert.is(cells.join(' '), EXPLAIN_NOTE);
    // The pg client reads the note's one row as those lines.
    const c = await f.client();
    const rows = (await c.query(SEMANTIC)).rows as { property: string; value: string }[];
    assert.is(rows.find((row) => row.property === 'note')!.value.replaceAll('\n', ' '), EXPLAIN_NOTE);
  } finally {
    await f.close();
  }
});

psqlTest.run();
