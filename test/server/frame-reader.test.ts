import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReader } from '../../src/server/frame-reader.js';
import { message } from './raw-socket.js';

test('messages that arrive while earlier ones wait are all read, in order, across chunk boundaries', () => {
  const r = new FrameReader(1024);
  r.startup = false;
  const bodies = ['one', 'two', 'three', 'four', 'five'].map((t) => message('Q', Buffer.from(`${t}\0`)));
  const stream = Buffer.concat(bodies);
  // Chunks of every size, pushed before anything is read (as while a statement runs).
  for (let size = 1; size <= stream.length; size++) {
    for (let at = 0; at < stream.length; at += size) r.push(stream.subarray(at, at + size));
    const read: string[] = [];
    assert.ok(r.hasMessage());
    for (let f = r.next(); f; f = r.next())
      read.push(`${f.type}:${f.body.toString('utf8', 0, f.body.length - 1)}`);
    assert.equal(read, ['Q:one', 'Q:two', 'Q:three', 'Q:four', 'Q:five'], `chunks of ${size}`);
    assert.is(r.pending, 0);
    assert.not.ok(r.hasMessage());
  }
});

test('hasMessage is false for a message not yet whole', () => {
  const r = new FrameReader(1024);
  r.startup = false;
  const m = message('Q', Buffer.from('SELECT 1\0'));
  r.push(m.subarray(0, 7));
  assert.not.ok(r.hasMessage());
  r.push(m.subarray(7));
  assert.ok(r.hasMessage());
});

test.run();
