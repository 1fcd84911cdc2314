/**
 * What CREATE SEMANTIC FUNCTION costs with many functions already defined,
 * and what the engine does at start with stored functions an older rvbbit
 * let shadow DuckDB's names. A file database is filled with stored
 * functions by one INSERT (as if N CREATEs had run), and an engine opened
 * on it loads them.
 *
 * The cost is measured as the process's CPU time (user + system: the main
 * thread's work and DuckDB's threads') of a few CREATEs with 100 and with
 * 1,000 functions defined, not as wall time: each CREATE rewrote every row of
 * rvbbit.functions, so its cost grew with the count (1,371 CREATEs took
 * 900 s in issue 65); one row each, the two costs are alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let sim: SimulatorHandle;
let dir: string;
test.before(async () => {
  sim = await startSimulator({});
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-fn-store-'));
});
test.after(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const define = (name: string) =>
  `CREATE SEMANTIC FUNCTION ${name}(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} what ${name} asks?'`;

/** An engine on `file`, its start's warnings kept. */
async function open(file: string, warnings: string[] = []): Promise<Engine> {
  return createEngine({
    database: file,
    provider: { baseUrl: sim.url, model: 'sim-small' },
    threads: 1,
    onWarning: (m) => warnings.push(m),
  });
}

/** A database holding `n` stored functions fn_0 … fn_{n-1} (one defined, the rest copied from its row). */
async function databaseWith(n: number): Promise<string> {
  const file = join(dir, `fns-${n}.duckdb`);
  const engine = await open(file);
  await engine.query(define('fn_0'));
  await engine.query(`INSERT INTO rvbbit.semantic_functions
    SELECT 'fn_' || i, args, "returns", operator, shape, options,
      replace(cascade_yaml, 'fn_0', 'fn_' || i), content_hash || i, replace(definition, 'fn_0', 'fn_' || i),
      version, created_at, replaced_at
    FROM rvbbit.semantic_functions, range(1, ${n}) r(i) WHERE name = 'fn_0'`);
  await engine.close();
  return file;
}

let runs = 0;

/** CPU microseconds of `count` CREATEs (new names each run) on an engine over `file`. */
async function createCpu(file: string, count: number): Promise<number> {
  const engine = await open(file);
  const run = runs++;
  try {
    const s = await engine.session();
    // One first, so what is loaded on first use (the definition checker's modules) is not counted.
    await s.query(define(`warm_up_${run}`));
    const before = process.cpuUsage();
    for (let i = 0; i < count; i++) await s.query(define(`more_${run}_${i}`));
    const used = process.cpuUsage(before);
    return used.user + used.system;
  } finally {
    await engine.close();
  }
}

test('CREATE costs alike with 100 and with 1,000 functions defined (CPU time, ratio)', async () => {
  const small = await databaseWith(100);
  const large = await databaseWith(1000);
  const count = 20;
  // The smaller of two runs each: a busy machine adds to one run, never takes away.
  const at100 = Math.min(await createCpu(small, count), await createCpu(small, count));
  const at1000 = Math.min(await createCpu(large, count), await createCpu(large, count));
  const ratio = at1000 / at100;
  assert.ok(
    ratio < 2,
    `CPU of ${count} CREATEs: ${at100} µs at 100 functions, ${at1000} µs at 1,000 (×${ratio.toFixed(2)})`,
  );
  // Every function is listed, the created ones too.
  const engine = await open(large);
  const { rows } = await engine.query(`SELECT count(*)::INT AS n FROM rvbbit.functions WHERE source = 'sql'`);
  assert.equal(rows, [{ n: 1000 + 2 * (count + 1) }]);
  await engine.close();
});

test('stored functions that shadow DuckDB (an older rvbbit took them) are skipped at start, named in a warning; DROP removes them', async () => {
  const file = join(dir, 'shadowing.duckdb');
  const first = await open(file);
  await first.query(define('fn_0'));
  // What an older rvbbit stored: the same row under names it accepted.
  for (const name of ['coalesce', 'image'])
    await first.query(`INSERT INTO rvbbit.semantic_functions
      SELECT '${name}', args, "returns", operator, shape, options, replace(cascade_yaml, 'fn_0', '${name}'),
        content_hash || '${name}', definition, version, created_at, replaced_at
      FROM rvbbit.semantic_functions WHERE name = 'fn_0'`);
  await first.close();
  const warnings: string[] = [];
  const engine = await open(file, warnings);
  try {
    assert.equal(
      warnings.filter((w) => w.startsWith('semantic function skipped')),
      [
        'semantic function skipped: coalesce: COALESCE is a SQL keyword (column_name); DROP SEMANTIC FUNCTION coalesce removes it',
        "semantic function skipped: image: IMAGE is a function in DuckDB's catalog; DROP SEMANTIC FUNCTION image removes it",
      ],
    );
    const { rows } = await engine.query(
      `SELECT coalesce(NULL, 'b') AS b, (SELECT list(name ORDER BY name) FROM rvbbit.functions WHERE source = 'sql') AS listed`,
    );
    assert.equal(rows, [{ b: 'b', listed: ['fn_0'] }]);
    await engine.query('DROP SEMANTIC FUNCTION coalesce');
    await engine.query('DROP SEMANTIC FUNCTION image');
    const left = await engine.query(
      'SELECT list(name ORDER BY name) AS names FROM rvbbit.semantic_functions',
    );
    assert.equal(left.rows, [{ names: ['fn_0'] }]);
  } finally {
    await engine.close();
  }
});

