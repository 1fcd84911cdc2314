/**
 * Where a runner started by these tests keeps its times: a file of its own (RVBBIT_TEST_DURATIONS,
 * scripts/test-durations.mjs), so the fixture suites and the files run with programs hidden never
 * replace the checkout's real `.cache/test-durations.json`, which orders the next whole run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh, not yet written, durations file for one runner. */
export function scratchDurationsFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'rvbbit-durations-')), 'test-durations.json');
}
