/**
 * A cascade folder as a user would pass it with `--cascades`: the RHYMES
 * operator of test/fixtures/cascades/semantic-extra/rhymes.yaml and a MAP
 * cascade under traits/ (copies, so the shipped MEANS is not overridden).
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/helpers.js';

export const RHYMES_SOURCE = join(ROOT, 'test/fixtures/cascades/semantic-extra/rhymes.yaml');

export function cascadeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-lsp-'));
  copyFileSync(RHYMES_SOURCE, join(dir, 'rhymes.yaml'));
  mkdirSync(join(dir, 'traits'));
  copyFileSync(
    join(ROOT, 'examples/cascades/traits/extract_brand.yaml'),
    join(dir, 'traits/extract_brand.yaml'),
  );
  return dir;
}
