/**
 * The runner's test processes (scripts/uvu-lane.mjs): one ends once its files are done, whatever
 * a test left running, and one whose file never ends is killed at the runner's file limit, so the
 * run ends with its summary instead of waiting forever.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { within } from '../cli/helpers.js';
import { scratchDurationsFile } from './durations-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How long the run may take before it is called a hang: a wait, not a bound. */
const HANG_MS = 60_000;

/** Runs the runner over a fixture folder: its exit code and its output without colours. */
async function runFixtures(
  folder: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; plain: string }> {
  const child = spawn(process.execPath, ['scripts/run-tests.mjs', folder, '\\.fixture\\.ts$'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    // The fixture's times kept apart from the checkout's real ones.
    env: { ...process.env, RVBBIT_TEST_DURATIONS: scratchDurationsFile(), ...env },
    // Its own process group, to end with its test processes if it hangs.
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const code = await within(HANG_MS, ended, 'the run');
    return { code, plain: out.replace(/\x1b\[[0-9;]*m/g, '') };
  } finally {
    // With its test processes, which a hang leaves behind.
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
}

test('a test that leaves a server listening: its file passes and the run ends with the summary, exit 0', async () => {
  const { code, plain } = await runFixtures('test/fixtures/runner-open');
  assert.is(plain.trimEnd().split('\n').at(-1), 'tests: 1 passed, 0 failed, 0 skipped');
  assert.is(code, 0);
});

test('a file that never ends fails at the file limit, by name, and the run ends with its summary, exit 1', async () => {
  const { code, plain } = await runFixtures('test/fixtures/runner-hang', { RVBBIT_TEST_FILE_LIMIT_S: '2' });
  assert.match(
    plain,
    `FAIL  waits-forever.fixture.ts  "the test process ended by SIGKILL: the file ran past the runner's limit of 2 s (RVBBIT_TEST_FILE_LIMIT_S)"`,
  );
  assert.is(plain.trimEnd().split('\n').at(-1), 'tests: 0 passed, 1 failed, 0 skipped');
  assert.is(code, 1);
});

test.run();
