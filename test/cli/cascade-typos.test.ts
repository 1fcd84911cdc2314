/**
 * Typos in a cascade file reach the user of `rvbbit query`, not only of
 * `rvbbit cascades validate`: an unknown cell key (`modle:`) is a warning with
 * its file:line:col and the key it likely meant, the statement running on (as
 * validate warns and passes); a template variable that nothing can supply
 * (`{{ input.product_nam }}`) is an error at its file:line:col, in validate
 * and in the run.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rvbbit-typos-')));
mkdirSync(join(dir, 'traits'));
const MODLE = join(dir, 'traits/modle.yaml');
writeFileSync(
  MODLE,
  [
    'cascade_id: modle',
    'inputs_schema:',
    '  product_name: the product',
    'cells:',
    '  - name: extract',
    '    modle: sim-large',
    '    instructions: |',
    '      Extract the brand from {{ input.product_name }}.',
    '',
  ].join('\n'),
);

const TYPO = join(dir, 'traits/typo.yaml');
writeFileSync(
  TYPO,
  [
    'cascade_id: typo',
    'inputs_schema:',
    '  product_name: the product',
    'cells:',
    '  - name: extract',
    '    instructions: |',
    '      Extract the brand from {{ input.product_nam }}.',
    '',
  ].join('\n'),
);
const TYPO_ERROR =
  'cells[0].instructions: undefined variable "input.product_nam": no input supplies it' +
  " (inputs_schema declares product_name) — did you mean 'input.product_name'?";

const CELL_KEYS =
  'name, instructions, model, output_schema, tool, tackle, traits, skills, inputs, rules, takes, soundings, candidates, description, context, use_training, training_limit, training_strategy, training_min_confidence, training_format';

test('an unknown cell key is named by rvbbit query, with its place and the key meant; the MAP runs', async () => {
  const r = await rvbbit([
    'query',
    '--sim',
    '--cascades',
    dir,
    "RVBBIT MAP 'traits/modle.yaml' USING (SELECT 'Acme kettle' AS product_name)",
  ]);
  assert.is(r.code, 0, r.err);
  const notices = r.err.split('\n').filter((l) => l.startsWith('NOTICE: '));
  assert.equal(notices, [
    `NOTICE: ${MODLE}:6:5: cells[0].modle: unknown key, ignored — did you mean 'model'? (valid keys: ${CELL_KEYS})`,
  ]);
  assert.match(r.out, /Simulated answer: Extract the brand from Acme kettle\./);
});

test('validate warns of the same key the same way and passes', async () => {
  const r = await rvbbit(['cascades', 'validate', 'traits/modle.yaml'], { cwd: dir });
  assert.is(r.code, 0, r.err);
  assert.ok(
    r.out.includes(
      `warning  traits/modle.yaml:6:5: cells[0].modle: unknown key, ignored — did you mean 'model'? (valid keys: ${CELL_KEYS})\n`,
    ),
    r.out,
  );
});

test('a template variable no input supplies is an error at its file:line:col in the run, before any call', async () => {
  const r = await rvbbit([
    'query',
    '--sim',
    '--cascades',
    dir,
    "RVBBIT MAP 'traits/typo.yaml' USING (SELECT 'Acme kettle' AS product_name)",
  ]);
  assert.is(r.code, 1);
  assert.is(r.out, '');
  assert.is(r.err, `${TYPO}:7:33: ${TYPO_ERROR}\n`);
});

test('validate says the same and fails', async () => {
  const r = await rvbbit(['cascades', 'validate', 'traits/typo.yaml'], { cwd: dir });
  assert.is(r.code, 1);
  assert.is(r.out, `invalid  traits/typo.yaml:7:33: ${TYPO_ERROR}\n0 valid, 1 invalid\n`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
