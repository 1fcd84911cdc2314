/**
 * `logprobs: true, top_logprobs: n` in OpenAI's shape (src/sim/logprobs.ts), read
 * through the official `openai` SDK, and the probabilities' calibration to each
 * model's accuracy profile (profile.ts answerProbability) over many seeded requests.
 */
import OpenAI, { BadRequestError } from 'openai';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerWithBeliefs } from '../../src/sim/answer.js';
import { startSimulator } from '../../src/sim/index.js';
import { answerTokens } from '../../src/sim/logprobs.js';

const RESULT_SCHEMA = {
  type: 'object',
  properties: { result: { type: 'boolean' } },
  required: ['result'],
  additionalProperties: false,
};
const meansPrompt = (text: string, criterion: string) =>
  `Does the text match the criterion?\n<text>${text}</text>\n<criterion>${criterion}</criterion>`;

test('logprobs: the SDK reads choices[0].logprobs.content; the deciding token and its alternative sum to 1', async () => {
  const sim = await startSimulator({ profiles: { 'small-fast': { accuracy: 0.8 } } });
  try {
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
    let uncertain = 0;
    for (let i = 0; i < 12; i++) {
      const r = await client.chat.completions.create({
        model: 'small-fast',
        messages: [{ role: 'user', content: meansPrompt(`review ${i}: the shoes are comfortable`, 'shoes') }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'a', schema: RESULT_SCHEMA, strict: true },
        },
        logprobs: true,
        top_logprobs: 2,
      });
      const choice = r.choices[0]!;
      const content = choice.logprobs!.content!;
      assert.is(content.map((t) => t.token).join(''), choice.message.content);
      const answer = (JSON.parse(choice.message.content!) as { result: boolean }).result;
      const deciding = content.filter((t) => t.token === 'true' || t.token === 'false');
      assert.is(deciding.length, 1);
      const d = deciding[0]!;
      assert.is(d.token, String(answer));
      assert.equal(d.bytes, [...Buffer.from(d.token)]);
      assert.is(d.top_logprobs.length, 2);
      assert.is(d.top_logprobs[0]!.token, d.token);
      assert.is(d.top_logprobs[1]!.token, String(!answer));
      const p = Math.exp(d.logprob);
      assert.ok(p >= 0.5 && p <= 1, `p ${p}`);
      if (p < 1) {
        assert.ok(Math.abs(p + Math.exp(d.top_logprobs[1]!.logprob) - 1) < 1e-9);
        uncertain++;
      }
      for (const t of content.filter((x) => x !== d)) {
        assert.is(t.logprob, 0);
        assert.is(t.top_logprobs.length, 1);
      }
    }
    assert.ok(uncertain > 0, 'a profiled model is not always certain');
    // Without logprobs the field is absent or null, as before.
    const plain = await client.chat.completions.create({
      model: 'small-fast',
      messages: [{ role: 'user', content: meansPrompt('the shoes', 'shoes') }],
    });
    assert.not.ok(plain.choices[0]!.logprobs);
  } finally {
    await sim.close();
  }
});

test('logprobs: a model without a profile is certain; top_logprobs 0 lists no alternative', async () => {
  const sim = await startSimulator();
  try {
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: 'sim-large',
      messages: [{ role: 'user', content: meansPrompt('the shoes are red', 'shoes') }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'a', schema: RESULT_SCHEMA, strict: true },
      },
      logprobs: true,
      top_logprobs: 0,
    });
    const content = r.choices[0]!.logprobs!.content!;
    assert.equal(
      content.map((t) => [t.token, t.logprob, t.top_logprobs.length]),
      [
        ['{', 0, 0],
        ['"', 0, 0],
        ['result', 0, 0],
        ['"', 0, 0],
        [':', 0, 0],
        ['true', 0, 0],
        ['}', 0, 0],
      ],
    );
  } finally {
    await sim.close();
  }
});

