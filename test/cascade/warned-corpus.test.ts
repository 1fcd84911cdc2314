/**
 * Files that load with warnings, not errors (issue 34): an unknown key is
 * ignored and named with its place; an operator form rvbbit cannot read is
 * skipped, one form at a time, and the file's other forms still work.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascade } from '../../src/cascade/load-cascade.js';

const dir = fileURLToPath(new URL('../fixtures/cascades/warned/', import.meta.url));

const GOLDEN: [string, string][] = [
  [
    '09-unknown-top-key.yaml',
    '5:1: temperature: unknown key, ignored (valid keys: cascade_id, description, inputs_schema, cells, phases, model, sql_function, internal, template_engine)',
  ],
  [
    '10-unknown-cell-key.yaml',
    '5:5: cells[0].prompt: unknown key, ignored (valid keys: name, instructions, model, output_schema, tool, tackle, traits, skills, inputs, rules, takes, soundings, candidates, description, context, use_training, training_limit, training_strategy, training_min_confidence, training_format)',
  ],
  [
    '28-sql-function-bad-operator.yaml',
    '9:52: sql_function.operators[1]: operator form "text MATCHES criterion" skipped: not a form rvbbit reads (an infix "{{ a }} WORD {{ b }}" or a call "NAME({{ a }}, …)")',
  ],
  [
    '29-sql-function-operator-unknown-arg.yaml',
    '9:16: sql_function.operators[0]: operator form "{{ text }} MEANS {{ topic }}" skipped: it names "topic", which is not one of args',
  ],
  [
    '40-unknown-rules-key.yaml',
    "6:7: cells[0].rules.max_attempt: unknown key, ignored — did you mean 'max_attempts'? (valid keys: max_attempts, max_turns, loop_until)",
  ],
];

test('every file of the corpus is in the table', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.equal(
    files,
    GOLDEN.map((g) => g[0]),
  );
});

for (const [file, warning] of GOLDEN) {
  test(`${file} loads, warning ${warning.slice(0, 40)}…`, async () => {
    const c = await loadCascade(dir + file);
    assert.equal(c.loadWarnings, [warning]);
  });
}

test('the form that reads is kept beside the one skipped', async () => {
  const c = await loadCascade(`${dir}28-sql-function-bad-operator.yaml`);
  assert.equal(
    c.sqlFunction?.operators.map((o) => o.keywords),
    [['MEANS']],
  );
});

test.run();
