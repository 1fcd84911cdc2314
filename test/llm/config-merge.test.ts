/**
 * The one merge order (flags > environment > config file > defaults), the
 * provider option the CLI and the engine both build from it, API key
 * trimming and checking, and redaction of the key's echoed forms.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { providerOfFlags } from '../../src/cli/engine-flags.js';
import { providerOptionFromConfig } from '../../src/engine/provider.js';
import { createLlmClient } from '../../src/llm/client.js';
import { resolveLlmConfig } from '../../src/llm/config.js';
import { redact } from '../../src/llm/errors.js';

function dirWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-merge-'));
  writeFileSync(join(dir, 'rvbbit.config.yaml'), yaml);
  return dir;
}

const FILE = `llm:
  base_url: http://file.example/v1
  model: file-model
  aliases: { fast: provider-fast-1 }
  prices: { provider-fast-1: { in: 1, out: 2 } }
  limits: { timeout_ms: 1500, retries: 4, rps: 7, concurrency: 12, deadline_ms: 60000, down_after_ms: 3000 }
`;

test('flags win over the environment, which wins over the file; limits, aliases and prices come from the file', () => {
  const cwd = dirWith(FILE);
  const fileOnly = resolveLlmConfig({}, cwd);
  assert.is(fileOnly.baseUrl, 'http://file.example/v1');
  assert.is(fileOnly.defaultModel, 'file-model');
  const env = { RVBBIT_BASE_URL: 'http://env.example/v1', RVBBIT_MODEL: 'env-model' };
  const fromEnv = resolveLlmConfig(env, cwd);
  assert.is(fromEnv.baseUrl, 'http://env.example/v1');
  assert.is(fromEnv.defaultModel, 'env-model');
  const fromFlags = resolveLlmConfig(env, cwd, { baseUrl: 'http://flag.example/v1', model: 'flag-model' });
  assert.is(fromFlags.baseUrl, 'http://flag.example/v1');
  assert.is(fromFlags.defaultModel, 'flag-model');
  for (const c of [fileOnly, fromEnv, fromFlags]) {
    assert.is(c.timeoutMs, 1500);
    assert.is(c.retries, 4);
    assert.is(c.requestsPerSecond, 7);
    assert.is(c.maxConcurrency, 12);
    assert.is(c.deadlineMs, 60000);
    assert.equal(c.breaker, { downAfterMs: 3000 });
    assert.equal(c.aliases, { fast: 'provider-fast-1' });
    assert.equal(c.prices, { 'provider-fast-1': { in: 1, out: 2 } });
  }
});

test('--provider-url makes the same provider option as RVBBIT_BASE_URL would, file settings included', async () => {
  const cwd = dirWith(FILE);
  const viaFlag = await providerOfFlags({ providerUrl: 'http://127.0.0.1:9/v1' }, {}, cwd);
  const viaEnv = providerOptionFromConfig(
    resolveLlmConfig({ RVBBIT_BASE_URL: 'http://127.0.0.1:9/v1' }, cwd),
  );
  assert.equal(viaFlag, viaEnv);
  assert.equal(viaFlag, {
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'file-model',
    prices: { 'provider-fast-1': { in: 1, out: 2 } },
    aliases: { fast: 'provider-fast-1' },
    maxConcurrency: 12,
    requestsPerSecond: 7,
    retries: 4,
    timeoutMs: 1500,
    deadlineMs: 60000,
    breaker: { downAfterMs: 3000 },
  });
  // No file limits: the configured-provider defaults.
  const bare = await providerOfFlags({ providerUrl: 'http://127.0.0.1:9/v1', model: 'm' }, {}, tmpdir());
  assert.equal(bare, { baseUrl: 'http://127.0.0.1:9/v1', model: 'm', prices: {}, maxConcurrency: 64 });
  const bad = await providerOfFlags({ providerUrl: 'ftp://x' }, {}, tmpdir()).catch((e: Error) => e);
  assert.match(String(bad), /--provider-url: expected an http\(s\) URL/);
});

test('API keys are trimmed; a control character inside is an error naming the source, never the key', () => {
  const cwd = dirWith('');
  const c = resolveLlmConfig({ RVBBIT_BASE_URL: 'http://x/v1', RVBBIT_API_KEY: '  sk-abcdef1234 \n' }, cwd);
  assert.is(c.apiKey, 'sk-abcdef1234');
  for (const [name, key] of [
    ['OPENAI_API_KEY', 'sk-abc\ndef1234'],
    ['OPENROUTER_API_KEY', 'sk-abc\u0000def'],
  ] as const) {
    try {
      resolveLlmConfig({ [name]: key }, cwd);
      assert.unreachable('expected an error');
    } catch (err) {
      const e = err as { code: string; message: string };
      assert.is(e.code, 'LLM_CONFIG');
      assert.match(e.message, `${name}: the API key contains a control character`);
      assert.not.match(e.message, /abc/);
    }
  }
  assert.throws(
    () => createLlmClient({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-\tsecret-key' }),
    (e: Error) => /options\.apiKey: the API key contains/.test(e.message) && !e.message.includes('secret'),
  );
});

test('redaction: the key trimmed, percent-encoded (either case) and JSON-escaped, in any mixture', () => {
  const key = 'sk-or/v1+Ab.9Z';
  const forms = [
    key,
    encodeURIComponent(key),
    encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    JSON.stringify(key).slice(1, -1),
    [...key].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    [...key].map((ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).join(''),
    'sk-or\\/v1%2bAb\\u002e9Z',
  ];
  for (const form of forms) {
    assert.is(redact(`before ${form} after`, ` ${key}\n`), 'before [redacted] after', form);
  }
  // Other text, and a different key, are left alone.
  assert.is(redact('sk-or/v1+Ab.9Y and u002e', key), 'sk-or/v1+Ab.9Y and u002e');
  assert.is(redact('abc', 'ab'), 'abc');
});

test.run();
