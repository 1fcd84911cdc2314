/** Templated `enum` in an output_schema (src/cascade/enum-template.ts): parsing, rendering, load errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CascadeError } from '../../src/cascade/cascade-error.js';
import { enumValues, findEnumTemplates, withEnums } from '../../src/cascade/enum-template.js';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';

test('a rendered value becomes the list: text split on commas, lists kept, empties and repeats dropped', () => {
  assert.equal(enumValues('good, bad,, good ,neutral'), ['good', 'bad', 'neutral']);
  assert.equal(enumValues(['a', 'b', 'a', 3]), ['a', 'b', '3']);
  assert.equal(enumValues(''), []);
  assert.equal(enumValues(null), []);
});

test('templated enums are found by path and replaced; no value leaves the enum out', () => {
  const schema = {
    type: 'object',
    properties: { label: { type: 'string', enum: '{{ input.labels }}' }, n: { enum: [1, 2] } },
  };
  assert.equal(findEnumTemplates(schema), [
    { path: ['properties', 'label'], source: '{{ input.labels }}', kind: 'enum' },
  ]);
  const path = ['properties', 'label'];
  assert.equal(withEnums(schema, [{ path, kind: 'enum', values: ['x', 'y'] }]), {
    type: 'object',
    properties: { label: { type: 'string', enum: ['x', 'y'] }, n: { enum: [1, 2] } },
  });
  assert.equal(withEnums(schema, [{ path, kind: 'enum', values: [] }]), {
    type: 'object',
    properties: { label: { type: 'string' }, n: { enum: [1, 2] } },
  });
  // The original is untouched.
  assert.is(schema.properties.label.enum, '{{ input.labels }}');
});

test('a templated enum loads; a broken template is a load error at its path', () => {
  const ok = `cascade_id: t
cells:
  - name: a
    instructions: pick one of {{ input.labels }}
    output_schema: { type: object, properties: { label: { type: string, enum: "{{ input.labels }}" } } }
`;
  assert.ok(loadCascadeText(ok, 'ok.yaml'));
  try {
    loadCascadeText(ok.replace('enum: "{{ input.labels }}"', 'enum: "{{ input.labels "'), 'bad.yaml');
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, CascadeError);
    assert.match((err as Error).message, 'cells[0].output_schema.properties.label.enum');
  }
});

test.run();
