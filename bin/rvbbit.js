#!/usr/bin/env node
// The `rvbbit` command: the built CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// A long statement's V8 heaps (the main thread's and each pool worker's) grow to 3–5× what they
// hold live between full collections: at a million streamed rows up to 60–100 MB each over ~20 MB
// live, the largest part of the CLI's and the server's growth past 100k rows. A fixed growth factor
// of 1.3 keeps each at 55–65 MB (young generation included) at no measured cost in rows per second
// (issue 66: `rvbbit query --format csv` of a 1M-row MAP 391 → 370 MB; docs/performance.md). This
// process is the CLI's, the REPL's or the server's own, so it may set a process-wide flag; the
// library (createEngine) never does. A `--heap-growing-percent` given to node wins.
if (
  !process.execArgv.some(
    (a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'),
  )
) {
  setFlagsFromString('--heap-growing-percent=30');
}

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('rvbbit: dist/cli.js is missing; in a clone of the repository, run `npm run build`\n');
  process.exit(1);
}
await import(cli.href);
