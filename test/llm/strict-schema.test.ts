import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromStrictAnswer, toStrictSchema } from '../../src/llm/strict-schema.js';
import { answerInOriginalShape } from '../../src/llm/structured.js';

test('a boolean root is wrapped as {value} and unwrapped from the answer', () => {
  const form = toStrictSchema({ type: 'boolean' });
  assert.equal(form, {
    schema: {
      type: 'object',
      properties: { value: { type: 'boolean' } },
      required: ['value'],
      additionalProperties: false,
    },
    wrapped: true,
    strict: true,
    nullable: false,
  });
  assert.is(fromStrictAnswer({ value: false }, { type: 'boolean' }, form), false);
  const rf = { name: 'b', schema: { type: 'boolean' } };
  assert.is(answerInOriginalShape('{"value":true}', rf, 'json_schema'), 'true');
  assert.is(answerInOriginalShape('{"value":true}', rf, 'json_object'), 'true');
  assert.is(answerInOriginalShape('true', rf, 'prompt'), 'true');
});

test('every object is closed, every property required, optional ones nullable; their nulls are dropped again', () => {
  const original = {
    type: 'object',
    required: ['result'],
    properties: {
      result: { type: 'boolean' },
      reason: { type: 'string', minLength: 3 },
      tags: { type: 'array', items: { type: 'object', properties: { t: { type: 'string' } } } },
      maybe: { type: ['integer', 'null'] },
    },
  };
  const form = toStrictSchema(original);
  assert.equal(form.schema, {
    type: 'object',
    required: ['result', 'reason', 'tags', 'maybe'],
    properties: {
      result: { type: 'boolean' },
      reason: { type: ['string', 'null'], description: 'minLength: 3' },
      tags: {
        type: ['array', 'null'],
        items: {
          type: 'object',
          properties: { t: { type: ['string', 'null'] } },
          required: ['t'],
          additionalProperties: false,
        },
      },
      maybe: { type: ['integer', 'null'] },
    },
    additionalProperties: false,
  });
  assert.is(form.strict, true);
  assert.is(form.wrapped, false);
  // The original is untouched.
  assert.equal(original.required, ['result']);
  // A null for a property the cascade left optional means "left out"; a null it allows stays.
  assert.equal(
    fromStrictAnswer(
      { result: true, reason: null, tags: [{ t: null }, { t: 'x' }], maybe: null },
      original,
      form,
    ),
    { result: true, tags: [{}, { t: 'x' }], maybe: null },
  );
});

test('keywords strict mode lacks go to the description; an enum, a const and anyOf stay', () => {
  const form = toStrictSchema({
    type: 'object',
    required: ['label', 'n', 'when', 'kind'],
    properties: {
      label: { enum: ['a', 'b'], description: 'the label' },
      n: { type: 'integer', minimum: 1, maximum: 5, default: 3 },
      when: { type: 'string', format: 'date' },
      kind: { anyOf: [{ type: 'string', maxLength: 9 }, { const: 7 }] },
      list: { type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 2 },
      web: { type: 'string', format: 'uri' },
    },
    additionalProperties: false,
  });
  const p = (form.schema as { properties: Record<string, unknown> }).properties;
  assert.equal(p['label'], { enum: ['a', 'b'], description: 'the label' });
  assert.equal(p['n'], { type: 'integer', minimum: 1, maximum: 5, description: 'default: 3' });
  assert.equal(p['when'], { type: 'string', format: 'date' });
  assert.equal(p['kind'], { anyOf: [{ type: 'string', description: 'maxLength: 9' }, { const: 7 }] });
  assert.equal(p['list'], {
    type: ['array', 'null'],
    items: { type: 'string' },
    minItems: 2,
    description: 'uniqueItems: true',
  });
  assert.equal(p['web'], { type: ['string', 'null'], description: 'format: uri' });
  assert.is(form.strict, true);
});

test('open keys (a map, {type: object}, {}) cannot be strict: strict is false and the rest still converts', () => {
  const mapping = toStrictSchema({
    type: 'object',
    required: ['mapping'],
    properties: { mapping: { type: 'object', additionalProperties: { type: 'string' } } },
  });
  assert.is(mapping.strict, false);
  assert.equal(toStrictSchema({ type: 'object' }).strict, false);
  assert.equal(toStrictSchema({ type: 'array', items: {} }).strict, false);
  assert.equal(toStrictSchema({ type: 'array', items: { type: 'number' } }).strict, true);
});

test('$defs stay at the root (also when wrapped), their objects closed', () => {
  const form = toStrictSchema({
    type: 'array',
    items: { $ref: '#/$defs/row' },
    $defs: { row: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
  });
  assert.equal(form.schema, {
    type: 'object',
    properties: { value: { type: 'array', items: { $ref: '#/$defs/row' } } },
    required: ['value'],
    additionalProperties: false,
    $defs: {
      row: {
        type: 'object',
        properties: { x: { type: 'number' } },
        required: ['x'],
        additionalProperties: false,
      },
    },
  });
  assert.is(form.wrapped, true);
});

test('text that is not JSON comes back as it was, for the JSON check to report', () => {
  const rf = { name: 'b', schema: { type: 'boolean' } };
  assert.is(answerInOriginalShape('yes', rf, 'json_schema'), 'yes');
});

test.run();
