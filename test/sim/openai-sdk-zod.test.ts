/**
 * The official `openai` SDK's structured-output helpers against the
 * simulator's `openai` profile, as a client uses them:
 * `client.chat.completions.parse` with `zodResponseFormat(…)` and with
 * `zodFunction(…)` tools, for zod v3 and v4 schemas. What the helpers send on
 * their own (`"$schema"` at the root, `nullable`, `default`, `definitions`)
 * is accepted, as OpenAI accepts it (src/sim/strict-schema.ts cites where
 * each rule comes from); a constraint OpenAI refuses (`minLength`) is still
 * refused with OpenAI's words.
 */
import OpenAI, { BadRequestError } from 'openai';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z as z3 } from 'zod/v3';
import { z as z4 } from 'zod/v4';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';

let sim: SimulatorHandle;
let client: OpenAI;

test.before(async () => {
  sim = await startSimulator({ profile: 'openai' });
  client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
});
test.after(async () => {
  await sim.close();
});

/** One schema, written once for each zod: what the SDK's own recorded tests use, and more. */
function person(z: typeof z3) {
  const address = z.object({ street: z.string(), city: z.string() });
  return z.object({
    name: z.string().describe('the person’s first name'),
    age: z.number().int().min(0).max(150),
    email: z.string().email(),
    id: z.string().uuid(),
    seen: z.string().datetime(),
    tags: z.array(z.string()).min(1).max(3),
    units: z.enum(['c', 'f']).default('f'),
    nick: z.string().nullable(),
    home: address,
    work: address.nullable(),
    pet: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('dog'), barks: z.boolean() }),
      z.object({ kind: z.literal('cat'), lives: z.number().int() }),
    ]),
    rating: z.number().gt(0).lt(10).multipleOf(0.5),
  });
}

for (const [version, z] of [
  ['v3', z3],
  ['v4', z4 as unknown as typeof z3],
] as const) {
  test(`zod ${version}: chat.completions.parse with zodResponseFormat is answered and parsed`, async () => {
    const before = sim.stats();
    const format = zodResponseFormat(person(z), 'person');
    // What the SDK sends: strict, with the draft-07 "$schema" OpenAI takes as root metadata.
    assert.is(format.json_schema.strict, true);
    assert.is(format.json_schema.schema?.['$schema'], 'http://json-schema.org/draft-07/schema#');
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Jane, 30, jane@example.com, has a dog' }],
      response_format: format,
    });
    const message = completion.choices[0]!.message;
    const parsed = message.parsed!;
    assert.ok(parsed, 'parsed');
    assert.equal(parsed, person(z).parse(JSON.parse(message.content!)));
    assert.is(parsed.name, 'Jane');
    assert.is(parsed.email, 'someone@example.com');
    assert.is(parsed.id, '00000000-0000-4000-8000-000000000000');
    assert.is(parsed.seen, '2024-01-01T00:00:00Z');
    assert.ok(Number.isInteger(parsed.age) && parsed.age >= 0 && parsed.age <= 150, `age ${parsed.age}`);
    assert.ok(
      parsed.rating > 0 && parsed.rating < 10 && (parsed.rating * 2) % 1 === 0,
      `rating ${parsed.rating}`,
    );
    assert.ok(parsed.tags.length >= 1 && parsed.tags.length <= 3);
    assert.equal(Object.keys(parsed.home).sort(), ['city', 'street']);
    const after = sim.stats();
    assert.is(after.requests - before.requests, 1);
    assert.is(after.responseFormatRefusals - before.responseFormatRefusals, 0);
  });

  test(`zod ${version}: a strict zodFunction tool is called and its arguments parsed`, async () => {
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [
        zodFunction({
          name: 'get_weather',
          parameters: z.object({ city: z.string(), units: z.enum(['c', 'f']).nullable() }),
        }),
      ],
      tool_choice: 'required',
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    assert.is(call.type, 'function');
    if (call.type !== 'function') return;
    assert.is(call.function.name, 'get_weather');
    assert.equal(call.function.parsed_arguments, JSON.parse(call.function.arguments));
    assert.is(typeof (call.function.parsed_arguments as { city: unknown }).city, 'string');
  });

  test(`zod ${version}: a string .min(1) (minLength) is refused as OpenAI refuses it`, async () => {
    const before = sim.stats().responseFormatRefusals;
    try {
      await client.chat.completions.parse({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Jane' }],
        response_format: zodResponseFormat(z.object({ name: z.string().min(1) }), 'named'),
      });
      assert.unreachable('expected a 400');
    } catch (err) {
      assert.instance(err, BadRequestError);
      const e = err as InstanceType<typeof BadRequestError>;
      assert.is(e.status, 400);
      assert.is(
        e.message,
        "400 Invalid schema for response_format 'named': In context=('properties', 'name'), 'minLength' is not permitted.",
      );
    }
    assert.is(sim.stats().responseFormatRefusals - before, 1);
  });
}

test.run();
