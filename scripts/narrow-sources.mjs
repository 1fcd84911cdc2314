/**
 * The built files in one-byte text. V8 keeps a module's source for as long as
 * the module lives, as one string, and one character above U+00FF in it (a
 * `→` in a comment) stores the whole file two bytes a character: the main
 * thread of a streaming MAP held ~2.6 MB of its 20 MB live heap as such
 * sources, half of it that width alone (issue 66: what a full collection must
 * trace, and what V8 grows the heap by a factor of). esbuild's ASCII output
 * escapes strings and identifiers but copies comments and regular-expression
 * literals as written.
 *
 * Each such character in a comment, a string or a regular expression is
 * written as its \u escape (one per UTF-16 unit: a pair's two halves mean the
 * one character in a string and in a regular expression, with or without the
 * u flag). A template literal is left as it is (its raw text would change),
 * and so is a file acorn cannot read: both are named. Source maps are not
 * shifted: only the columns after an escape on its own line move, and nearly
 * all of them are in comments, which map to nothing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenizer } from 'acorn';

const WIDE = /[\u0100-\uffff]/g;
const HAS_WIDE = /[\u0100-\uffff]/;

const escaped = (text) => text.replace(WIDE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `code` with every character above U+00FF in its comments, strings and regular
 * expressions escaped; `kept` counts those left (in template literals).
 */
export function narrowSource(code) {
  if (!HAS_WIDE.test(code)) return { code, kept: 0 };
  const spans = [];
  const tokens = tokenizer(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowHashBang: true,
    onComment: (_block, _text, start, end) => spans.push([start, end]),
  });
  for (const token of tokens) {
    const label = token.type.label;
    if (label === 'string' || label === 'regexp') spans.push([token.start, token.end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    out += code.slice(at, start) + escaped(code.slice(start, end));
    at = end;
  }
  out += code.slice(at);
  return { code: out, kept: (out.match(WIDE) ?? []).length };
}

/** Narrows every .js, .mjs and .cjs file under `dir`; returns the files that keep a wide character. */
export function narrowBuiltSources(dir) {
  const wide = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(m|c)?js$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const source = readFileSync(file, 'utf8');
    let narrowed;
    try {
      narrowed = narrowSource(source);
    } catch (err) {
      wide.push(`${file} (not read: ${err.message})`);
      continue;
    }
    if (narrowed.code !== source) writeFileSync(file, narrowed.code);
    if (narrowed.kept > 0) wide.push(`${file} (${narrowed.kept} in template literals)`);
  }
  return wide;
}
