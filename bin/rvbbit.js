#!/usr/bin/env node
// The `rvbbit` command: the built CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('rvbbit: dist/cli.js is missing; in a clone of the repository, run `npm run build`\n');
  process.exit(1);
}
await import(cli.href);
