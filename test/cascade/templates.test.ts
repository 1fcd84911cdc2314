import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import {
  compileTemplate,
  evaluateTemplate,
  renderTemplate,
  TemplateSyntaxError,
} from '../../src/cascade/templates.js';
import type { LlmClient } from '../../src/llm/types.js';
import { threadCpuMs } from '../thread-cpu.js';

const scope = {
  input: { product_name: 'Apple iPhone', n: 3, rows: [{ a: 1 }, { a: 2 }], tags: ['x', 'y'] },
  outputs: { load: { rows: [{ category: 'toys', n: 2 }] } },
  state: { turn: 2 },
};

function render(src: string, s: Record<string, unknown> = scope): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  const text = renderTemplate(compileTemplate(src), s, (w) => warnings.push(w));
  return { text, warnings };
}

test('input, outputs and state render', () => {
  assert.equal(
    render('{{ input.product_name }} / {{ outputs.load.rows[0].category }} / turn {{ state.turn }}'),
    {
      text: 'Apple iPhone / toys / turn 2',
      warnings: [],
    },
  );
});

test('json and tojson filters, and objects print as JSON without a filter', () => {
  assert.is(render('{{ outputs.load.rows | json }}').text, '[{"category":"toys","n":2}]');
  assert.is(render('{{ input.tags | tojson }}').text, '["x","y"]');
  assert.is(render('{{ outputs.load }}').text, '{"rows":[{"category":"toys","n":2}]}');
  assert.is(render('{{ input.rows.size }}').text, '2');
});

test('liquid filters: upcase, downcase, truncate, default, join', () => {
  assert.is(render('{{ input.product_name | upcase }}').text, 'APPLE IPHONE');
  assert.is(render('{{ input.product_name | downcase }}').text, 'apple iphone');
  assert.is(render('{{ input.product_name | truncate: 8 }}').text, 'Apple...');
  assert.is(render('{{ input.tags | join: ", " }}').text, 'x, y');
  assert.equal(render('{{ input.nope | default: "n/a" }}'), { text: 'n/a', warnings: [] });
});

test('a missing variable renders empty and warns once per path, with its position', () => {
  assert.equal(render('a={{ input.missing }}, b={{ input.missing }}, c={{ outputs.none.x }}.'), {
    text: 'a=, b=, c=.',
    warnings: [
      'missing variable "input.missing" at line 1, column 6 (rendered empty)',
      'missing variable "outputs.none.x" at line 1, column 52 (rendered empty)',
    ],
  });
  // `if` on a missing variable is the liquid way to test for it: no warning.
  assert.equal(render('{% if input.missing %}yes{% else %}no{% endif %}'), { text: 'no', warnings: [] });
});

test('sandbox: own properties only, no globals, no environment, no file tags', () => {
  assert.equal(render('[{{ input.constructor }}][{{ input.__proto__ }}]').text, '[][]');
  assert.equal(render('[{{ process.env.HOME }}][{{ env }}]').text, '[][]');
  for (const tag of ['include', 'render', 'layout']) {
    assert.throws(
      () => compileTemplate(`x\n  {% ${tag} "/etc/passwd" %}`),
      (e: unknown) =>
        e instanceof TemplateSyntaxError &&
        e.what === `the "${tag}" tag is not allowed in cascade templates` &&
        e.line === 2 &&
        e.column === 3,
    );
  }
  assert.throws(() => compileTemplate('{{ x | nosuchfilter }}'), /undefined filter: nosuchfilter/);
});

test('templates are parsed once and shared', () => {
  assert.is(compileTemplate('same {{ input.n }}'), compileTemplate('same {{ input.n }}'));
});

test('evaluateTemplate keeps the type of a lone expression, renders anything else', () => {
  const warn = () => {};
  assert.equal(evaluateTemplate(compileTemplate('{{ outputs.load.rows }}'), scope, warn), [
    { category: 'toys', n: 2 },
  ]);
  assert.is(evaluateTemplate(compileTemplate('  {{ input.n }} '), scope, warn), 3);
  assert.is(evaluateTemplate(compileTemplate('n={{ input.n }}'), scope, warn), 'n=3');
  assert.is(evaluateTemplate(compileTemplate('{{ input.nope }}'), scope, warn), null);
});

test('a run records missing-variable warnings, one per place', async () => {
  const cascade = loadCascadeText(
    'cascade_id: warn\ncells:\n  - name: a\n    tool: echo\n    inputs: { x: "{{ input.ghost }}", y: "{{ input.ghost }}!" }\n',
    'warn.yaml',
  );
  const llm: LlmClient = {
    chat: () => Promise.reject(new Error('no model calls expected')),
    close: async () => {},
  };
  const result = await runCascade(cascade, {}, { llm, defaultModel: 'm' });
  assert.is(result.status, 'success');
  assert.equal(result.outputs, { a: { x: null, y: '!' } });
  assert.equal(result.warnings, [
    'cell "a": inputs: missing variable "input.ghost" at line 1, column 1 (rendered empty)',
    'cell "a": inputs: missing variable "input.ghost" at line 1, column 4 (rendered empty)',
  ]);
});

test('a runaway template fails the run (CASCADE_TEMPLATE) instead of hanging it', async () => {
  const cascade = loadCascadeText(
    'cascade_id: loop\ncells:\n  - name: a\n    tool: echo\n    inputs: { x: "{% for i in (1..100000000) %}{{ i }}{% endfor %}" }\n',
    'loop.yaml',
  );
  const llm: LlmClient = { chat: () => Promise.reject(new Error('no calls')), close: async () => {} };
  // This thread's CPU, not the wall clock: on a busy machine the render waits for a core.
  const cpuBefore = threadCpuMs();
  const result = await runCascade(cascade, {}, { llm, defaultModel: 'm' });
  assert.ok(threadCpuMs() - cpuBefore < 3_000);
  assert.is(result.status, 'failed');
  assert.is(result.errors[0]!.code, 'CASCADE_TEMPLATE');
});

test('ctx.state is visible to templates as state', async () => {
  const cascade = loadCascadeText(
    'cascade_id: st\ncells:\n  - name: a\n    tool: echo\n    inputs: { who: "{{ state.caller }}" }\n',
    'st.yaml',
  );
  const llm: LlmClient = { chat: () => Promise.reject(new Error('no calls')), close: async () => {} };
  const result = await runCascade(cascade, {}, { llm, defaultModel: 'm', state: { caller: 'map' } });
  assert.equal(result.outputs, { a: { who: 'map' } });
});

test.run();
