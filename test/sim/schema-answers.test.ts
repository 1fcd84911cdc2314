import { Ajv } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { contentOf, postChat, user, withSchema } from './post.js';

const ajv = new Ajv({ strict: false, validateFormats: false });

const schemas: Record<string, Record<string, unknown>> = {
  brand: {
    type: 'object',
    required: ['brand', 'confidence'],
    properties: { brand: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
    additionalProperties: false,
  },
  mixed: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 2, maxLength: 10 },
      count: { type: 'integer', minimum: 3, maximum: 7 },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      flag: { type: 'boolean' },
      colour: { enum: ['red', 'green', 'blue'] },
      fixed: { const: 'v1' },
      maybe: { type: ['string', 'null'] },
      tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 4, uniqueItems: true },
      nested: {
        type: 'object',
        properties: { when: { type: 'string', format: 'date' } },
        required: ['when'],
      },
      either: { anyOf: [{ type: 'number' }, { type: 'string' }] },
      ref: { $ref: '#/$defs/item' },
    },
    $defs: { item: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
  },
  batch: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        minItems: 5,
        maxItems: 5,
        items: { type: 'object', required: ['result'], properties: { result: { type: 'boolean' } } },
      },
    },
  },
  topLevelArray: { type: 'array', items: { type: 'integer', minimum: 10, maximum: 20 }, minItems: 3 },
};

async function ask(url: string, prompt: string, schema: Record<string, unknown>): Promise<unknown> {
  const reply = await postChat(url, {
    model: 'sim-small',
    messages: user(prompt),
    response_format: withSchema(schema),
  });
  assert.is(reply.status, 200);
  return JSON.parse(contentOf(reply));
}

test('answers satisfy the requested schema (ajv)', async () => {
  const sim = await startSimulator();
  try {
    for (const [name, schema] of Object.entries(schemas)) {
      for (const prompt of [
        'What brand makes "Apple iPhone 15 Pro"?',
        'Describe <text>a red bicycle</text>',
        '',
      ]) {
        const value = await ask(sim.url, prompt, schema);
        const validate = ajv.compile(schema);
        assert.ok(
          validate(value),
          `${name} / ${JSON.stringify(prompt)}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(value)}`,
        );
      }
    }
  } finally {
    await sim.close();
  }
});

test('arrays have exactly minItems items; a brand is the first capitalised word of the quoted input', async () => {
  const sim = await startSimulator();
  try {
    const batch = (await ask(sim.url, 'Judge these rows', schemas['batch']!)) as { results: unknown[] };
    assert.is(batch.results.length, 5);
    const brand = (await ask(sim.url, 'What brand makes "the Apple iPhone 15 Pro"?', schemas['brand']!)) as {
      brand: string;
    };
    assert.is(brand.brand, 'Apple');
  } finally {
    await sim.close();
  }
});

const bool = { type: 'object', required: ['result'], properties: { result: { type: 'boolean' } } };
const score = {
  type: 'object',
  required: ['score'],
  properties: { score: { type: 'number', minimum: 0, maximum: 1 } },
};

test('operator convention: MEANS / ABOUT / IMPLIES / CONTRADICTS / ~ read sensibly', async () => {
  const sim = await startSimulator();
  try {
    const means = (t: string, c: string) =>
      ask(
        sim.url,
        `Does the text satisfy the criterion?\n<text>${t}</text>\n<criterion>${c}</criterion>`,
        bool,
      );
    assert.equal(await means('Bamboo toothbrush, eco-friendly and biodegradable', 'eco friendly'), {
      result: true,
    });
    assert.equal(await means('Plastic water bottle, 24 pack', 'eco friendly'), { result: false });
    const about = (t: string, c: string) =>
      ask(sim.url, `How much is the text about the topic?\n<text>${t}</text>\n<topic>${c}</topic>`, score);
    assert.equal(await about('Running shoes for marathon training', 'running shoes'), { score: 1 });
    assert.equal(await about('Running shoes for marathon training', 'cooking pasta'), { score: 0 });
    const half = (await about('Running shoes for marathon training', 'running recipes')) as { score: number };
    assert.is(half.score, 0.5);
    const st = (t: string, s: string, verb: string) =>
      ask(
        sim.url,
        `Does the text ${verb} the statement?\n<text>${t}</text>\n<statement>${s}</statement>`,
        bool,
      );
    assert.equal(await st('The battery lasts two days', 'the battery lasts long', 'imply'), { result: true });
    assert.equal(await st('The battery does not last', 'the battery lasts long', 'contradict'), {
      result: true,
    });
    assert.equal(await st('The battery lasts two days', 'the battery lasts long', 'contradict'), {
      result: false,
    });
    const same = (a: string, b: string) => ask(sim.url, `Same thing?\n<a>${a}</a>\n<b>${b}</b>`, bool);
    assert.equal(await same('Apple Inc.', 'apple'), { result: true });
    assert.equal(await same('Apple Inc.', 'Microsoft'), { result: false });
  } finally {
    await sim.close();
  }
});

