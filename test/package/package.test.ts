/**
 * The installed package, used the ways a user uses it, from a folder that is
 * not this repository: a plain .mjs importing `rvbbit` and `rvbbit/grammar`,
 * one running LLM_SCORE and LLM(… RETURNING STRUCT) on a default engine,
 * TypeScript type-checking against our .d.ts (NodeNext, bundler and
 * CommonJS resolution; strict, exactOptionalPropertyTypes, skipLibCheck off),
 * and the installed `rvbbit` bin (--version, a MAP, cascade validation with
 * the precompiled validator, serve + psql, and a worker entry that cannot load);
 * documents (DOCUMENT_PAGES, TEXT_CHUNKS, --data-dir) with the parser thread
 * loading from the build.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { contractFolder, DOCX_PARAGRAPHS, HTML_TEXT, PDF_TEXT_PAGES } from '../documents/fixtures.js';
import { png } from '../images/png.js';
import { PSQL, requires } from '../requires.js';
import { installPackage } from './installed.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/consumer/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = installPackage();
for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(pkg.dir, f));
const NO_PROVIDER = simulatorEnv();
const psqlTest = requires(test, 'psql');

function rvbbit(args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(pkg.bin, args, { cwd: pkg.dir, env: NO_PROVIDER, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the shipped package.json has no install script (prepare, preinstall, install, postinstall …); the clone keeps prepare', () => {
  const shipped = JSON.parse(
    readFileSync(join(pkg.dir, 'node_modules/rvbbit/package.json'), 'utf8'),
  ) as Record<string, unknown>;
  const scripts = shipped.scripts as Record<string, string>;
  for (const name of [
    'preinstall',
    'install',
    'postinstall',
    'prepublish',
    'preprepare',
    'prepare',
    'postprepare',
  ]) {
    assert.is(scripts[name], undefined, name);
  }
  // The rest stays (prepack and postpack too: a pack that failed half-way mends on the next).
  assert.is(scripts.postpack, 'node scripts/pack-manifest.mjs restore');
  const clone = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    version: string;
  };
  assert.is(clone.scripts.prepare, 'node scripts/build.mjs');
  assert.is(shipped.version, clone.version);
  // Installed from the tarball, npm 11 lists no install script of rvbbit to approve
  // (it listed `rvbbit@0.1.0 (prepare: node scripts/build.mjs)`).
  assert.not.match(pkg.installWarnings, /\brvbbit@/);
});

test("packing left the clone's dist/ alone: npm packed a copy of the working tree (dist/index.js: same inode and mtime)", () => {
  assert.is.not(pkg.cloneDist.before, 'absent');
  assert.is(pkg.cloneDist.after, pkg.cloneDist.before);
});

test("prepack (build.mjs --if-stale) ships the clone's current build as it is, and builds a stale one", () => {
  // `npm test` builds first, so the build was current and packing built nothing (~16 s of CPU);
  // a tree changed since its build (or never built) is built in the copy as before.
  assert.is(pkg.build.built, !pkg.build.current, JSON.stringify(pkg.build));
});

test("allowScripts settles every dependency with an install script (package-lock's hasInstallScript): npm ci warns of none", () => {
  const clone = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    allowScripts: Record<string, boolean>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  const withScripts = Object.entries(lock.packages)
    .filter(([, p]) => p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
  assert.equal(withScripts, ['esbuild', 'msgpackr-extract']);
  // Neither is needed: the lock has every platform's prebuilt binary package (scripts/lock-platforms.mjs).
  assert.equal(clone.allowScripts, { esbuild: false, 'msgpackr-extract': false });
  // npm 11's own check of the installed tree (npm ci prints the same list as a warning).
  const ls = spawnSync('npm', ['install-scripts', 'ls'], { cwd: ROOT, encoding: 'utf8' });
  if (ls.status === 0) assert.is(ls.stdout, 'No packages with unreviewed install scripts.\n');
  else assert.match(ls.stderr, /Unknown command/, 'an npm without allowScripts (before 11.16)');
});

test('the tarball holds the build, the shipped cascades, the README and the license; no sources, tests or bench', () => {
  const top = new Set(pkg.files.map((f) => f.split('/')[0]));
  assert.equal([...top].sort(), [
    'LICENSE',
    'README.md',
    'bin',
    'cascades',
    'dist',
    'examples',
    'package.json',
  ]);
  for (const f of pkg.files) {
    assert.not.match(f, /^(src|test|bench|scripts|grammar|workers|docs|\.ci)\//, f);
    assert.ok(!f.endsWith('.ts') || f.endsWith('.d.ts'), f);
  }
  for (const f of [
    'dist/index.js',
    'dist/grammar.js',
    'dist/grammar.browser.js',
    'dist/cli.js',
    'dist/cascade-thread.js',
    'dist/types/src/index.d.ts',
  ]) {
    assert.ok(pkg.files.includes(f), f);
  }
  const manifest = JSON.parse(readFileSync(join(pkg.dir, 'node_modules/rvbbit/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dev of ['tsx', 'vega', 'typescript', 'pg', 'esbuild', 'chevrotain']) {
    assert.not.ok(dev in manifest.dependencies, `${dev} is not a runtime dependency`);
  }
  assert.not.ok(
    readdirSync(join(pkg.dir, 'node_modules')).includes('tsx'),
    'tsx is not installed for a user',
  );
});

test('every JavaScript file of the installed package is one-byte text (no character above U+00FF: scripts/narrow-sources.mjs)', () => {
  const dist = join(pkg.dir, 'node_modules/rvbbit/dist');
  const js = readdirSync(dist, { recursive: true })
    .map(String)
    .filter((f) => /\.(m|c)?js$/.test(f));
  assert.ok(js.length > 20, `${js.length} files`);
  for (const f of js) {
    const wide = readFileSync(join(dist, f), 'utf8').match(/[\u0100-\uffff]/);
    assert.is(wide, null, `${f}: ${wide?.[0]}`);
  }
});

test('a plain .mjs imports rvbbit and rvbbit/grammar and runs a MAP and a semantic filter on the simulator', () => {
  const out = execFileSync(process.execPath, ['check.mjs'], {
    cwd: pkg.dir,
    env: NO_PROVIDER,
    encoding: 'utf8',
  });
  assert.equal(JSON.parse(out), {
    mapColumns: ['id INTEGER', 'product_name VARCHAR', 'brand VARCHAR', 'confidence DOUBLE'],
    map: [
      [1, 'Acme'],
      [2, 'Lindt'],
      [3, 'Sony'],
    ],
    filter: [1],
    badIsRvbbitError: true,
    badCode: 'E_BAD_PARALLEL',
    formatted: "RVBBIT MAP PARALLEL 5 'a.yaml'\nUSING (SELECT 1);",
    parseErrors: 0,
    answeredBy: 'simulator',
  });
});

test('a plain .mjs runs LLM_SCORE and LLM(… RETURNING STRUCT) over the shipped reviews: the in-repo library result', async () => {
  const out = JSON.parse(
    execFileSync(process.execPath, ['typed.mjs'], { cwd: pkg.dir, env: NO_PROVIDER, encoding: 'utf8' }),
  ) as {
    reviews: string;
    sql: string;
    columns: string[];
    rows: { id: number; s: unknown; v: Record<string, unknown> }[];
    answeredBy: string;
  };
  // The CSV the package ships, found from the package's own path.
  assert.is(out.reviews, join(pkg.dir, 'node_modules/rvbbit/examples/data/reviews.csv'));
  assert.is(out.answeredBy, 'simulator');
  assert.equal(out.columns, ['id BIGINT', 's INTEGER', 'v STRUCT("aspect" VARCHAR, "liked" BOOLEAN)']);
  assert.equal(
    out.rows.map((r) => r.id),
    [1, 2, 3, 4, 5],
  );
  for (const { s, v } of out.rows) {
    assert.ok(Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 5, String(s));
    assert.equal(Object.keys(v), ['aspect', 'liked']);
    assert.type(v.aspect, 'string');
    assert.type(v.liked, 'boolean');
  }
  // The same statement on this repository's library (its own copy of the file).
  const engine = await createEngine();
  try {
    const lib = await engine.query(out.sql.replace(out.reviews, `${ROOT}examples/data/reviews.csv`));
    assert.equal(
      lib.columns.map((c) => `${c.name} ${c.type}`),
      out.columns,
    );
    assert.equal(
      lib.rows.map((r) => ({ id: Number(r.id), s: r.s, v: r.v })),
      out.rows,
    );
  } finally {
    await engine.close();
  }
});

test('browsers get dist/grammar.browser.js: by the "browser" condition of rvbbit/grammar and as rvbbit/grammar/browser', () => {
  const resolve = (conditions: string[], spec: string) =>
    execFileSync(
      process.execPath,
      [
        ...conditions,
        '--input-type=module',
        '-e',
        `console.log(import.meta.resolve(${JSON.stringify(spec)}))`,
      ],
      { cwd: pkg.dir, encoding: 'utf8' },
    ).trim();
  const browserFile = pathToFileURL(join(pkg.dir, 'node_modules/rvbbit/dist/grammar.browser.js')).href;
  assert.is(resolve(['--conditions=browser'], 'rvbbit/grammar'), browserFile);
  assert.is(resolve([], 'rvbbit/grammar/browser'), browserFile);
  assert.is(
    resolve([], 'rvbbit/grammar'),
    pathToFileURL(join(pkg.dir, 'node_modules/rvbbit/dist/grammar.js')).href,
  );
  const script = `const g = await import('rvbbit/grammar/browser');
    const r = g.parse("RVBBIT MAP PARALLEL 5 'a.yaml' USING (SELECT 1)");
    console.log(JSON.stringify([r.errors.length, g.format(r)]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: pkg.dir,
    encoding: 'utf8',
  });
  assert.equal(JSON.parse(out), [0, "RVBBIT MAP PARALLEL 5 'a.yaml'\nUSING (SELECT 1);"]);
});

const RESOLUTIONS = ['nodenext', 'bundler', 'commonjs'];
/** Packages our declarations must not make a user's `tsc` read: the scale-out queue's and the HTTP stack's. */
const UNREAD_TYPES = ['ioredis', 'bullmq', 'undici'];
test(`TypeScript (${RESOLUTIONS.join(', ')} resolution, strict, exactOptionalPropertyTypes, skipLibCheck off) type-checks against the .d.ts, reading no type of ${UNREAD_TYPES.join(', ')}`, () => {
  // One `tsc -b` over the consumer's three projects (its tsconfig.json references them): each is
  // checked whole, as its own `tsc -p` would, in one process that parses the shared files
  // (TypeScript's lib, @types/node) once. Each project lists the files it read (listFiles).
  const tsc = join(pkg.dir, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', '--force', '--verbose'], {
    cwd: pkg.dir,
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const printed = r.stdout + r.stderr;
  const lines = printed.split(/\r?\n/);
  // Nothing but --verbose's account of the build and the files read: no error, no warning.
  const verbose =
    /^$|^ {4}\* tsconfig(\.\w+)?\.json$| - (Projects in this build: |Project '.*' is being forcibly rebuilt$|Building project '.*'\.\.\.$)/;
  const read = lines.filter((line) => line.startsWith(`${pkg.dir}/`) && existsSync(line));
  assert.equal(
    lines.filter((line) => !verbose.test(line) && !read.includes(line)),
    [],
    printed,
  );
  assert.is(r.status, 0, printed);
  const built = [...printed.matchAll(/Building project '(.*)'\.\.\./g)].map((m) => m[1]);
  assert.equal(
    built,
    RESOLUTIONS.map((config) => join(pkg.dir, `tsconfig.${config}.json`)),
  );
  // Each project read the consumer's file and our declarations, and no file of those packages.
  for (const consumer of ['consumer.ts', 'consumer-cjs.ts'])
    assert.ok(read.includes(join(pkg.dir, consumer)), consumer);
  assert.ok(read.includes(join(pkg.dir, 'node_modules/rvbbit/dist/types/src/index.d.ts')));
  const modules = `${pkg.dir}/node_modules/`;
  const packagesRead = new Set(
    read
      .filter((f) => f.startsWith(modules))
      .map((f) =>
        f
          .slice(modules.length)
          .split('/')
          .slice(0, f.slice(modules.length).startsWith('@') ? 2 : 1)
          .join('/'),
      ),
  );
  assert.ok(packagesRead.has('@duckdb/node-api'), [...packagesRead].join(' '));
  for (const name of UNREAD_TYPES)
    assert.not.ok(packagesRead.has(name), `${name} is read: ${[...packagesRead].join(' ')}`);
});

test('the installed bin: --version prints the package version', () => {
  const r = rvbbit(['--version']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, `${pkg.version}\n`);
});

test('the installed bin runs a MAP on the simulator, workers loading the built JavaScript', () => {
  const r = rvbbit([
    'query',
    '--format',
    'csv',
    `RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' AS (brand VARCHAR)
     USING (SELECT * FROM (VALUES (1, 'Acme phone'), (2, 'Sony radio')) t(id, product_name))`,
    '--cascades',
    'node_modules/rvbbit/examples/cascades',
  ]);
  assert.is(r.code, 0, r.err);
  // A streamed MAP's csv ends in `_error`, empty when the row did not fail (docs/cli.md).
  assert.is(r.out, 'id,product_name,brand,_error\n1,Acme phone,Acme,\n2,Sony radio,Sony,\n');
});

test('the installed bin renders a larsql Jinja template and a mapping dimension (the Jinja library loads from the package)', () => {
  const larsql = fileURLToPath(new URL('../fixtures/larsql', import.meta.url));
  const r = rvbbit([
    'query',
    '--format',
    'csv',
    "SELECT MOOD(v) AS mood, TIDY(min(v)) AS tidy FROM (VALUES ('happy day'), ('sad rain')) t(v) GROUP BY 1 ORDER BY 1",
    '--cascades',
    larsql,
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(
    r.out,
    'mood,tidy\nHappy,Simulated answer: Tidy this value (9 characters). Use Title Case. VALUE: happy day\nSad,Simulated answer: Tidy this value (8 characters). Use Title Case. VALUE: sad rain\n',
  );
});

/** `rvbbit cascades validate <folder>` by the installed bin and from source, both run in the repository (same relative paths). */
function validateBoth(folder: string): {
  built: ReturnType<typeof spawnSync>;
  source: ReturnType<typeof spawnSync>;
} {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const args = ['cascades', 'validate', folder];
  const run = (command: string, prefix: string[]) =>
    spawnSync(command, [...prefix, ...args], { cwd: repo, encoding: 'utf8' });
  return { built: run(pkg.bin, []), source: run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts']) };
}

const linesStarting = (out: unknown, word: string) =>
  String(out)
    .split('\n')
    .filter((l) => l.startsWith(word)).length;

test('the built, precompiled cascade validator reports every broken cascade exactly as the source does', () => {
  const { built, source } = validateBoth('test/fixtures/cascades/broken');
  assert.is(built.status, 1, String(built.stderr));
  assert.is(linesStarting(built.stdout, 'invalid '), 37, String(built.stdout));
  assert.is(built.stdout, source.stdout);
  // The files that load with warnings (ignored keys, skipped forms) warn alike.
  const warned = validateBoth('test/fixtures/cascades/warned');
  assert.is(warned.built.status, 0, String(warned.built.stderr));
  assert.is(linesStarting(warned.built.stdout, 'warning '), 5, String(warned.built.stdout));
  assert.is(warned.built.stdout, warned.source.stdout);
});

psqlTest('the installed bin serves psql', async () => {
  const server = spawn(pkg.bin, ['serve', '--port', '0', '--sim'], { cwd: pkg.dir, env: NO_PROVIDER });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (b) => {
        out += b;
        const m = /127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.on('exit', (code) => reject(new Error(`rvbbit serve exited (${code})`)));
    });
    const sql = `SELECT 'a red sports car' MEANS 'car' AS m, 40 + 2 AS n`;
    const r = spawnSync(
      PSQL,
      ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'u', 'rvbbit', '-c', sql],
      {
        encoding: 'utf8',
      },
    );
    assert.is(r.stdout, 't|42\n');
    assert.is(r.status, 0);
    // The semantic operator's progress comes as a NOTICE; nothing else.
    assert.match(r.stderr, /^NOTICE: {2}rvbbit progress: 1\/1 rows, .* 1 calls, 0 cache hits/);
  } finally {
    server.kill('SIGTERM');
  }
});

test('a worker entry that cannot load fails the statement once, naming the file (exit 1, no row "answered")', () => {
  const entry = join(pkg.dir, 'node_modules/rvbbit/dist/cascade-thread.js');
  const good = readFileSync(entry);
  writeFileSync(entry, 'this is not JavaScript (');
  try {
    const t0 = Date.now();
    const r = rvbbit([
      'query',
      `RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' USING (SELECT 'Acme phone' AS product_name FROM range(50))`,
      '--cascades',
      'node_modules/rvbbit/examples/cascades',
    ]);
    assert.is(r.code, 1);
    assert.is(r.out, '');
    assert.match(r.err, `could not load ${entry}: `);
    assert.match(r.err, /SyntaxError/);
    assert.ok(Date.now() - t0 < 30_000, 'no retry loop');
  } finally {
    writeFileSync(entry, good);
  }
});

test('a plain .mjs runs semantic top-k, ENTITY and IMAGE from the installed package: the in-repo library result', async () => {
  writeFileSync(
    join(pkg.dir, 'red.png'),
    png({ width: 8, height: 8, rgb: [255, 0, 0], description: 'a red circle' }),
  );
  const { statements, out } = JSON.parse(
    execFileSync(process.execPath, ['peers.mjs'], { cwd: pkg.dir, env: NO_PROVIDER, encoding: 'utf8' }),
  ) as { statements: Record<string, string>; out: Record<string, unknown[]> };
  assert.equal(out['topk'], [{ id: 17 }, { id: 90 }, { id: 151 }]);
  assert.equal(out['entity'], [
    { who: 'Anna Berg, Velora Studio', n: 1 },
    { who: 'Maria Kowalczyk, Brightline Labs', n: 2 },
    { who: 'Tomas Ferreira, Quillon Foods', n: 2 },
  ]);
  assert.equal(out['image'], [{ red: true, blue: false }]);
  const engine = await createEngine({ imageFolders: [pkg.dir] });
  try {
    for (const [name, sql] of Object.entries(statements))
      assert.equal((await engine.query(sql)).rows, out[name], name);
  } finally {
    await engine.close();
  }
});

test("the pay-off rule from the installed package: a dearer proxy is never asked, a cheaper one after its pilot; the in-repo library's result", async () => {
  type Out = Record<string, { ids: number[]; strategy: string; calls: Record<string, number> }>;
  const { statements, out } = JSON.parse(
    execFileSync(process.execPath, ['payoff.mjs'], { cwd: pkg.dir, env: NO_PROVIDER, encoding: 'utf8' }),
  ) as { statements: Record<string, string>; out: Out };
  assert.equal(out['dearer']!.calls, { 'sim-small': 300 });
  assert.match(
    out['dearer']!.strategy,
    'proxy sim-large not used: a call of it costs 16.667× one of sim-small',
  );
  assert.is(out['cheaper']!.calls['sim-small'], 300);
  assert.ok(out['cheaper']!.calls['sim-large']! < 300, JSON.stringify(out['cheaper']!.calls));
  assert.match(out['cheaper']!.strategy, 'proxy sim-small pays off by its pilot of 40 tuples');
  const engine = await createEngine();
  try {
    for (const [name, sql] of Object.entries(statements)) {
      const ids = (await engine.query(sql)).rows.map((r) => r.id);
      const last = (
        await engine.query(
          `SELECT query_id, strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
        )
      ).rows[0]!;
      const calls = (
        await engine.query(
          `SELECT model, count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE query_id = $1 AND NOT cache_hit GROUP BY model ORDER BY model`,
          [last.query_id as string],
        )
      ).rows;
      assert.equal(
        { ids, strategy: last.strategy, calls: Object.fromEntries(calls.map((c) => [c.model, c.n])) },
        out[name],
        name,
      );
    }
  } finally {
    await engine.close();
  }
});

test('the installed package reads documents: DOCUMENT_PAGES over read_blob, TEXT_CHUNKS, and the bin with --data-dir', async () => {
  const { dir } = await contractFolder();
  for (const f of ['a.pdf', 'b.docx', 'c.html']) copyFileSync(join(dir, f), join(pkg.dir, f));
  rmSync(dirname(dir), { recursive: true, force: true });
  const out = JSON.parse(
    execFileSync(process.execPath, ['documents.mjs'], { cwd: pkg.dir, env: NO_PROVIDER, encoding: 'utf8' }),
  ) as { pages: unknown[]; chunks: unknown[] };
  assert.equal(out.pages, [
    { file: 'a.pdf', pages: PDF_TEXT_PAGES },
    { file: 'b.docx', pages: [DOCX_PARAGRAPHS.join('\n')] },
    { file: 'c.html', pages: [HTML_TEXT] },
  ]);
  assert.equal(out.chunks, [{ partition: true, several: true }]);
  const r = rvbbit(['query', '--data-dir', '.', '--format', 'json', `SELECT DOCUMENT_TEXT('b.docx') AS t`]);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), [{ t: DOCX_PARAGRAPHS.join('\n') }]);
});

test.run();
