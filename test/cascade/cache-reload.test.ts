import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { clearCascadeCache, loadCascade } from '../../src/cascade/load-cascade.js';

const dir = mkdtempSync(join(tmpdir(), 'rvbbit-cascade-'));
const file = join(dir, 'c.yaml');
const v1 = 'cascade_id: c\ncells:\n  - name: a\n    instructions: "one {{ input.x }}"\n';
const v2 = 'cascade_id: c\ncells:\n  - name: a\n    instructions: "two {{ input.x }}"\n';

test.after(() => rmSync(dir, { recursive: true, force: true }));

// A parse makes a new frozen Cascade object: the same object back means no parse.

test('an unchanged file is served from the cache: same object, no parse', async () => {
  clearCascadeCache();
  writeFileSync(file, v1);
  const a = await loadCascade(file);
  const b = await loadCascade(file);
  assert.is(a, b);
});

test('touched but identical bytes: re-hashed, not re-parsed, same object', async () => {
  const a = await loadCascade(file);
  const later = new Date(Date.now() + 5_000);
  utimesSync(file, later, later);
  const b = await loadCascade(file);
  assert.is(a, b);
});

test('changed content (same size, new mtime): reloaded with a new hash', async () => {
  const a = await loadCascade(file);
  writeFileSync(file, v2);
  const later = new Date(Date.now() + 10_000);
  utimesSync(file, later, later);
  const b = await loadCascade(file);
  assert.is.not(a, b);
  assert.is.not(a.contentHash, b.contentHash);
  assert.is((b.cells[0] as { instructions: string }).instructions, 'two {{ input.x }}');
});

test('a file that becomes broken fails to load; fixing it loads again', async () => {
  writeFileSync(file, `${v1}    rules: { max_turns: 0 }\n`);
  const err = await loadCascade(file).catch((e: unknown) => e);
  assert.instance(err, CascadeError);
  writeFileSync(file, v1);
  const later = new Date(Date.now() + 20_000);
  utimesSync(file, later, later);
  const ok = await loadCascade(file);
  assert.is(ok.cascadeId, 'c');
});

test('clearCascadeCache forgets everything', async () => {
  const a = await loadCascade(file);
  clearCascadeCache();
  const b = await loadCascade(file);
  assert.is.not(a, b);
  assert.is(a.contentHash, b.contentHash);
});

test.run();
