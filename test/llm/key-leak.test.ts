import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, fast } from './helpers.js';

const KEY = 'sk-test-VERY-SECRET-0123456789abcdef';

function leaks(text: string): boolean {
  return text.includes(KEY) || text.includes('VERY-SECRET');
}

test('the API key appears in no error, log record or result, on every error path', async () => {
  const sim = await startSimulator({
    quirks: {
      empty: 'empty',
      cut: 'truncated-json',
      none: 'no-choices',
      huge: 'huge',
      old: 'reject-response-format',
    },
    maxBodyBytes: 2000,
  });
  // A provider that echoes the Authorization header back in its 401 (some do, masked or not).
  const echo = createServer((req, res) => {
    req.resume();
    res.writeHead(req.url?.includes('500') ? 500 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `bad key: ${req.headers['authorization']}` } }));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const seen: string[] = [];
  const log = (x: unknown) => seen.push(JSON.stringify(x));
  const opts = { apiKey: KEY, backoff: fast, retries: 2, timeoutMs: 100, onCall: log, onRetry: log };
  const llm = createLlmClient({ baseUrl: sim.url, ...opts });
  // The clients of servers that answer at once wait as long as a busy machine needs: at 100 ms, a run
  // at load 10 timed the echo's 401 out and retried it (LLM_RETRIES_EXHAUSTED, not LLM_HTTP_401).
  const patient = { ...opts, timeoutMs: 30_000 };
  const echoing = createLlmClient({ baseUrl: `${echoUrl}/v1`, ...patient });
  const echoing500 = createLlmClient({ baseUrl: `${echoUrl}/500/v1`, ...patient });
  const closed = await startSimulator();
  const refusedUrl = closed.url;
  await closed.close();
  const refused = createLlmClient({ baseUrl: refusedUrl, ...patient });
  const rf = { name: 'r', schema: { type: 'object', properties: { a: { type: 'string' } } } };
  try {
    const calls: Promise<unknown>[] = [
      llm.chat(ask('a', 'empty')),
      llm.chat({ ...ask('b', 'cut'), responseFormat: rf }),
      llm.chat(ask('c', 'none')),
      llm.chat(ask('d', 'huge')),
      llm.chat({ ...ask('e', 'old'), responseFormat: rf }),
      llm.chat(ask('x'.repeat(3000))),
      llm.chat(ask('f'), { signal: AbortSignal.abort() }),
      llm.chat(ask('g'), { signal: AbortSignal.timeout(1) }),
      echoing.chat(ask('h')),
      echoing500.chat(ask('h2')),
      refused.chat(ask('i')),
    ];
    sim.setOptions({ errorRate: 0.3, hangRate: 0.3, malformedRate: 0.2, resetRate: 0.2 });
    for (let i = 0; i < 20; i++) calls.push(llm.chat(ask(`chaos ${i}`)));
    const settled = await Promise.allSettled(calls);
    let errors = 0;
    for (const s of settled) {
      if (s.status === 'rejected') {
        errors++;
        const e = s.reason as Error & { code: string };
        assert.ok(e.code.startsWith('LLM_'), e.code);
        for (const text of [e.message, JSON.stringify(e), String(e.stack), String(e)]) {
          assert.not.ok(leaks(text), `leaked in ${e.code}: ${text.slice(0, 300)}`);
        }
      } else {
        assert.not.ok(leaks(JSON.stringify(s.value)));
      }
    }
    assert.ok(errors >= 10, `errors ${errors}`);
    assert.ok(seen.length > 0);
    for (const line of seen) assert.not.ok(leaks(line), line);
    const echoed = settled[8] as PromiseRejectedResult;
    assert.is((echoed.reason as { code: string }).code, 'LLM_HTTP_401');
    assert.match((echoed.reason as Error).message, /\[redacted\]/);
  } finally {
    await Promise.all([llm.close(), echoing.close(), echoing500.close(), refused.close()]);
    await sim.close();
    echo.closeAllConnections();
    await new Promise((r) => echo.close(r));
  }
});

test.run();
