/**
 * The build's last JavaScript step (scripts/narrow-sources.mjs) on esbuild's real output: characters
 * above U+00FF in comments, strings and regular expressions become \u escapes, so V8 keeps the
 * module's source one byte a character, and the code does what it did.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: a build script in plain JavaScript, without declarations.
import { narrowBuiltSources, narrowSource } from '../../scripts/narrow-sources.mjs';

const MODULE = `
export const TABLE = {
  // A comment → with an arrow, a dash – and an ellipsis …
  a: 1,
  /* A block comment ≥ too. */
  b: 2,
};
export function accents(s) {
  return s.replace(/[œ]/g, 'oe').replace(/[ẞ]/gu, 'SS').replace(/😀/gu, ':)');
}
export const quoted = () => 'é → ✓';
export const wide = () => \`→ kept\`;
export const rawWide = () => String.raw\`a→b\`;
`;

test('esbuild output with wide characters: narrowed to one-byte text except template literals, behaving the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-narrow-'));
  try {
    writeFileSync(join(dir, 'in.mjs'), MODULE);
    await build({
      entryPoints: [join(dir, 'in.mjs')],
      outfile: join(dir, 'out', 'm.js'),
      format: 'esm',
      bundle: true,
    });
    const before = readFileSync(join(dir, 'out', 'm.js'), 'utf8');
    assert.match(before, '→ with an arrow', 'esbuild copies comments as written');
    assert.match(before, '/[œ]/g', 'and regular expressions');
    const wide = narrowBuiltSources(join(dir, 'out'));
    assert.equal(wide, [`${join(dir, 'out', 'm.js')} (1 in template literals)`]);
    const after = readFileSync(join(dir, 'out', 'm.js'), 'utf8');
    assert.match(after, '\\u2192 with an arrow');
    assert.match(after, '/[\\u0153]/g');
    assert.equal(after.match(/[\u0100-\uffff]/g), ['→']);
    assert.match(after, '\\u2265 too');
    const m = await import(pathToFileURL(join(dir, 'out', 'm.js')).href);
    assert.is(m.accents('cœur ẞ 😀'), 'coeur SS :)');
    assert.is(m.quoted(), 'é → ✓');
    assert.is(m.wide(), '→ kept');
    assert.equal(m.TABLE, { a: 1, b: 2 });
    assert.is(m.rawWide(), 'a→b');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('narrowSource: a source with nothing above U+00FF comes back as it was; a surrogate pair is escaped half by half', () => {
  const plain = "const a = 'é'; // déjà\n";
  assert.equal(narrowSource(plain), { code: plain, kept: 0 });
  assert.equal(narrowSource("const s = '😀';"), { code: "const s = '\\ud83d\\ude00';", kept: 0 });
});

test.run();
