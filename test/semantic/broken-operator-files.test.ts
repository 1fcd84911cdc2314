/**
 * createEngine with operator files that do not load (issue 31): each is
 * skipped with one warning naming file:line:col, only the statements that
 * use what it declared fail, with its error; a cascade root that is not a
 * folder rejects.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine, type EngineOptions, RvbbitError } from '../../src/index.js';
import { RHYMES_SOURCE } from '../lsp/fixture.js';

/** `sql_function` without `args`; `name`, `returns` and `operators` still readable. */
const missingArgs = (name: string, word: string) => `cascade_id: ${name}
cells:
  - name: judge
    instructions: hi
sql_function:
  name: ${name}
  returns: BOOLEAN
  operators: ["{{ a }} ${word} {{ b }}"]
`;
/** Not YAML: nothing in it can be read. */
const NOT_YAML = 'sql_function:\n  name: [semantic_lost\n  operators: "{{ a }} LOST {{ b }}\n';

const made: string[] = [];
test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-broken-ops-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

async function withEngine(options: EngineOptions, body: (engine: Engine) => Promise<void>): Promise<void> {
  const engine = await createEngine({ provider: 'simulator', threads: 1, ...options });
  try {
    await body(engine);
  } finally {
    await engine.close();
  }
}

async function failure(engine: Engine, sql: string): Promise<RvbbitError> {
  const err = await engine.query(sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RvbbitError)) throw new Error(`expected an RvbbitError from ${sql}, got ${err}`);
  return err;
}

test('broken operator files: one warning each, naming file:line:col; only statements using their words fail, with their error', async () => {
  const dir = folder({
    'rhymes.yaml': missingArgs('semantic_rhymes', 'RHYMES'),
    'means.yaml': missingArgs('semantic_means', 'MEANS'),
    'lost.yaml': NOT_YAML,
  });
  const warnings: string[] = [];
  await withEngine({ cascadeRoots: [dir], onWarning: (m) => warnings.push(m) }, async (engine) => {
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings.join('\n'), `${join(dir, 'lost.yaml')}:3:3: Flow sequence in block collection`);
    assert.match(
      warnings.join('\n'),
      `${join(dir, 'means.yaml')}:6:3: sql_function: missing required key "args"`,
    );
    assert.match(
      warnings.join('\n'),
      `${join(dir, 'rhymes.yaml')}:6:3: sql_function: missing required key "args"`,
    );

    assert.equal((await engine.query('SELECT 41 + 1 AS n')).rows, [{ n: 42 }]);
    const rhymes = await failure(engine, "SELECT 'moon' RHYMES 'june' AS r");
    assert.is(rhymes.code, 'CASCADE_SCHEMA');
    assert.is(
      rhymes.message,
      `RHYMES: ${join(dir, 'rhymes.yaml')}:6:3: sql_function: missing required key "args"`,
    );
    // The broken file overrides the shipped MEANS by name: its error, not the shipped answer.
    const means = await failure(engine, "SELECT 'a cat' MEANS 'an animal' AS m");
    assert.is(
      means.message,
      `MEANS: ${join(dir, 'means.yaml')}:6:3: sql_function: missing required key "args"`,
    );
    // The other shipped operators are untouched.
    const implies = await engine.query("SELECT 'it rains' IMPLIES 'the street is wet' AS i");
    assert.is(typeof implies.rows[0]!.i, 'boolean');
  });
});

test('a broken file in a later root does not shadow a valid one in an earlier root', async () => {
  const valid = folder({});
  copyFileSync(RHYMES_SOURCE, join(valid, 'rhymes.yaml'));
  const broken = folder({ 'r.yaml': missingArgs('semantic_rhymes', 'RHYMES') });
  const warnings: string[] = [];
  await withEngine({ cascadeRoots: [valid, broken], onWarning: (m) => warnings.push(m) }, async (engine) => {
    assert.is(warnings.length, 1);
    const r = await engine.query("SELECT 'moon' RHYMES 'june' AS r");
    assert.is(typeof r.rows[0]!.r, 'boolean');
  });
});

test('without onWarning, the warning is a process warning (code RVBBIT_CASCADE_SKIPPED)', async () => {
  const dir = folder({ 'r.yaml': missingArgs('semantic_rhymes', 'RHYMES') });
  const seen: (Error & { code?: string })[] = [];
  const listen = (w: Error) => seen.push(w);
  process.on('warning', listen);
  try {
    await withEngine({ cascadeRoots: [dir] }, async () => {
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    });
  } finally {
    process.off('warning', listen);
  }
  const ours = seen.filter((w) => w.code === 'RVBBIT_CASCADE_SKIPPED');
  assert.is(ours.length, 1);
  assert.match(ours[0]!.message, `${join(dir, 'r.yaml')}:6:3: `);
});

test('a cascade root that is not a folder rejects createEngine, naming it', async () => {
  for (const cascadeRoots of [
    ['/nonexistent/cascades'],
    { paths: [], operators: ['/nonexistent/cascades'] },
  ]) {
    const err = await createEngine({ cascadeRoots, provider: 'simulator' }).then(
      async (engine) => {
        await engine.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.ok(err instanceof RvbbitError, String(err));
    assert.is(err.code, 'ENGINE_OPTION');
    assert.is(err.message, 'cascade folder not found: /nonexistent/cascades');
  }
});

test('a subfolder of a root is searched, two levels deep', async () => {
  const dir = folder({});
  mkdirSync(join(dir, 'ops/mine'), { recursive: true });
  copyFileSync(RHYMES_SOURCE, join(dir, 'ops/mine/rhymes.yaml'));
  await withEngine({ cascadeRoots: [dir] }, async (engine) => {
    const r = await engine.query("SELECT 'moon' RHYMES 'june' AS r");
    assert.is(typeof r.rows[0]!.r, 'boolean');
  });
});

test.run();
