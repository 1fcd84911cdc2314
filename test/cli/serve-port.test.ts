/**
 * `rvbbit serve` on a port that is taken says so, and which flag picks
 * another, with exit status 1 (not Node's bare EADDRINUSE).
 */
import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('a port in use: the message names it and --port, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await rvbbit(['serve', '--port', String(port)]);
    assert.is(r.code, 1);
    assert.is(r.out, '');
    assert.is(
      r.err,
      `rvbbit serve: cannot listen on 127.0.0.1:${port}: the port is already in use (another server listens there); ` +
        'pick another port with --port N (--port 0 takes any free one; rvbbit.config.yaml: server.port)\n',
    );
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});

test.run();
