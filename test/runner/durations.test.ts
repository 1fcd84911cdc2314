/**
 * The runner's times of a run go where RVBBIT_TEST_DURATIONS says (scripts/test-durations.mjs), not
 * into the checkout's `.cache/test-durations.json`: the runner's own tests run it over fixture suites,
 * whose times there would reorder the next whole run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { within } from '../cli/helpers.js';
import { scratchDurationsFile } from './durations-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REAL = fileURLToPath(new URL('../../.cache/test-durations.json', import.meta.url));
/** How long the run may take before it is called a hang: a wait, not a bound. */
const HANG_MS = 60_000;

const readOrNull = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

test('RVBBIT_TEST_DURATIONS: the run writes its files times there, and leaves .cache/test-durations.json as it was', async () => {
  const durations = scratchDurationsFile();
  const realBefore = readOrNull(REAL);
  const child = spawn(
    process.execPath,
    ['scripts/run-tests.mjs', 'test/fixtures/runner', '^fine\\.fixture\\.ts$'],
    {
      cwd: ROOT,
      env: { ...process.env, RVBBIT_TEST_DURATIONS: durations },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  const code = await within(HANG_MS, new Promise((resolve) => child.on('close', resolve)), 'the run');
  assert.is(code, 0, out);
  const written = JSON.parse(readFileSync(durations, 'utf8')) as Record<
    string,
    { ms: number; cpuMs: number }
  >;
  assert.equal(Object.keys(written), ['test/fixtures/runner/fine.fixture.ts']);
  const t = written['test/fixtures/runner/fine.fixture.ts']!;
  assert.ok(Number.isInteger(t.ms) && t.ms >= 0, JSON.stringify(t));
  assert.ok(Number.isInteger(t.cpuMs) && t.cpuMs >= 0, JSON.stringify(t));
  assert.is(readOrNull(REAL), realBefore);
});

test.run();
