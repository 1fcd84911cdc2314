/**
 * What a thread of ours is started with (runtime/package-files.ts, entryThreadFlags): the
 * process's --cpu-prof flags with their values, and nothing else of the process's own. A service
 * profiled with `node --cpu-prof --cpu-prof-interval 200 app.js` once failed every statement with
 * LLM work (the pool's workers given `--cpu-prof-interval` without its `200`), and one run as
 * `node --input-type=module -e …` could not start the simulator's thread (the flag inherited).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profilingFlags } from '../../src/runtime/package-files.js';

test('profilingFlags keeps every --cpu-prof flag with its value, given with = or as the next argument', () => {
  assert.equal(
    profilingFlags([
      '--import',
      'tsx',
      '--cpu-prof',
      '--cpu-prof-interval',
      '200',
      '--max-old-space-size=512',
      '--cpu-prof-dir=/tmp/p',
      '--cpu-prof-name',
      'x.cpuprofile',
    ]),
    ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir=/tmp/p', '--cpu-prof-name', 'x.cpuprofile'],
  );
  assert.equal(profilingFlags(['--import', 'tsx', '--enable-source-maps']), []);
});

test('a statement with LLM work on the simulator runs in `node --cpu-prof-interval 200 --input-type=module -e …`, and the worker writes its profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-cpu-prof-'));
  try {
    const script = `
      const { createEngine } = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)});
      const engine = await createEngine({ provider: 'simulator' });
      try {
        const r = await engine.query("SELECT count(*) AS n FROM (SELECT 'x' || range AS t FROM range(3)) WHERE t MEANS 'a letter'");
        console.log('rows', JSON.stringify(r.rows.length));
      } finally { await engine.close(); }`;
    const run = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        '--cpu-prof-interval',
        '200',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, 'rows 1');
    // The main thread's profile and at least one worker's.
    assert.ok(
      readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).length >= 2,
      readdirSync(dir).join(', '),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
