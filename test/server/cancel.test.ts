import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { sendCancel } from './probe.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({ noticeIntervalMs: 500 }, { latencyMs: 200 });
});
test.after(async () => {
  await f.close();
});

test('a CancelRequest aborts the running MAP: 57014, in-flight calls stopped, the session goes on', async () => {
  const c = await f.client();
  const ids = c as unknown as { processID: number; secretKey: number };
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  const before = (await (await fetch(f.sim.url.replace(/\/v1$/, '/stats'))).json()) as { requests: number };
  const started = performance.now();
  const running = c.query(
    "RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' AS brand USING (SELECT 'cancel me ' || range AS product_name FROM range(60))",
  );
  // Cancel once the MAP is running and has said so (its first progress notice), not after a fixed
  // sleep that a busy machine's slow start can outlast.
  for (let i = 0; i < 3000 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await sendCancel(f.port, ids.processID, ids.secretKey);
  const err = await rejection(running);
  const ran = performance.now() - started;
  assert.is(err.code, '57014');
  // Stopped, by calls rather than the clock: the MAP's 60 calls take 6 s (PARALLEL 2, 200 ms each).
  const after = (await (await fetch(f.sim.url.replace(/\/v1$/, '/stats'))).json()) as { requests: number };
  assert.ok(after.requests - before.requests < 20, `${after.requests - before.requests} requests were made`);
  // At most one progress notice per 500 ms of the statement's life, however long a busy machine made it.
  assert.ok(
    notices.length >= 1 && notices.length <= 1 + Math.ceil(ran / 500),
    `notices: ${notices.length} in ${ran} ms`,
  );
  assert.match(
    notices[0]!,
    /^rvbbit progress: \d+\/60 rows, [\d.]+ rows\/s, \d+ calls, \d+ cache hits, \$[\d.]+, ETA /,
  );
  assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test('a CancelRequest with the wrong secret does nothing', async () => {
  const c = await f.client();
  const ids = c as unknown as { processID: number; secretKey: number };
  const running = c.query(
    "RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' AS brand USING (SELECT 'keep me ' || range AS product_name FROM range(4))",
  );
  await sendCancel(f.port, ids.processID, ids.secretKey ^ 1);
  const r = await running;
  assert.is(r.rows.length, 4);
});

test.run();