test('logprobs: bad values are 400s naming the parameter; a provider without logprobs answers null', async () => {
  const sim = await startSimulator();
  try {
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
    const ask = (extra: Record<string, unknown>) =>
      client.chat.completions.create({
        model: 'sim-small',
        messages: [{ role: 'user', content: 'hi' }],
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    for (const [extra, param] of [
      [{ logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
      [{ logprobs: true, top_logprobs: 1.5 }, 'top_logprobs'],
      [{ top_logprobs: 2 }, 'top_logprobs'],
      [{ logprobs: 'yes' }, 'logprobs'],
    ] as const) {
      try {
        await ask(extra);
        assert.unreachable(JSON.stringify(extra));
      } catch (err) {
        assert.instance(err, BadRequestError);
        assert.is((err as BadRequestError).param, param);
      }
    }
  } finally {
    await sim.close();
  }
  const without = await startSimulator({ logprobs: false });
  try {
    const client = new OpenAI({ baseURL: without.url, apiKey: 'sim-key', maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: meansPrompt('the shoes', 'shoes') }],
      logprobs: true,
      top_logprobs: 2,
    });
    assert.not.ok(r.choices[0]!.logprobs);
  } finally {
    await without.close();
  }
});

test('streamed (stream: true): each chunk carries its own tokens in choices[0].logprobs.content, as the SDK types a ChatCompletionChunk; together the non-streamed logprobs', async () => {
  const sim = await startSimulator({ profiles: { 'small-fast': { accuracy: 0.8 } } });
  try {
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'sim-key', maxRetries: 0 });
    const LABELS = {
      type: 'object',
      properties: { label: { type: 'string', enum: ['billing', 'shipping', 'refund'] } },
      required: ['label'],
      additionalProperties: false,
    };
    for (const [schema, content] of [
      [RESULT_SCHEMA, meansPrompt('review 3: the shoes are comfortable', 'shoes')],
      [LABELS, 'Which label fits? <text>ticket 9 asks about billing</text>'],
    ] as const) {
      const body = {
        model: 'small-fast',
        messages: [{ role: 'user' as const, content }],
        response_format: { type: 'json_schema' as const, json_schema: { name: 'a', schema, strict: true } },
        logprobs: true,
        top_logprobs: 2,
      };
      const whole = await client.chat.completions.create(body);
      const stream = await client.chat.completions.create({ ...body, stream: true });
      let text = '';
      const tokens: OpenAI.ChatCompletionTokenLogprob[] = [];
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (!choice) continue;
        const piece = choice.delta.content ?? '';
        text += piece;
        const lp = choice.logprobs?.content ?? [];
        // A chunk's logprobs are its own content's tokens.
        assert.is(lp.map((t) => t.token).join(''), piece);
        tokens.push(...lp);
      }
      assert.is(text, whole.choices[0]!.message.content);
      assert.equal(tokens, whole.choices[0]!.logprobs!.content);
      // The deciding token is uncertain: a boolean's, or the label's first.
      assert.ok(tokens.some((t) => t.logprob < 0 && t.top_logprobs.length === 2));
    }
  } finally {
    await sim.close();
  }
});

test('answerTokens: booleans inside JSON strings do not decide', () => {
  const tokens = answerTokens('{"note":"true or false \\" true","result":false}');
  assert.equal(
    tokens.filter((t) => t.deciding).map((t) => t.token),
    ['false'],
  );
});

/**
 * Calibration over 40,000 seeded requests per accuracy: among answers given
 * probability in a bin, the share that is right (against the same request to a
 * model without a profile) is within 3.5 standard errors of the bin's mean probability, the
 * overall accuracy within 0.01 of the profile, and wrong answers include
 * confident ones (p ≥ 0.9).
 */
for (const accuracy of [0.75, 0.85, 0.95]) {
  test(`answerProbability: calibrated at accuracy ${accuracy}`, () => {
    const bins = Array.from({ length: 5 }, () => ({ n: 0, right: 0, p: 0 }));
    let right = 0;
    let confidentErrors = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const messages = [{ role: 'user', content: meansPrompt(`item ${i} has shoes`, 'shoes') }];
      const truth = answerWithBeliefs({ model: 'big', messages, schema: RESULT_SCHEMA }, 7);
      const got = answerWithBeliefs({ model: 'proxy', messages, schema: RESULT_SCHEMA }, 7, { accuracy });
      const ok = got.text.includes('true') === truth.text.includes('true');
      const p = got.beliefs[0]!;
      const bin = bins[Math.min(4, Math.floor((p - 0.5) * 10))]!;
      bin.n++;
      bin.p += p;
      if (ok) {
        bin.right++;
        right++;
      } else if (p >= 0.9) confidentErrors++;
    }
    assert.ok(Math.abs(right / n - accuracy) < 0.01, `accuracy ${right / n}`);
    assert.ok(confidentErrors > 0, 'some errors are confident');
    for (const b of bins) {
      if (b.n < 500) continue;
      const mean = b.p / b.n;
      const gap = Math.abs(b.right / b.n - mean);
      assert.ok(
        gap < 3.5 * Math.sqrt((mean * (1 - mean)) / b.n),
        `bin mean p ${(b.p / b.n).toFixed(3)}: right ${(b.right / b.n).toFixed(3)} (${b.n})`,
      );
    }
  });
}

test.run();
