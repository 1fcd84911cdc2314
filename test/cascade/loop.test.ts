import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import { lastUser, startScripted, startSimRig } from './helpers.js';

const refine = (maxTurns: number, loopUntil = true) =>
  loadCascadeText(
    `cascade_id: refine
cells:
  - name: draft
    instructions: "Write a slogan for {{ input.topic }} (turn {{ state.turn }})"
    rules: { max_turns: ${maxTurns}${loopUntil ? ', loop_until: done' : ''} }
    output_schema:
      type: object
      required: [text, done]
      properties: { text: { type: string }, done: { type: boolean } }
`,
    'refine.yaml',
  );

/** Turn n answers done when n reaches `doneAt`. */
const byTurn = (doneAt: number) => (req: { messages: { role: string; content: string }[] }) => {
  const turn = Number(/turn (\d+)\)/.exec(req.messages.find((m) => m.role === 'user')!.content)![1]);
  return JSON.stringify({ text: `v${turn}`, done: turn >= doneAt });
};

test('loop_until: stops on the turn whose output sets the field true', async () => {
  const rig = await startScripted(byTurn(3));
  try {
    const r = await runCascade(refine(5), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { draft: { text: 'v3', done: true } });
    assert.is(rig.requests.length, 3);
    assert.equal(
      r.calls.map((c) => c.turn),
      [1, 2, 3],
    );
    assert.equal(r.warnings, []);
  } finally {
    await rig.close();
  }
});

test('each later turn is fed the previous output', async () => {
  const rig = await startScripted(byTurn(2));
  try {
    await runCascade(refine(5), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    const second = rig.requests[1]!.messages;
    // The first message is the prompt itself: the schema goes as response_format, in no system message (issue 67).
    assert.equal(second, [
      { role: 'user', content: 'Write a slogan for tea (turn 2)' },
      { role: 'assistant', content: '{"text":"v1","done":false}' },
      {
        role: 'user',
        content: 'Turn 2 of 5: continue from your previous answer; set "done" to true when the task is done.',
      },
    ]);
  } finally {
    await rig.close();
  }
});

test('turns run out: the last output is kept, with a warning', async () => {
  const rig = await startScripted(byTurn(99));
  try {
    const r = await runCascade(refine(2), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.equal(r.outputs, { draft: { text: 'v2', done: false } });
    assert.is(rig.requests.length, 2);
    assert.equal(r.warnings, ['cell "draft": "done" was not true after 2 turns']);
  } finally {
    await rig.close();
  }
});

test('max_turns without loop_until runs every turn; against the simulator', async () => {
  const rig = await startSimRig();
  try {
    const r = await runCascade(refine(4, false), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.is(rig.sim.stats().requests, 4);
    assert.is(r.usage.calls, 4);
  } finally {
    await rig.close();
  }
});

test('validation retries happen inside a turn', async () => {
  let n = 0;
  const rig = await startScripted((req) => (n++ === 0 ? 'oops' : byTurn(2)(req)));
  try {
    const r = await runCascade(refine(3), { topic: 'tea' }, { llm: rig.llm, defaultModel: 'm' });
    assert.is(r.status, 'success');
    assert.equal(
      r.calls.map((c) => [c.turn, c.attempt]),
      [
        [1, 1],
        [1, 2],
        [2, 1],
      ],
    );
    assert.match(lastUser(rig.requests[1]!), /^Your answer was not valid: the answer is not JSON/);
  } finally {
    await rig.close();
  }
});

test.run();
