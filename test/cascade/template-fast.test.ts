/**
 * The fast template path gives exactly what liquidjs gives, and declines
 * (leaving it to liquidjs) whenever it cannot be sure.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderFast } from '../../src/cascade/template-fast.js';
import {
  type CompiledTemplate,
  compileTemplate,
  liquid,
  renderTemplate,
} from '../../src/cascade/templates.js';

const TEMPLATES = [
  'Give a short label for: "{{ input.text | truncate: 20 }}". Answer as JSON with "label".',
  '{{ input.text }}|{{ input.n }}|{{ input.flag }}|{{ input.none }}',
  '{{ input.obj }} and {{ input.list }} and {{ input.list[1] }} and {{ input["text"] | upcase }}',
  '{{ input.n | plus: 2 | times: 3 }} {{ input.text | split: " " | join: "+" }}',
  '{{ input.missing | default: "fallback" }}',
  '{{ input.list.size }} {{ input.list.first }} {{ input.text.size }}',
  '{{ input.text | replace: "a", input.other }}',
  '{{ state.turn }} {{ outputs.prev.answer | json }}',
  '{{ input.obj.inner.deep }} {{ input.list | json }}',
  '{{ input.constructor }} {{ input.toString }}',
  'A{% if input.text != "" %} text: {{ input.text }}{% endif %}B',
  'A{% if input.text == "x" %}one{% else %}two {{ input.n }}{% endif %}B',
  '{% if input.n != "" %}n{% endif %}{% if input.none != "" %}none{% endif %}{% if input.missing != "" %}m{% endif %}',
  '{% if input.text != "" %}{% if input.other == "A" %}both{% endif %}{% endif %}',
  '{% if input.text != "" and input.n %}and{% endif %}{% if input.text %}bare{% endif %}',
];

const SCOPES = [
  {
    input: {
      text: 'a product with a long name, a brand',
      n: 4,
      flag: false,
      none: null,
      obj: { inner: { deep: 'yes' } },
      list: ['x', 'y', 'z'],
      other: 'A',
    },
    outputs: { prev: { answer: { a: 1 } } },
    state: { turn: 2 },
  },
  { input: { text: 'é ü 日本 short', n: -1.5, list: [], obj: {} }, outputs: {}, state: { turn: 1 } },
  { input: {}, outputs: {}, state: {} },
];

const slow = (t: CompiledTemplate): CompiledTemplate => ({ ...t, fast: undefined });

test('the shipped operators\' `{% if input.hint != "" %}` takes the fast path', () => {
  const t = compileTemplate(
    '<text>{{ input.text }}</text>\n{% if input.hint != "" %}\nAlso consider: {{ input.hint }}\n{% endif %}\nAnswer.',
  );
  assert.ok(t.fast, 'fast path');
  for (const hint of ['', 'be strict']) {
    const scope = { input: { text: 'x', hint }, outputs: {}, state: {} };
    assert.is(
      renderTemplate(t, scope, () => {}),
      renderTemplate(slow(t), scope, () => {}),
    );
  }
  assert.is(
    compileTemplate('{% if input.a %}x{% endif %}').fast,
    undefined,
    'a bare condition is liquidjs’s',
  );
});

test('every template renders the same through the fast path and through liquidjs', () => {
  for (const source of TEMPLATES) {
    const t = compileTemplate(source);
    for (const scope of SCOPES) {
      const fastWarnings: string[] = [];
      const slowWarnings: string[] = [];
      const a = renderTemplate(t, scope, (w) => fastWarnings.push(w));
      const b = renderTemplate(slow(t), scope, (w) => slowWarnings.push(w));
      assert.is(a, b, `${source} over ${JSON.stringify(scope.input)}`);
      assert.equal(fastWarnings, slowWarnings, source);
    }
  }
});

test('the fast path takes plain variable outputs and declines what it is unsure of', () => {
  const scope = SCOPES[0]!;
  const fast = (source: string) => {
    const t = compileTemplate(source);
    return t.fast ? renderFast(t.fast, scope, liquid) : 'no fast path';
  };
  assert.is(fast('{{ input.text | truncate: 9 }}!'), 'a prod...!');
  assert.is(fast('{{ input.list[2] }}'), 'z');
  assert.is(fast('{{ input.missing }}'), undefined);
  assert.is(fast('{{ input.list.size }}'), undefined);
  assert.is(fast('{{ input.toString }}'), undefined);
  assert.is(fast('{% if input.flag %}x{% endif %}'), 'no fast path');
  assert.is(fast('{{ input.n | plus: input.n }}'), '8');
  assert.is(fast('{{ input.text | replace: "a", input.nothing }}'), undefined);
});

test.run();
