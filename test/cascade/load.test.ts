import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { loadCascade, loadCascadeText } from '../../src/cascade/load-cascade.js';

const examples = fileURLToPath(new URL('../../examples/cascades/traits/', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/cascades/', import.meta.url));

test('the README example extract_brand loads into frozen Cascade data', async () => {
  const c = await loadCascade(`${examples}extract_brand.yaml`);
  assert.is(c.cascadeId, 'extract_brand');
  assert.is(c.description, 'Brand and confidence from a product title');
  assert.equal(c.inputsSchema, { product_name: "the product's title" });
  assert.is(c.file, `${examples}extract_brand.yaml`);
  assert.is(c.contentHash, createHash('sha256').update(readFileSync(c.file)).digest('hex'));
  assert.is(c.model, undefined);
  assert.is(c.sqlFunction, undefined);
  assert.equal(c.loadWarnings, []);
  assert.is(c.templateEngine, 'liquid');
  assert.equal(c.cells, [
    {
      kind: 'llm',
      name: 'extract',
      index: 0,
      instructions:
        'What brand makes the product named below?\nAnswer as JSON with "brand" and "confidence" (0..1).\n<text>{{ input.product_name }}</text>\n',
      // The `|` is on line 7; the block's lines are indented 6.
      instructionsAt: { line: 7, column: 6, block: true },
      model: 'small-fast',
      outputSchema: {
        type: 'object',
        required: ['brand', 'confidence'],
        properties: { brand: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
      },
      rules: { maxAttempts: 2, maxTurns: 1 },
    },
  ]);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.cells[0]));
  assert.ok(Object.isFrozen((c.cells[0] as { outputSchema: object }).outputSchema));
  assert.throws(() => {
    (c as { cascadeId: string }).cascadeId = 'x';
  });
});

test('the README example analyze_batch has a sql_data tool cell then a model cell', async () => {
  const c = await loadCascade(`${examples}analyze_batch.yaml`);
  assert.is(c.cascadeId, 'analyze_batch');
  assert.equal(
    c.cells.map((cell) => [cell.kind, cell.name]),
    [
      ['tool', 'load'],
      ['llm', 'analyze'],
    ],
  );
  const load = c.cells[0]!;
  assert.ok(load.kind === 'tool' && load.tool === 'sql_data');
});

test('legacy names map to cells, tool and takes, with load warnings', async () => {
  const c = await loadCascade(`${fixtures}legacy_names.yaml`);
  assert.equal(
    c.cells.map((cell) => (cell.kind === 'tool' ? [cell.name, cell.tool] : [cell.name, cell.takes])),
    [
      ['load', 'echo'],
      ['greet', { factor: 2 }],
      ['again', 'echo'],
      ['third', 'echo'],
      ['pick', { factor: 3, evaluatorInstructions: 'pick the shortest' }],
    ],
  );
  assert.equal(c.loadWarnings, [
    '"phases" is a legacy name: use "cells"',
    'phases[0].tackle is a legacy name',
    'phases[1].soundings is a legacy name',
    'phases[2].traits is a legacy name',
    'phases[3].skills is a legacy name',
    'phases[4].candidates is a legacy name',
  ]);
});

test('sql_function: scalar with operator forms, types upper-cased, cache default', async () => {
  const c = await loadCascade(`${fixtures}semantic_means.yaml`);
  assert.equal(c.sqlFunction, {
    name: 'semantic_means',
    shape: 'scalar',
    args: [
      { name: 'text', type: 'VARCHAR', optional: false },
      { name: 'criterion', type: 'VARCHAR', optional: false },
    ],
    returns: 'BOOLEAN',
    operators: [
      {
        text: '{{ text }} MEANS {{ criterion }}',
        index: 0,
        left: 'text',
        keywords: ['MEANS'],
        right: 'criterion',
      },
      {
        text: '{{ text }}  matches  {{ criterion }}',
        index: 1,
        left: 'text',
        keywords: ['MATCHES'],
        right: 'criterion',
      },
      {
        text: '{{text}} ALIGNS WITH {{criterion}}',
        index: 2,
        left: 'text',
        keywords: ['ALIGNS', 'WITH'],
        right: 'criterion',
      },
    ],
    calls: [],
    testCases: [],
    cache: true,
    onInvalid: 'fail',
  });
  const agg = await loadCascade(`${fixtures}summarize_agg.yaml`);
  assert.equal(agg.sqlFunction, {
    name: 'llm_summarize',
    shape: 'aggregate',
    args: [{ name: 'values', type: 'VARCHAR[]', optional: false }],
    returns: 'VARCHAR',
    operators: [],
    calls: [],
    testCases: [],
    cache: true,
    onInvalid: 'fail',
  });
});

test('loadCascadeText names the given file in errors and hashes the text', () => {
  const c = loadCascadeText('cascade_id: t\ncells:\n  - name: a\n    tool: echo\n', 'inline.yaml');
  assert.is(c.file, 'inline.yaml');
  assert.is(
    c.contentHash,
    createHash('sha256').update('cascade_id: t\ncells:\n  - name: a\n    tool: echo\n').digest('hex'),
  );
  assert.equal(c.cells[0], { kind: 'tool', name: 'a', index: 0, tool: 'echo', inputs: {} });
  try {
    loadCascadeText(
      'cascade_id: t\ncells:\n  - name: a\n    tool: echo\n    rules: { max_turns: -1 }\n',
      'x.yaml',
    );
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CascadeError);
    assert.is((err as Error).message, 'x.yaml:5:25: cells[0].rules.max_turns: expected a positive integer');
  }
});

test('a missing file is CASCADE_NOT_FOUND naming the absolute path', async () => {
  const err = (await loadCascade(`${fixtures}nope.yaml`).catch((e: unknown) => e)) as CascadeError;
  assert.instance(err, CascadeError);
  assert.is(err.code, 'CASCADE_NOT_FOUND');
  assert.is(err.detail['file'], `${fixtures}nope.yaml`);
  assert.is(err.message, `${fixtures}nope.yaml: no such cascade file`);
  const dir = (await loadCascade(fixtures).catch((e: unknown) => e)) as CascadeError;
  assert.is(dir.code, 'CASCADE_NOT_FOUND');
});

test('all problems are listed in detail.problems, first one in the message', () => {
  try {
    loadCascadeText(
      'cascade_id: t\ncells:\n  - name: a\n    tool: nope\n  - name: a\n    tool: echo\n',
      'm.yaml',
    );
    assert.unreachable();
  } catch (err) {
    const e = err as CascadeError;
    assert.is(e.message, 'm.yaml:4:11: cells[0].tool: unknown tool "nope" (known tools: sql_data, echo)');
    assert.equal(
      e.problems.map((p) => [p.line, p.column, p.path]),
      [
        [4, 11, 'cells[0].tool'],
        [5, 11, 'cells[1].name'],
      ],
    );
    assert.is((e.detail['problems'] as unknown[]).length, 2);
  }
});

test('error data survives JSON (thread and wire boundaries)', () => {
  try {
    loadCascadeText('cells: []', 'j.yaml');
  } catch (err) {
    const json = JSON.parse(JSON.stringify(err));
    assert.is(json.code, 'CASCADE_SCHEMA');
    assert.is(json.detail.file, 'j.yaml');
    assert.is(json.detail.line, 1);
  }
});

test.run();