/** Runs `code` (an ES module importing the engine from `engine`) in a child node with TMPDIR = `tmp`; its exit. */
function child(code: string, tmp: string): { status: number | null; signal: string | null; stdout: string } {
  const engine = pathToFileURL(join(ROOT, 'src/index.ts')).href;
  // A file, not `--input-type=module -e`: worker threads inherit the process's
  // execArgv, and a thread started from a file (the build's, as the suite runs
  // them) refuses --input-type.
  const script = join(mkdtempSync(join(tmpdir(), 'rvbbit-fn-child-')), 'child.mjs');
  writeFileSync(script, code.replaceAll('ENGINE', JSON.stringify(engine)));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0 && r.signal === null) process.stderr.write(r.stderr);
    return { status: r.status, signal: r.signal, stdout: r.stdout };
  } finally {
    rmSync(dirname(script), { recursive: true, force: true });
  }
}

test("an engine writes a stored function's cascade file when a statement first runs it, not at start", async () => {
  const file = await databaseWith(50);
  // This process's engines' folders of SQL-defined cascades (the earlier ones are closed: removed).
  const folders = () =>
    new Set(readdirSync(tmpdir()).filter((n) => n.startsWith(`rvbbit-sql-functions-${process.pid}-`)));
  const before = folders();
  const engine = await open(file);
  try {
    const made = [...folders()].filter((n) => !before.has(n));
    assert.is(made.length, 1, made.join(' '));
    // Listed whole, each content's folder as HASH.
    const listing = () =>
      readdirSync(join(tmpdir(), made[0]!), { recursive: true })
        .map((f) => String(f).replace(/^[0-9a-f]{16}/, 'HASH'))
        .sort();
    // 50 functions loaded, none written.
    assert.equal(listing(), []);
    const { rows } = await engine.query("SELECT fn_7('a bottle') AS a, fn_7('a cup') AS b");
    assert.equal(
      Object.values(rows[0]!).map((v) => typeof v),
      ['boolean', 'boolean'],
    );
    // The one a statement ran, written once; after a CREATE rebuilt the catalog, the next one used is written too.
    assert.equal(listing(), ['HASH', 'HASH/fn_7.yaml']);
    await engine.query(define('fn_new'));
    await engine.query("SELECT fn_9('a bottle') AS a");
    assert.equal(listing(), ['HASH', 'HASH', 'HASH/fn_7.yaml', 'HASH/fn_9.yaml', 'HASH/fn_new.yaml']);
  } finally {
    await engine.close();
  }
});

test("a crashed engine's function folder is removed when the next engine starts; a running process's is kept", async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rvbbit-fn-tmp-'));
  try {
    // An engine that defines a function (its folder is made) and dies without closing.
    const crashed = child(
      `const { createEngine } = await import(ENGINE);
       const e = await createEngine({ threads: 1 });
       await e.query("CREATE SEMANTIC FUNCTION gone(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} gone?'");
       process.stdout.write(String(process.pid));
       process.kill(process.pid, 'SIGKILL');`,
      tmp,
    );
    assert.is(crashed.signal, 'SIGKILL');
    // Only this module's folders (tsx keeps its cache in TMPDIR too).
    const ours = () =>
      readdirSync(tmp)
        .filter((n) => n.startsWith('rvbbit-'))
        .sort();
    const left = ours();
    assert.equal(
      left.map((n) => n.replace(/-[A-Za-z0-9]+$/, '')),
      // Its in-memory database's spill folder too (db/spill-settings.ts): both are the next start's to remove.
      [`rvbbit-duckdb-temp-${crashed.stdout}`, `rvbbit-sql-functions-${crashed.stdout}`],
    );
    // A running process's folder (this test's), and one not of this module's shape.
    mkdirSync(join(tmp, `rvbbit-sql-functions-${process.pid}-Abc123`));
    mkdirSync(join(tmp, 'rvbbit-sql-functions-other'));
    const next = child(
      `const { createEngine } = await import(ENGINE);
       const e = await createEngine({ threads: 1 });
       await e.close();`,
      tmp,
    );
    assert.is(next.status, 0);
    assert.equal(ours(), [`rvbbit-sql-functions-${process.pid}-Abc123`, 'rvbbit-sql-functions-other']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
