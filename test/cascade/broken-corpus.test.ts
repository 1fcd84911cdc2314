/**
 * Every file under test/fixtures/cascades/broken must fail to load with the
 * exact code, position, field path and message in broken-corpus-golden.ts.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { loadCascade } from '../../src/cascade/load-cascade.js';
import { GOLDEN } from './broken-corpus-golden.js';

const dir = fileURLToPath(new URL('../fixtures/cascades/broken/', import.meta.url));

test('the corpus has at least 25 files and every one is in the table', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.ok(files.length >= 25);
  assert.equal(
    files,
    GOLDEN.map((g) => g[0]),
  );
});

for (const [file, code, line, column, path, what] of GOLDEN) {
  test(`${file} → ${code} at ${line}:${column} ${path}`, async () => {
    const err = await loadCascade(dir + file).then(
      () => assert.unreachable('loaded a broken cascade'),
      (e: unknown) => e,
    );
    assert.instance(err, CascadeError);
    const e = err as CascadeError;
    assert.is(e.code, code);
    assert.is(e.detail['file'], dir + file);
    assert.is(e.detail['line'], line);
    assert.is(e.detail['column'], column);
    assert.is(e.detail['path'], path);
    const where = `${dir}${file}:${line}:${column}: `;
    assert.is(e.message, path ? `${where}${path}: ${what}` : `${where}${what}`);
  });
}

test.run();
