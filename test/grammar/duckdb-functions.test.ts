/**
 * grammar/duckdb-functions.ts lists the installed DuckDB's built-in function
 * names (a cascade's call form may not shadow one): regenerate it with
 * `node scripts/duckdb-functions.mjs` when DuckDB changes.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: a plain ES module script, no declarations
import { duckdbFunctionNames, moduleText } from '../../scripts/duckdb-functions.mjs';

test('the list is what the installed DuckDB says', async () => {
  const file = new URL('../../grammar/duckdb-functions.ts', import.meta.url);
  const live = (await duckdbFunctionNames()) as { version: string; names: string[] };
  assert.ok(live.names.includes('UPPER') && live.names.includes('FILL'));
  assert.is(readFileSync(file, 'utf8'), moduleText(live), 'stale: run node scripts/duckdb-functions.mjs');
});

test.run();
