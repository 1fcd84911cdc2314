// `rvbbit parse` as a user runs it: a child process running the CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI } from '../cli/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function rvbbit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('parse --json prints the AST', async () => {
  const r = await rvbbit('parse', '--json', "RVBBIT MAP PARALLEL 2 'x.yaml' USING (SELECT 1)");
  assert.is(r.code, 0);
  const out = JSON.parse(r.stdout);
  assert.equal(out.errors, []);
  assert.is(out.statements[0].kind, 'MapStatement');
  assert.is(out.statements[0].parallel.value, 2);
  assert.equal(out.statements[0].span, { start: 0, end: 47, line: 1, column: 1 });
});

test('parse without --json prints a summary and the canonical text', async () => {
  const r = await rvbbit('parse', "rvbbit map 'x.yaml' using (SELECT 1); select a means 'b'");
  assert.is(r.code, 0);
  assert.is(
    r.stdout,
    [
      "-- 1: MAP 'x.yaml' (auto-LIMIT)",
      '-- 2: SQL passthrough, 1 semantic call',
      '',
      "RVBBIT MAP 'x.yaml'",
      'USING (SELECT 1);',
      '',
      "select a means 'b';",
      '',
    ].join('\n'),
  );
});

test('errors are rendered on stderr with exit code 1', async () => {
  const r = await rvbbit('parse', "RVBBIT MAP PARALLEL 0 'x' USING (select 1)");
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(
    r.stderr,
    [
      'error[E_BAD_PARALLEL]: PARALLEL must be an integer from 1 to 1000, got 0',
      ' --> 1:21',
      '  |',
      "1 | RVBBIT MAP PARALLEL 0 'x' USING (select 1)",
      '  |                     ^',
      '',
    ].join('\n'),
  );
});

test('--json with errors still prints JSON and exits 1', async () => {
  const r = await rvbbit('parse', '--json', 'RVBBIT');
  assert.is(r.code, 1);
  assert.equal(
    JSON.parse(r.stdout).errors.map((e: { code: string }) => e.code),
    ['E_UNEXPECTED_END'],
  );
});

test('-f reads a file; a missing file or no SQL is exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-parse-'));
  const file = join(dir, 'q.sql');
  writeFileSync(file, "-- @ model: m\nRVBBIT RUN 'r' USING (select 1);\n");
  const r = await rvbbit('parse', '-f', file);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^-- 1: RUN 'r'\n\n-- @ model: m\nRVBBIT RUN 'r'\nUSING \(select 1\);\n$/);
  assert.is((await rvbbit('parse', '-f', join(dir, 'missing.sql'))).code, 2);
  assert.is((await rvbbit('parse')).code, 2);
});

test.run();
