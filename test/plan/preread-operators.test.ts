/**
 * The shipped operator files read at build time (src/plan/preread-operators.ts):
 * the module the build puts in place holds, for every shipped file with a
 * `sql_function`, exactly what the catalog's own read of that file gives, keyed
 * by the hash of the text it was read from.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readOperatorFile } from '../../src/plan/operator-file.js';
import { type PrereadOperator, prereadModule, textHash } from '../../src/plan/preread-operators.js';
import { packagePath } from '../../src/runtime/package-files.js';

const SHIPPED = packagePath('cascades/semantic');

/** The build's module, written out and imported as the bundle would. */
async function builtModule(): Promise<{
  PREREAD_OPERATORS: ReadonlyMap<string, PrereadOperator>;
  textHash(text: string): string;
}> {
  const file = join(mkdtempSync(join(tmpdir(), 'rvbbit-preread-')), 'preread-operators.mjs');
  writeFileSync(file, await prereadModule(SHIPPED));
  return import(pathToFileURL(file).href);
}

test('the build holds every shipped operator file, each read as the catalog reads it', async () => {
  const built = await builtModule();
  const withFunction = readdirSync(SHIPPED)
    .filter((f) => /\.ya?ml$/.test(f) && /^sql_function:/m.test(readFileSync(join(SHIPPED, f), 'utf8')))
    .sort();
  assert.ok(withFunction.length >= 18, withFunction.join(', '));
  assert.equal([...built.PREREAD_OPERATORS.keys()], withFunction);
  for (const name of withFunction) {
    const text = readFileSync(join(SHIPPED, name), 'utf8');
    const preread = built.PREREAD_OPERATORS.get(name)!;
    assert.is(preread.sha256, textHash(text), name);
    assert.is(built.textHash(text), textHash(text), name);
    // The read that reaches the catalog, whole: the function, its forms, calls and test cases.
    assert.equal(preread.read, readOperatorFile(join(SHIPPED, name), text), name);
  }
});

test('a read is kept under the hash of its text: one changed byte gives another key', () => {
  const text = readFileSync(join(SHIPPED, 'means.yaml'), 'utf8');
  assert.is.not(textHash(`${text} `), textHash(text));
  assert.match(textHash(text), /^[0-9a-f]{64}$/);
});

test.run();
