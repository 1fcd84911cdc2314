/**
 * Jinja2 templates (larsql's): the constructs larsql's library uses render as
 * Jinja2 renders them; an undefined variable is an error with its line and
 * column where Jinja2's StrictUndefined raises, and lenient where it is not;
 * no prototype, file or environment is reachable; evaluation is bounded; a
 * syntax error names the block it is in; which engine a file uses follows the
 * documented rule, and a file's errors name file:line:col.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { fingerprint } from '../../src/cascade/jinja-templates.js';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { RENDER_MS } from '../../src/cascade/render-bounds.js';
import { detectTemplateEngine } from '../../src/cascade/template-engine.js';
import {
  compileTemplate,
  evaluateTemplate,
  renderTemplate,
  TemplateSyntaxError,
} from '../../src/cascade/templates.js';

const scope = {
  input: { texts: ['a "q"', 'b'], categories: 'red, blue', n: 3n, obj: { k: 1 }, empty: '' },
};
const noWarn = (w: string) => assert.unreachable(`unexpected warning: ${w}`);
const render = (src: string, s: Record<string, unknown> = scope) =>
  renderTemplate(compileTemplate(src, 'jinja'), s, noWarn);
const failure = (src: string, s: Record<string, unknown> = scope): string => {
  try {
    render(src, s);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`rendered: ${src}`);
};
const syntax = (src: string): [string, number, number] => {
  try {
    compileTemplate(src, 'jinja');
  } catch (err) {
    assert.instance(err, TemplateSyntaxError);
    const e = err as TemplateSyntaxError;
    return [e.what, e.line, e.column];
  }
  throw new Error(`parsed: ${src}`);
};

test('the constructs larsql uses: if/elif/else, for with loop.index0, set, default, length, replace, trim, split', () => {
  const src = [
    '{% set how = input.style | default("plain") %}{{ input.texts | length }} texts, {{ how }}.',
    '{% if input.empty %}E{% elif input.categories %}{% for c in input.categories.split(",") %}[{{ loop.index0 }}]{{ c | trim | title }}{% endfor %}{% else %}none{% endif %}',
    '{% for v in input.texts %}{{ v | replace(\'"\', "\'") }};{% endfor %}',
  ].join('\n');
  assert.is(render(src), "2 texts, plain.\n[0]Red[1]Blue\na 'q';b;");
});

test('values: a bigint is a number, objects print and filter as JSON, larsql filters from_json / to_json / fingerprint', () => {
  assert.is(
    render('{{ input.n + 1 }} {{ input.obj | tojson }} {{ input.obj | to_json }}'),
    '4 {"k": 1} {"k":1}',
  );
  assert.is(render('{{ (\'{"a": [1]}\' | from_json).a[0] }}'), '1');
  assert.is(
    render("{{ '(555) 123-4567' | fingerprint }} {{ '123-45-6789' | fingerprint('with_lengths') }}"),
    '(D)_D-D D3-D2-D4',
  );
  assert.is(fingerprint('John Smith'), 'L_L');
  assert.is(fingerprint(null), 'null');
});

test('one {{ expression }} evaluates to data with its type; a larger template to text', () => {
  assert.equal(evaluateTemplate(compileTemplate(' {{ input.texts }}\n', 'jinja'), scope, noWarn), [
    'a "q"',
    'b',
  ]);
  assert.equal(evaluateTemplate(compileTemplate('{{ input.obj }}', 'jinja'), scope, noWarn), { k: 1 });
  assert.is(evaluateTemplate(compileTemplate('n={{ input.n }}', 'jinja'), scope, noWarn), 'n=3');
});

test('undefined: printing, reading through, filtering or looping over it is an error naming line and column', () => {
  assert.is(failure('x\n  {{ input.style }}'), 'undefined variable "input.style" at line 2, column 6');
  assert.is(failure('{{ input.nope.deep }}'), 'undefined variable "input.nope" at line 1, column 4');
  assert.is(failure('{{ nope | upper }}'), 'undefined variable "nope" at line 1, column 4');
  assert.is(
    failure('{% for x in input.rows %}{% endfor %}'),
    'undefined variable "input.rows" at line 1, column 13',
  );
  assert.is(failure('{{ input.nope }}', {}), 'undefined variable "input" at line 1, column 4');
});

test('undefined stays lenient where Jinja2 is: if, is defined, default', () => {
  assert.is(
    render(
      "{% if input.nope %}y{% else %}n{% endif %} {{ input.nope is defined }} {{ input.nope | default('d') }}",
    ),
    'n false d',
  );
});

test('sandbox: no prototype, constructor or class is reachable; functions in the scope are dropped', () => {
  assert.is(failure('{{ input.constructor }}'), 'undefined variable "input.constructor" at line 1, column 4');
  assert.is(failure("{{ ''.__class__ }}"), 'undefined attribute "….__class__" at line 1, column 7');
  assert.is(
    failure('{{ input.texts.__proto__ }}'),
    'undefined variable "input.texts.__proto__" at line 1, column 4',
  );
  assert.is(render('{{ f is none }}', { f: () => 'ran' }), 'true');
});

test('bounds: a huge range, an endless loop', () => {
  assert.is(
    failure('{% for i in range(1000000) %}{% endfor %}'),
    'range() of 1000000 items is over the limit of 100000 at line 1, column 1',
  );
  // 10^10 iterations: stopped by the step or the time budget (whichever this machine reaches first).
  assert.match(
    failure('{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}'),
    new RegExp(`^the template ran over its (bound of 2000000 steps|time bound of ${RENDER_MS} ms)$`),
  );
});

test('syntax errors name the block they are in', () => {
  assert.equal(syntax('ok\n{% if x %}no end'), ['"if" is never closed with "endif"', 2, 1]);
  assert.equal(syntax('a\nb {{ x + }}'), ['Unexpected token: CloseExpression', 2, 3]);
  assert.equal(syntax('{% if a %}{% endfor %}'), ['"endfor" where "endif" closes the "if" above', 1, 11]);
  assert.equal(syntax('{% elif x %}'), ['"elif" outside an "if"', 1, 1]);
  assert.equal(syntax('x {{ y'), ['"{{" is never closed with "}}"', 1, 3]);
  assert.equal(syntax('{% include "x" %}'), ['unknown tag "include"', 1, 1]);
});

test('the engine rule: template_engine decides; a larsql file is Jinja; Jinja-only syntax is Jinja; otherwise Liquid', () => {
  assert.is(detectTemplateEngine(['{{ input.x }} {% if a %}b{% endif %}']), 'liquid');
  for (const jinja of [
    '{% elif a %}',
    '{{ x | default("a") }}',
    '{{ loop.index0 }}',
    '{{ x | length }}',
    '{# c #}',
    '{{ a if b else c }}',
    "{{ s.split(',') }}",
  ]) {
    assert.is(detectTemplateEngine([jinja]), 'jinja', jinja);
  }
  assert.is(detectTemplateEngine(['plain text: is defined, loop.index0']), 'liquid');
  const file = (top: string, text: string) =>
    loadCascadeText(`cascade_id: e\n${top}cells:\n  - name: c\n    instructions: "${text}"\n`).templateEngine;
  assert.is(file('', '{{ input.x }}'), 'liquid');
  assert.is(file('internal: true\n', '{{ input.x }}'), 'jinja');
  assert.is(file('', '{{ input.x | default(1) }}'), 'jinja');
  assert.is(file('template_engine: liquid\n', '{{ input.x }}'), 'liquid');
  assert.is(file('template_engine: jinja\n', '{{ input.x }}'), 'jinja');
});

test('a Jinja syntax error in a file names file:line:col of the block; Liquid-only syntax in a Jinja file is an error', () => {
  const text = [
    'cascade_id: j',
    'template_engine: jinja',
    'cells:',
    '  - name: c',
    '    instructions: |',
    '      Hello {{ input.x }}',
    '      {% if input.y %}yes',
  ].join('\n');
  try {
    loadCascadeText(text, 'j.yaml');
    assert.unreachable('loaded');
  } catch (err) {
    assert.instance(err, CascadeError);
    assert.is((err as Error).message, 'j.yaml:7:7: cells[0].instructions: "if" is never closed with "endif"');
  }
  try {
    loadCascadeText(text.replace('{% if input.y %}yes', "{{ input.x | append: '!' }}"), 'j.yaml');
    assert.unreachable('loaded');
  } catch (err) {
    assert.match((err as Error).message, /^j\.yaml:7:7: cells\[0\]\.instructions: /);
  }
});

test.run();
