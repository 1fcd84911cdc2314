/**
 * Every ```js / ```ts snippet of README.md and of docs/*.md that imports the
 * package ('rvbbit' or 'rvbbit/…'), run as a user runs it: against the packed, installed package
 * (installed.ts; the same install as package.test.ts when uvu runs both).
 * Each snippet is a module of its own. The names it imports must be exports
 * of the installed package; TypeScript ones type-check (strict, NodeNext)
 * against the package's .d.ts, are transpiled by TypeScript and run with node.
 *
 * What the test adapts, not the snippets' text: they run from a folder of the
 * consumer project whose `examples` links to the package's shipped examples/
 * (the cascades and data the snippets name by relative paths), with no
 * provider configured, so the built-in simulator answers. A snippet that
 * starts a server closes it itself: each must exit 0, on its own, in time.
 * README.md's snippets also run verbatim from a folder with no examples/ at
 * all, as a user's own project is: `cascadeRoots: ['examples/cascades']`
 * finds the package's copy there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';
import { installPackage } from './installed.js';

interface Snippet {
  /** The Markdown file, from the package root (README.md, docs/server.md …). */
  readonly doc: string;
  /** Line of the opening fence in that file. */
  readonly line: number;
  readonly heading: string;
  readonly lang: 'js' | 'ts';
  readonly code: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** README.md, then every Markdown file of docs/. */
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const IMPORTS_PACKAGE = /\bfrom\s+['"]rvbbit(\/[\w./-]+)?['"]|\bimport\(\s*['"]rvbbit(\/[\w./-]+)?['"]/;
const LANGS: Record<string, Snippet['lang']> = {
  js: 'js',
  mjs: 'js',
  javascript: 'js',
  ts: 'ts',
  typescript: 'ts',
};

/** The fenced code blocks of a Markdown text (indented ones in list items too), with the heading above each. */
function snippetsOf(doc: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const found: Snippet[] = [];
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) {
      heading = /^#{1,6}\s+(.*)$/.exec(lines[i]!)?.[1] ?? heading;
      continue;
    }
    const [, indent, info] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^ *```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!.slice(indent!.length));
    const lang = LANGS[info!];
    if (lang) found.push({ doc, line: start + 1, heading, lang, code: `${body.join('\n')}\n` });
  }
  return found;
}

/** Value names a snippet imports, by module: `import { a, b as c, type T } from 'rvbbit'` → rvbbit: a, b. */
function importedValues(code: string): { name: string; from: string }[] {
  const names: { name: string; from: string }[] = [];
  for (const m of code.matchAll(/\bimport\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
    if (m[1] || !m[3]!.startsWith('rvbbit')) continue;
    for (const part of m[2]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0]!;
      if (name !== '' && !name.startsWith('type ')) names.push({ name, from: m[3]! });
    }
  }
  return names;
}

const snippets = DOCS.flatMap((doc) => snippetsOf(doc, readFileSync(join(ROOT, doc), 'utf8'))).filter((s) =>
  IMPORTS_PACKAGE.test(s.code),
);
const pkg = installPackage();
const work = join(pkg.dir, 'readme-snippets');
mkdirSync(work, { recursive: true });
symlinkSync(join(pkg.dir, 'node_modules/rvbbit/examples'), join(work, 'examples'));
const fileOf = (s: Snippet) =>
  join(work, `${s.doc.replace(/\W/g, '_')}-line-${s.line}.${s.lang === 'ts' ? 'ts' : 'mjs'}`);
for (const s of snippets) writeFileSync(fileOf(s), s.code);

/** What README.md's library snippet prints: the simulator's answers for its three products (the world's numbers since issue 68; 0.512, 0.821, 0.815 before). */
const LIBRARY_OUTPUT = `${[
  '[',
  "  { name: 'id', type: 'INTEGER' },",
  "  { name: 'product_name', type: 'VARCHAR' },",
  "  { name: 'brand', type: 'VARCHAR' },",
  "  { name: 'confidence', type: 'DOUBLE' }",
  '] [',
  '  {',
  '    id: 1,',
  "    product_name: 'IKEA MALM Dresser 6-drawer',",
  "    brand: 'IKEA',",
  '    confidence: 0.388',
  '  },',
  '  {',
  '    id: 2,',
  "    product_name: 'OXO Pour-Over Coffee Maker',",
  "    brand: 'OXO',",
  '    confidence: 0.637',
  '  },',
  '  {',
  '    id: 3,',
  "    product_name: 'Sony SRS-XB13 Speaker',",
  "    brand: 'Sony',",
  '    confidence: 0.961',
  '  }',
  ']',
].join('\n')}\n`;

const exportsCache = new Map<string, string[]>();
/** The names the installed module exports, read by importing it in the consumer project. */
function exportsOf(specifier: string): string[] {
  let names = exportsCache.get(specifier);
  if (!names) {
    const script = `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(specifier)}))))`;
    names = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: pkg.dir,
        encoding: 'utf8',
      }),
    ) as string[];
    exportsCache.set(specifier, names);
  }
  return names;
}

test('README.md and docs/ have the from-code snippets: the engine, the library, a cascade run, the server, the grammar', () => {
  const all = snippets.map((s) => s.code).join('\n');
  for (const name of [
    'createEngine',
    'runCascade',
    'loadCascade',
    'createLlmClient',
    'startServer',
    'parse',
  ]) {
    assert.ok(
      importedValues(all).some((i) => i.name === name),
      `no snippet of README.md or docs/ imports ${name}`,
    );
  }
});

test('the TypeScript snippets type-check against the installed .d.ts (strict, NodeNext, skipLibCheck off)', () => {
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      include: ['*.ts'],
    }),
  );
  const tsc = join(pkg.dir, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: work, encoding: 'utf8' });
  assert.is(r.stdout + r.stderr, '');
  assert.is(r.status, 0);
});

/** Runs a snippet (TypeScript transpiled) as its own module from `cwd`, with no provider configured. */
function runSnippet(s: Snippet, file: string, cwd: string) {
  if (s.lang === 'ts') {
    const js = ts.transpileModule(s.code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    file = file.replace(/\.ts$/, '.mjs');
    writeFileSync(file, js);
  }
  // No FORCE_COLOR (uvu sets it for its own output): what a snippet prints is compared as text.
  const { FORCE_COLOR: _uvuColour, ...env } = simulatorEnv();
  return spawnSync(process.execPath, [file], { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

test("README.md's snippets run verbatim from a folder without examples/: the library's MAP over the package's example cascades", () => {
  const elsewhere = join(pkg.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const readme = snippets.filter((s) => s.doc === 'README.md');
  assert.equal(
    readme.map((s) => s.heading),
    ['Install', 'The library'],
  );
  const outs = readme.map((s) => {
    const file = join(elsewhere, `line-${s.line}.${s.lang}`);
    writeFileSync(file, s.code);
    const r = runSnippet(s, file, elsewhere);
    assert.is(r.signal, null, `README.md line ${s.line} did not end within 120 s: ${r.stderr}`);
    assert.is(r.status, 0, `README.md line ${s.line}:\n${r.stderr}`);
    return r;
  });
  assert.is(outs[0]!.stdout, '[ { is_car: true } ]\n');
  assert.is(outs[1]!.stdout, LIBRARY_OUTPUT);
  // onProgress: as rows finish, the last line for all three.
  const progress = outs[1]!.stderr.trimEnd().split('\n');
  assert.ok(
    progress.every((l) => /^[0-3]\/3 rows, [0-3] calls$/.test(l)),
    outs[1]!.stderr,
  );
  assert.is(progress.at(-1), '3/3 rows, 3 calls');
});

for (const s of snippets) {
  test(`${s.doc} line ${s.line} (${s.heading}): the ${s.lang} snippet runs against the installed package`, () => {
    for (const { name, from } of importedValues(s.code)) {
      assert.ok(
        exportsOf(from).includes(name),
        `'${from}' does not export ${name} (${s.doc} line ${s.line})`,
      );
    }
    const r = runSnippet(s, fileOf(s), work);
    assert.is(r.signal, null, `${s.doc} line ${s.line} did not end within 120 s: ${r.stderr}`);
    assert.is(r.status, 0, `${s.doc} line ${s.line}:\n${r.stderr}`);
  });
}

test.run();
