// `npm run lint` (biome) and `npm run layers` (dependency-cruiser's layer rules) as a test file: see static-checks.ts.
import { test } from 'uvu';
import { passes } from './static-checks.js';

test('npm run lint: biome finds nothing to report', () => passes('lint'));

test('npm run layers: every import keeps the layer rules (.dependency-cruiser.cjs)', () => passes('layers'));

test.run();
