import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));

// A client's copy of its own log rows is made one DuckDB vector at a time. It used
// to be one JSON value of every row, built in the log database and then read into
// JavaScript as one string: for these 400,000 calls the log database failed
// ("Out of Memory Error: failed to allocate data of size 512.0 MiB" under the
// engine's bound), and a million calls made a 300-million-character string. Checked
// as the bounds they are: the log database's memory bound and a 64 MB heap.
test("a client's history of 400,000 calls is read back under a 64 MB JavaScript heap", () => {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=64', '--import', 'tsx', 'test/fixtures/private-logs-history.ts', '400000'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout), {
    // alice's calls only (not bob's one), in the order they were logged.
    calls: { n: 400_000, statements: 100, first: 0 },
    // A statement naming unified_logs alone copied that table alone; queries when named.
    queriesBefore: 0,
    queries: 100,
  });
});

test.run();
