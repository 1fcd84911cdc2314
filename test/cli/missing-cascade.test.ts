/**
 * A cascade that is not found: the message names the folders searched (not
 * every path tried with each extension), the nearest cascade names, and how
 * to add a folder (--cascades, the config file), through `rvbbit query`.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CASCADES, ROOT, rvbbit } from './helpers.js';

const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'rvbbit-missing-')));
const SHIPPED = `${ROOT}cascades`;
const HOW =
  "(a cascade is named by its path in one, '.yaml' optional); add a folder with --cascades DIR (or rvbbit.cascades in rvbbit.config.yaml; the library: cascadeRoots)";

test('a misspelt cascade path names the nearest cascade and the folders searched', async () => {
  const r = await rvbbit(
    [
      'query',
      '--cascades',
      CASCADES,
      "RVBBIT MAP 'traits/extract_brnd.yaml' USING (SELECT 'a' AS product_name)",
    ],
    { cwd },
  );
  assert.is(r.code, 1);
  assert.is(
    r.err,
    `cascade 'traits/extract_brnd.yaml' not found — did you mean 'traits/extract_brand.yaml'? ` +
      `Searched the cascade folders ${CASCADES}, ${cwd}, ${SHIPPED} ${HOW}\n`,
  );
});

test('a misspelt bare name is compared with the files’ own names', async () => {
  const r = await rvbbit(
    ['query', '--cascades', CASCADES, "RVBBIT MAP 'extract_brnd' USING (SELECT 'a' AS product_name)"],
    { cwd },
  );
  assert.is(r.code, 1);
  assert.ok(
    r.err.startsWith("cascade 'extract_brnd' not found — did you mean 'traits/extract_brand.yaml'? "),
    r.err,
  );
});

test('without --cascades, nothing near: the folders searched and how to add one', async () => {
  const r = await rvbbit(
    ['query', "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 'a' AS product_name)"],
    {
      cwd,
    },
  );
  assert.is(r.code, 1);
  assert.is(
    r.err,
    `cascade 'traits/extract_brand.yaml' not found. Searched the cascade folders ${cwd}, ${SHIPPED} ${HOW}\n`,
  );
});

test.after(() => rmSync(cwd, { recursive: true, force: true }));
test.run();
