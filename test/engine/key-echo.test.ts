/**
 * A provider that echoes the API key back in its error body, as given, trimmed,
 * percent-encoded, \u-escaped, upper- and lower-cased, base64 (alone, inside a
 * Basic credential, URL-safe) and hex: none of those forms reaches a MAP's `_error`
 * column or rvbbit.unified_logs. The key is passed with a trailing newline,
 * as `$(cat key.txt)` would, and is sent trimmed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { ENGINE_CASCADES } from './engine-fixture.js';

const KEY = 'sk-echo/SECRET+key-42';
const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Decodes every base64 and hex run of a text, so a key hidden in one shows up in plain. */
function decodedRuns(text: string): string {
  const b = [...text.matchAll(/[A-Za-z0-9+/_-]{8,}={0,2}/g)].map((m) =>
    Buffer.from(m[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'),
  );
  const h = [...text.matchAll(/(?:[0-9a-fA-F]{2}){4,}/g)].map((m) =>
    Buffer.from(m[0], 'hex').toString('latin1'),
  );
  return [...b, ...h].join(' ');
}

test('echoed key forms are redacted from _error and unified_logs; the key is sent trimmed', async () => {
  const auths: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    const auth = String(req.headers['authorization']);
    auths.push(auth);
    const sent = auth.replace(/^Bearer /, '');
    const escaped = [...sent].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    res.writeHead(401, { 'content-type': 'application/json' });
    // The escaped form is written into the JSON text itself, as a provider's serializer might.
    res.end(
      `{"error":{"message":"bad key ${sent} / ${encodeURIComponent(sent)} / ${escaped} / ${JSON.stringify(auth).slice(1, -1)} / ${sent.toUpperCase()} / ${sent.toLowerCase()} / ${b64(sent)} / ${b64(`user:${sent}`)} / ${b64(sent).replace(/\+/g, '-').replace(/\//g, '_')} / ${Buffer.from(sent).toString('hex')} / ${Buffer.from(sent).toString('hex').toUpperCase()}"}}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: { baseUrl: url, apiKey: `${KEY}\n`, model: 'sim-small' },
    threads: 1,
  });
  try {
    const r = await engine.query(
      `RVBBIT MAP 'label' USING (SELECT 1 AS id, 'a phone' AS text) WITH (cache = false)`,
    );
    assert.is(auths[0], `Bearer ${KEY}`);
    assert.match(String(r.rows[0]!._error), /HTTP 401/);
    assert.match(String(r.rows[0]!._error), /\[redacted\]/);
    const logs = await engine.query('SELECT * FROM rvbbit.unified_logs');
    assert.ok(logs.rows.length > 0);
    const everything =
      JSON.stringify(r.rows) + JSON.stringify(logs.rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    assert.not.match(everything, /SECRET/i);
    assert.not.match(decodedRuns(everything), /SECRET|ECRET\+key|echo\/SEC/i);
    assert.not.match(everything, /u0053u0045/i);
    assert.not.match(everything, /\\u0053\\u0045/i);
    assert.not.match(everything, /SECRET%2Bkey/i);
  } finally {
    await engine.close();
    server.close();
  }
});

test.run();
