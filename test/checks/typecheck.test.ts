// `npm run typecheck` (the sources, tests, benches and scripts; the playground's browser code) as a test file: see static-checks.ts.
import { test } from 'uvu';
import { passes } from './static-checks.js';

test('npm run typecheck: strict TypeScript over the repository and the playground, no error', () =>
  passes('typecheck'));

test.run();
