/**
 * The reply queue of one connection (src/server/reply-buffer.ts) over a real
 * loopback socket whose peer does not read: flushes that find the socket full
 * wait for its drain, all on one pair of listeners, and resolve once the peer reads.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplyBuffer } from '../../src/server/reply-buffer.js';

test('twenty flushes onto a full socket share one drain listener and one close listener; all resolve when the peer reads', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const reader = connect(port, '127.0.0.1');
  await once(reader, 'connect');
  reader.pause();
  const [socket] = await accepted;
  try {
    const baseline = { drain: socket.listenerCount('drain'), close: socket.listenerCount('close') };
    const replies = new ReplyBuffer(socket, () => socket.destroyed);
    // Fill the socket until a write is refused: the peer reads nothing.
    let first: Promise<void> | undefined;
    for (let i = 0; i < 4096 && first === undefined; i++) {
      replies.send(Buffer.alloc(64 * 1024, 1));
      const p = replies.flush();
      if (socket.writableNeedDrain) first = p;
    }
    assert.ok(first, 'the socket never filled');
    let resolved = 0;
    const flushes = [first!];
    for (let i = 0; i < 20; i++) {
      replies.send(Buffer.from(`notice ${i}`));
      flushes.push(replies.flush());
    }
    for (const p of flushes) void p.then(() => resolved++);
    await new Promise((r) => setImmediate(r));
    assert.is(resolved, 0, 'a flush resolved while the socket was full');
    assert.is(socket.listenerCount('drain') - baseline.drain, 1);
    assert.is(socket.listenerCount('close') - baseline.close, 1);
    reader.resume();
    await Promise.all(flushes);
    assert.is(resolved, 21);
    assert.is(socket.listenerCount('drain'), baseline.drain);
    assert.is(socket.listenerCount('close'), baseline.close);
  } finally {
    reader.destroy();
    socket.destroy();
    server.close();
  }
});

test.run();
