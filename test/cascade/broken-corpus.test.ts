/**
 * Every file under test/fixtures/cascades/broken must fail to load with the
 * exact code, position, field path and message below (golden values).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError, loadCascade } from '../../src/cascade/index.js';

const dir = fileURLToPath(new URL('../fixtures/cascades/broken/', import.meta.url));

// [file, code, line, column, path, what]
const GOLDEN: [string, string, number, number, string, string][] = [
  ['01-bad-yaml-indent.yaml', 'CASCADE_YAML', 6, 1, '', 'Missing closing "quote'],
  [
    '02-bad-yaml-tab-mapping.yaml',
    'CASCADE_YAML',
    3,
    1,
    '',
    'Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  ['03-duplicate-yaml-key.yaml', 'CASCADE_YAML', 5, 5, '', 'Map keys must be unique'],
  [
    '04-empty-file.yaml',
    'CASCADE_SCHEMA',
    1,
    1,
    '',
    'empty file: expected a mapping with cascade_id and cells',
  ],
  ['05-root-is-list.yaml', 'CASCADE_SCHEMA', 1, 1, '', 'expected a mapping with cascade_id and cells'],
  ['06-missing-cascade-id.yaml', 'CASCADE_SCHEMA', 1, 1, '', 'missing required key "cascade_id"'],
  [
    '07-bad-cascade-id-chars.yaml',
    'CASCADE_SCHEMA',
    1,
    13,
    'cascade_id',
    'expected an identifier (letters, digits, _ and -)',
  ],
  [
    '08-cascade-id-number.yaml',
    'CASCADE_SCHEMA',
    1,
    13,
    'cascade_id',
    'expected an identifier (letters, digits, _ and -)',
  ],
  [
    '09-unknown-top-key.yaml',
    'CASCADE_SCHEMA',
    5,
    1,
    'temperature',
    'unknown key (valid keys: cascade_id, description, inputs_schema, cells, phases, model, sql_function)',
  ],
  [
    '10-unknown-cell-key.yaml',
    'CASCADE_SCHEMA',
    5,
    5,
    'cells[0].prompt',
    'unknown key (valid keys: name, instructions, model, output_schema, tool, tackle, traits, skills, inputs, rules, takes, soundings, candidates)',
  ],
  ['11-missing-cells.yaml', 'CASCADE_SCHEMA', 1, 1, '', 'missing required key "cells"'],
  ['12-empty-cells.yaml', 'CASCADE_SCHEMA', 2, 8, 'cells', 'expected a non-empty list of cells'],
  ['13-cells-not-list.yaml', 'CASCADE_SCHEMA', 3, 3, 'cells', 'expected a non-empty list of cells'],
  [
    '14-max-turns-zero.yaml',
    'CASCADE_SCHEMA',
    8,
    18,
    'cells[1].rules.max_turns',
    'expected a positive integer',
  ],
  [
    '15-max-attempts-string.yaml',
    'CASCADE_SCHEMA',
    5,
    28,
    'cells[0].rules.max_attempts',
    'expected a positive integer',
  ],
  [
    '16-takes-factor-zero.yaml',
    'CASCADE_SCHEMA',
    5,
    22,
    'cells[0].takes.factor',
    'expected a positive integer',
  ],
  [
    '17-duplicate-cell-names.yaml',
    'CASCADE_SCHEMA',
    5,
    11,
    'cells[1].name',
    'duplicate cell name "extract" (first used by cells[0])',
  ],
  [
    '18-tool-and-instructions.yaml',
    'CASCADE_SCHEMA',
    3,
    5,
    'cells[0]',
    'a cell has "instructions" or "tool", not both',
  ],
  [
    '19-neither-tool-nor-instructions.yaml',
    'CASCADE_SCHEMA',
    5,
    5,
    'cells[1]',
    'a cell needs "instructions" or "tool"',
  ],
  [
    '20-unknown-tool.yaml',
    'CASCADE_SCHEMA',
    4,
    11,
    'cells[0].tool',
    'unknown tool "http_get" (known tools: sql_data, echo)',
  ],
  [
    '21-template-does-not-parse.yaml',
    'CASCADE_TEMPLATE',
    6,
    11,
    'cells[0].instructions',
    'tag {% if input.x %} not closed',
  ],
  [
    '22-template-unknown-filter.yaml',
    'CASCADE_TEMPLATE',
    4,
    26,
    'cells[0].instructions',
    'undefined filter: shout',
  ],
  [
    '23-template-include-refused.yaml',
    'CASCADE_TEMPLATE',
    5,
    7,
    'cells[0].instructions',
    'the "include" tag is not allowed in cascade templates',
  ],
  [
    '24-output-schema-invalid.yaml',
    'CASCADE_OUTPUT_SCHEMA',
    6,
    7,
    'cells[0].output_schema',
    'not a valid JSON Schema: type must be equal to one of the allowed values',
  ],
  [
    '25-output-schema-unknown-keyword.yaml',
    'CASCADE_OUTPUT_SCHEMA',
    5,
    20,
    'cells[0].output_schema',
    'not a valid JSON Schema: strict mode: unknown keyword: "requird"',
  ],
  [
    '26-loop-until-not-a-field.yaml',
    'CASCADE_SCHEMA',
    5,
    40,
    'cells[0].rules.loop_until',
    'loop_until names "done", which is not a property of output_schema',
  ],
  [
    '27-sql-function-bad-shape.yaml',
    'CASCADE_SCHEMA',
    7,
    10,
    'sql_function.shape',
    'expected one of: scalar, aggregate',
  ],
  [
    '28-sql-function-bad-operator.yaml',
    'CASCADE_SCHEMA',
    9,
    52,
    'sql_function.operators[1]',
    'expected an operator of the form "{{ a }} WORD {{ b }}"',
  ],
  [
    '29-sql-function-operator-unknown-arg.yaml',
    'CASCADE_SCHEMA',
    9,
    16,
    'sql_function.operators[0]',
    'operator names "topic", which is not one of args',
  ],
  [
    '30-sql-function-cache-string.yaml',
    'CASCADE_SCHEMA',
    9,
    10,
    'sql_function.cache',
    'expected a boolean (true or false)',
  ],
  [
    '31-sql-function-bad-type.yaml',
    'CASCADE_SCHEMA',
    8,
    12,
    'sql_function.returns',
    'unknown SQL type "FLOATY"',
  ],
  [
    '32-sql-function-missing-args.yaml',
    'CASCADE_SCHEMA',
    6,
    3,
    'sql_function',
    'missing required key "args"',
  ],
  [
    '33-legacy-cells-and-phases.yaml',
    'CASCADE_SCHEMA',
    5,
    1,
    'phases',
    '"phases" is the legacy name of "cells": use one, not both',
  ],
  [
    '34-legacy-tool-and-tackle.yaml',
    'CASCADE_SCHEMA',
    5,
    5,
    'cells[0].tackle',
    'use one of tool, tackle, traits, skills, not several',
  ],
  [
    '35-legacy-tackle-two-tools.yaml',
    'CASCADE_SCHEMA',
    4,
    13,
    'phases[0].tackle',
    'a cell runs exactly one tool (got 2)',
  ],
  [
    '36-legacy-takes-and-soundings.yaml',
    'CASCADE_SCHEMA',
    6,
    5,
    'cells[0].soundings',
    'use one of takes, soundings, candidates, not several',
  ],
  [
    '37-tool-cell-with-output-schema.yaml',
    'CASCADE_SCHEMA',
    6,
    5,
    'cells[0].output_schema',
    '"output_schema" applies only to a cell with instructions',
  ],
  [
    '38-instructions-cell-with-inputs.yaml',
    'CASCADE_SCHEMA',
    5,
    5,
    'cells[0].inputs',
    '"inputs" applies only to a tool cell',
  ],
  [
    '39-inputs-schema-not-map.yaml',
    'CASCADE_SCHEMA',
    2,
    16,
    'inputs_schema',
    'expected a mapping of input name to description',
  ],
  [
    '40-unknown-rules-key.yaml',
    'CASCADE_SCHEMA',
    6,
    7,
    'cells[0].rules.max_attempt',
    'unknown key (valid keys: max_attempts, max_turns, loop_until)',
  ],
  ['41-cell-name-missing.yaml', 'CASCADE_SCHEMA', 3, 5, 'cells[0]', 'missing required key "name"'],
  [
    '42-tool-input-template-bad.yaml',
    'CASCADE_TEMPLATE',
    6,
    29,
    'cells[0].inputs.query',
    'output "{{ input.table" not closed',
  ],
];

test('the corpus has at least 25 files and every one is in the table', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.ok(files.length >= 25);
  assert.equal(
    files,
    GOLDEN.map((g) => g[0]),
  );
});

for (const [file, code, line, column, path, what] of GOLDEN) {
  test(`${file} → ${code} at ${line}:${column} ${path}`, async () => {
    const err = await loadCascade(dir + file).then(
      () => assert.unreachable('loaded a broken cascade'),
      (e: unknown) => e,
    );
    assert.instance(err, CascadeError);
    const e = err as CascadeError;
    assert.is(e.code, code);
    assert.is(e.detail['file'], dir + file);
    assert.is(e.detail['line'], line);
    assert.is(e.detail['column'], column);
    assert.is(e.detail['path'], path);
    const where = `${dir}${file}:${line}:${column}: `;
    assert.is(e.message, path ? `${where}${path}: ${what}` : `${where}${what}`);
  });
}

test.run();
