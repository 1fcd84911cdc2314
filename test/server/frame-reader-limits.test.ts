/**
 * The frame reader drops a message over its type's limit as it arrives
 * (handing on an empty frame with its length, in order), and holds every
 * other message's length against the server's input budget from its header
 * until the next message is asked for.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReader } from '../../src/server/frame-reader.js';
import { InputBudget } from '../../src/server/input-budget.js';
import { message } from './raw-socket.js';

const q = (sql: string) => message('Q', Buffer.from(`${sql}\0`));

test('a Query over its limit is dropped as it arrives, in chunks of any size, and handed on empty in its place', () => {
  const big = q('x'.repeat(5000));
  const stream = Buffer.concat([q('before'), big, q('after')]);
  for (const size of [1, 7, 100, 4096, stream.length]) {
    const r = new FrameReader(1 << 20, { dropAbove: { Q: 1000 } });
    r.startup = false;
    let maxPending = 0;
    const frames = [];
    // As the connection reads: after each chunk, every whole message (a message still waiting to be
    // handled is the connection's to bound, by pausing the socket once hasMessage() is true).
    for (let at = 0; at < stream.length; at += size) {
      r.push(stream.subarray(at, at + size));
      maxPending = Math.max(maxPending, r.pending);
      for (let f = r.next(); f; f = r.next()) frames.push(f);
    }
    assert.equal(
      frames.map((f) => [f.type, f.body.length, f.droppedLength]),
      [
        ['Q', 7, undefined],
        ['Q', 0, big.length - 1],
        ['Q', 6, undefined],
      ],
      `chunks of ${size}`,
    );
    // Never more of the dropped message held than one chunk.
    assert.ok(maxPending <= Math.max(size, 20), `held ${maxPending} bytes with chunks of ${size}`);
  }
});

test('each message reserves its length from its header until the next is asked for; a closed reader gives it all back', () => {
  const budget = new InputBudget(1000);
  const r = new FrameReader(1 << 20, { budget });
  r.startup = false;
  const m = q('y'.repeat(500));
  r.push(m.subarray(0, 5));
  assert.is(budget.reserved, m.length);
  r.push(m.subarray(5));
  const frame = r.next();
  assert.ok(frame);
  assert.is(budget.reserved, m.length, 'held while the message is handled');
  assert.is(r.next(), undefined);
  assert.is(budget.reserved, 0);
  r.push(m.subarray(0, 100));
  r.dispose();
  assert.is(budget.reserved, 0);
});

test('a message that does not fit in the budget is refused (SERVER_OUT_OF_MEMORY) when its header arrives', () => {
  const budget = new InputBudget(1000);
  const a = new FrameReader(1 << 20, { budget });
  const b = new FrameReader(1 << 20, { budget });
  a.startup = false;
  b.startup = false;
  a.push(q('a'.repeat(600)).subarray(0, 10));
  try {
    b.push(q('b'.repeat(600)).subarray(0, 10));
    assert.unreachable('b fits');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'SERVER_OUT_OF_MEMORY');
  }
  a.dispose();
  b.push(q('c'.repeat(600)));
  assert.ok(b.next());
});

test.run();
