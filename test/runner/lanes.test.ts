/**
 * The runner's test processes (scripts/uvu-lane.mjs): one ends once its files are done, whatever
 * a test left running, so the run ends with its summary instead of waiting forever.
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

test('a test that leaves a server listening: its file passes and the run ends with the summary, exit 0', async () => {
  const child = spawn(
    process.execPath,
    ['scripts/run-tests.mjs', 'test/fixtures/runner-open', '\\.fixture\\.ts$'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      // The fixture's times kept apart from the checkout's real ones.
      env: { ...process.env, RVBBIT_TEST_DURATIONS: scratchDurationsFile() },
      // Its own process group, to end with its test processes if it hangs.
      detached: true,
    },
  );
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const code = await within(HANG_MS, ended, 'the run');
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    assert.is(plain.trimEnd().split('\n').at(-1), 'tests: 1 passed, 0 failed, 0 skipped');
    assert.is(code, 0);
  } finally {
    // With its test processes, which a hang leaves behind.
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
});

test.run();
