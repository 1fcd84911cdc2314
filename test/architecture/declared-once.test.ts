/**
 * Small facts the code once wrote twice (issue 49) are declared once: each
 * check counts the places in the sources (base/, grammar/, src/, workers/)
 * that state the fact, so a second copy fails here before it drifts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const FILES = ['base', 'grammar', 'src', 'workers'].flatMap(sources).sort();

/** The file of each line matching `pattern` (a file twice when two of its lines match). */
function places(pattern: RegExp): string[] {
  return FILES.flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .filter((line) => pattern.test(line))
      .map(() => file),
  );
}

test('the SQL type vocabulary: each family names its DuckDB type in one table', () => {
  assert.equal(places(/\bdecimal: '?DOUBLE\b/), ['grammar/type-names.ts']);
  assert.equal(places(/'BOOLEAN, INTEGER\b/), []);
  assert.equal(places(/\/\^JSON\$\//), []);
});

test("MAP's error column is named in one place", () => {
  assert.equal(places(/\bconst ERROR_COLUMN\b/), ['src/statements/map/map-output.ts']);
  assert.equal(places(/'_error'/), ['src/statements/map/map-output.ts']);
});

test('an answer {"x": v} is read as v by one function', () => {
  assert.equal(places(/keys\.length === 1\b/), ['src/cascade/answer-parse.ts']);
});

test('a DuckDB column type is named (JSON by its alias) by one function', () => {
  assert.equal(places(/\.alias \?\? String\(/), ['src/db/query-result.ts']);
});

test.run();