test('operator convention: semantic-join candidates, batch rows, sentiment enums', async () => {
  const sim = await startSimulator();
  try {
    const matches = await ask(
      sim.url,
      'Which candidates name the same thing?\n<a>IBM</a>\n<candidates><c>IBM Corp</c><c>Apple</c><c>ibm</c></candidates>',
      { type: 'object', properties: { matches: { type: 'array', items: { type: 'string' } } } },
    );
    assert.equal(matches, { matches: ['IBM Corp', 'ibm'] });
    const idx = await ask(
      sim.url,
      'Which?\n<a>IBM</a>\n<candidates><c>IBM Corp</c><c>Apple</c><c>ibm</c></candidates>',
      { type: 'object', properties: { matches: { type: 'array', items: { type: 'integer' } } } },
    );
    assert.equal(idx, { matches: [0, 2] });
    // Numbered candidates (the shipped small-side prompts): the same candidates, answered by number.
    const numbered = await ask(
      sim.url,
      'Which?\n<a>IBM</a>\n<candidates><c n="0">IBM Corp</c><c n="1">Apple</c><c n="2">ibm</c></candidates>',
      { type: 'object', properties: { matches: { type: 'array', items: { type: 'integer' } } } },
    );
    assert.equal(numbered, { matches: [0, 2] });
    const rows = await ask(
      sim.url,
      'For each row: is it about shoes?\n<criterion>shoes</criterion>\n<row>red running shoes</row>\n<row>a teapot</row>\n<row>shoe laces</row>',
      {
        type: 'object',
        properties: {
          results: {
            type: 'array',
            minItems: 3,
            maxItems: 3,
            items: { type: 'object', properties: { result: { type: 'boolean' } } },
          },
        },
      },
    );
    assert.equal(rows, { results: [{ result: true }, { result: false }, { result: true }] });
    const sentiment = (t: string) =>
      ask(sim.url, `Sentiment of <text>${t}</text>`, {
        type: 'object',
        properties: { sentiment: { enum: ['positive', 'negative', 'neutral'] } },
      });
    assert.equal(await sentiment('I love it, works great'), { sentiment: 'positive' });
    assert.equal(await sentiment('Terrible, arrived broken'), { sentiment: 'negative' });
    assert.equal(await sentiment('It is a chair'), { sentiment: 'neutral' });
  } finally {
    await sim.close();
  }
});

test('no schema: JSON when the prompt asks for it, a schema embedded in the prompt, else plain text', async () => {
  const sim = await startSimulator();
  try {
    const json = JSON.parse(
      contentOf(
        await postChat(sim.url, {
          model: 'm',
          messages: user(
            'What brand makes "Sony WH-1000XM5"?\nAnswer as JSON with "brand" and "confidence" (0..1).',
          ),
        }),
      ),
    );
    assert.is(json.brand, 'Sony');
    assert.ok(json.confidence >= 0 && json.confidence <= 1);
    const embedded: { brand: string } = JSON.parse(
      contentOf(
        await postChat(sim.url, {
          model: 'm',
          messages: [
            {
              role: 'system',
              content: `Answer with only JSON that satisfies this JSON Schema:\n${JSON.stringify(schemas['brand'])}`,
            },
            { role: 'user', content: 'Brand of "Nike Air Max"?' },
          ],
        }),
      ),
    );
    assert.ok(ajv.validate(schemas['brand']!, embedded));
    assert.is(embedded.brand, 'Nike');
    const text = contentOf(
      await postChat(sim.url, { model: 'm', messages: user('Write a haiku about the sea') }),
    );
    assert.ok(text.length > 0);
    assert.throws(() => JSON.parse(text));
    const verdict = contentOf(
      await postChat(sim.url, {
        model: 'm',
        messages: user('<text>green tea</text><criterion>tea</criterion>'),
      }),
    );
    assert.match(verdict, /^Yes\./);
  } finally {
    await sim.close();
  }
});

test.run();
