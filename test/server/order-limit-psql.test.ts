/**
 * docs/server.md's psql session: `… WHERE product_name MEANS 'kitchen
 * appliance' ORDER BY id LIMIT 3` over the 225 example products reads the
 * products in id order until 3 match (src/statements/semantic/rewrite/limit-window.ts), not all
 * 225, and returns the rows the docs show. Real psql (skipped without it,
 * test/requires.ts); calls are the simulator's count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');
let f: ServerFixture;

psqlTest.before(async () => {
  f = await startServerFixture();
});
psqlTest.after(async () => {
  await f.close();
});

psqlTest(
  'docs/server.md: MEANS … ORDER BY id LIMIT 3 asks the first 128 products by id in 9 packed calls, not 225',
  async () => {
    const before = f.sim.stats().requests;
    const r = await psql(
      f.port,
      [
        '-A',
        '-t',
        '-c',
        "SELECT id, product_name FROM products WHERE product_name MEANS 'kitchen appliance' ORDER BY id LIMIT 3",
      ],
      undefined,
      'rvbbit',
    );
    // Nothing on stderr but the progress notices, window by window.
    assert.equal(
      r.err.split('\n').filter((l) => l !== '' && !l.startsWith('NOTICE:  rvbbit progress: ')),
      [],
    );
    assert.equal(r.out.trimEnd().split('\n'), [
      '21|KitchenAid Cordless Hand Blender - Sand',
      '24|KitchenAid Food Processor 9-cup - Sage',
      '86|KitchenAid Cordless Hand Blender - Black',
    ]);
    // The docs' statement is unannotated: since issue 67 it runs at PARALLEL 8 and packs 16 names a call.
    // Windows of 8, 16, 32, 64 and 128 rows by id (w0 = max(2 x LIMIT, PARALLEL); answers carry over;
    // 86 is in the last; 126 distinct names), each window's new names packed 16 a call:
    // 1 + 1 + 1 + 2 + 4 calls. (Was 95: windows of 6 … 96 rows, one call per distinct name of the first 96.)
    const [names] = (
      await f.engine.query('SELECT count(DISTINCT product_name)::INTEGER AS n FROM products WHERE id <= 128')
    ).rows;
    assert.is(names?.n, 126);
    assert.is(f.sim.stats().requests - before, 9);
  },
);

test.run();
