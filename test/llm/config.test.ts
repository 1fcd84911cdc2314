import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveLlmConfig } from '../../src/llm/config.js';

const dirs: string[] = [];
function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-config-'));
  dirs.push(dir);
  if (yaml !== undefined) writeFileSync(join(dir, 'rvbbit.config.yaml'), yaml);
  return dir;
}

function errorOf(fn: () => unknown): { code: string; message: string; detail: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string; detail: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

test('nothing configured: no base URL (the engine uses the simulator)', () => {
  const c = resolveLlmConfig({}, dirWith());
  assert.is(c.baseUrl, undefined);
  assert.is(c.apiKey, undefined);
});

test('environment: RVBBIT_* first, then OPENAI_API_KEY, then OPENROUTER_API_KEY', () => {
  const cwd = dirWith();
  const a = resolveLlmConfig(
    {
      RVBBIT_BASE_URL: 'http://localhost:11434/v1',
      RVBBIT_API_KEY: 'k1',
      OPENAI_API_KEY: 'k2',
      RVBBIT_MODEL: 'llama3',
    },
    cwd,
  );
  assert.equal(
    { baseUrl: a.baseUrl, apiKey: a.apiKey, source: a.apiKeySource, model: a.defaultModel },
    { baseUrl: 'http://localhost:11434/v1', apiKey: 'k1', source: 'RVBBIT_API_KEY', model: 'llama3' },
  );
  const b = resolveLlmConfig({ OPENAI_API_KEY: 'k2', OPENROUTER_API_KEY: 'k3' }, cwd);
  assert.is(b.apiKey, 'k2');
  assert.is(b.baseUrl, 'https://api.openai.com/v1');
  const c = resolveLlmConfig({ OPENROUTER_API_KEY: 'k3' }, cwd);
  assert.is(c.apiKeySource, 'OPENROUTER_API_KEY');
  assert.is(c.baseUrl, 'https://openrouter.ai/api/v1');
  assert.match(
    errorOf(() => resolveLlmConfig({ RVBBIT_BASE_URL: 'nope' }, cwd)).message,
    /RVBBIT_BASE_URL: expected an http\(s\) URL/,
  );
});

test('rvbbit.config.yaml: aliases, prices, limits; the environment wins', () => {
  const cwd = dirWith(`
cache: { anything: goes }   # other sections belong to the engine
llm:
  base_url: https://openrouter.ai/api/v1
  model: small-fast
  aliases:
    small-fast: openai/gpt-4o-mini
  prices:
    openai/gpt-4o-mini: { in: 0.15, out: 0.6 }
  limits:
    concurrency: 16
    rps: 5
    retries: 4
    timeout_ms: 30000
`);
  const c = resolveLlmConfig({ RVBBIT_API_KEY: 'k' }, cwd);
  assert.is(c.baseUrl, 'https://openrouter.ai/api/v1');
  assert.is(c.defaultModel, 'small-fast');
  assert.equal(c.aliases, { 'small-fast': 'openai/gpt-4o-mini' });
  assert.equal(c.prices, { 'openai/gpt-4o-mini': { in: 0.15, out: 0.6 } });
  assert.is(c.maxConcurrency, 16);
  assert.is(c.requestsPerSecond, 5);
  assert.is(c.retries, 4);
  assert.is(c.timeoutMs, 30000);
  assert.match(String(c.configFile), /rvbbit\.config\.yaml$/);
  const env = resolveLlmConfig({ RVBBIT_BASE_URL: 'http://127.0.0.1:1/v1', RVBBIT_MODEL: 'other' }, cwd);
  assert.is(env.baseUrl, 'http://127.0.0.1:1/v1');
  assert.is(env.defaultModel, 'other');
});

test('llm.prices: cached_in and batch_discount are read when given, absent when not', () => {
  const cwd = dirWith(`
llm:
  prices:
    openai/gpt-4o-mini: { in: 0.15, out: 0.6, cached_in: 0.075, batch_discount: 0.5 }
    free-cache: { in: 1, out: 2, cached_in: 0, batch_discount: 0 }
    full: { in: 1, out: 2, batch_discount: 1 }
    plain: { in: 3, out: 4 }
`);
  assert.equal(resolveLlmConfig({}, cwd).prices, {
    'openai/gpt-4o-mini': { in: 0.15, out: 0.6, cached_in: 0.075, batch_discount: 0.5 },
    'free-cache': { in: 1, out: 2, cached_in: 0, batch_discount: 0 },
    full: { in: 1, out: 2, batch_discount: 1 },
    plain: { in: 3, out: 4 },
  });
});

const bad: [string, RegExp, string][] = [
  [
    'llm:\n  limits:\n    concurrency: 0\n',
    /:3: llm\.limits\.concurrency: expected a positive integer/,
    'llm.limits.concurrency',
  ],
  ['llm:\n  limits:\n    rps: -1\n', /llm\.limits\.rps: expected a positive number/, 'llm.limits.rps'],
  [
    'llm:\n  limits:\n    parallel: 3\n',
    /llm\.limits\.parallel: unknown key \(expected one of concurrency/,
    'llm.limits.parallel',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1 }\n',
    /llm\.prices\.m\.out: expected a non-negative number/,
    'llm.prices.m.out',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1, out: 2, currency: eur }\n',
    /llm\.prices\.m\.currency: unknown key/,
    'llm.prices.m.currency',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1, out: 2, cached_in: -0.5 }\n',
    /:3: llm\.prices\.m\.cached_in: expected a non-negative number \(dollars per 1M tokens\)/,
    'llm.prices.m.cached_in',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1, out: 2, cached_in: half }\n',
    /llm\.prices\.m\.cached_in: expected a non-negative number/,
    'llm.prices.m.cached_in',
  ],
  [
    'llm:\n  prices:\n    m:\n      in: 1\n      out: 2\n      batch_discount: 50\n',
    /:6: llm\.prices\.m\.batch_discount: expected a fraction from 0 to 1/,
    'llm.prices.m.batch_discount',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1, out: 2, batch_discount: "0.5" }\n',
    /llm\.prices\.m\.batch_discount: expected a fraction from 0 to 1/,
    'llm.prices.m.batch_discount',
  ],
  [
    'llm:\n  prices:\n    m: { in: 1, out: 2, cached: 0.5 }\n',
    /llm\.prices\.m\.cached: unknown key \(expected in, out, cached_in, batch_discount\)/,
    'llm.prices.m.cached',
  ],
  [
    'llm:\n  models:\n    gpt-4o-mini:\n      context_window: 0\n',
    /:4: llm\.models\.gpt-4o-mini\.context_window: expected a positive integer \(tokens\)/,
    'llm.models.gpt-4o-mini.context_window',
  ],
  [
    'llm:\n  models:\n    m: { window: 8000 }\n',
    /llm\.models\.m\.window: unknown key \(expected context_window, max_output_tokens\)/,
    'llm.models.m.window',
  ],
  [
    'llm:\n  models:\n    m: { context_window: 8000, max_output_tokens: 9000 }\n',
    /llm\.models\.m\.max_output_tokens: expected at most context_window/,
    'llm.models.m.max_output_tokens',
  ],
  ['llm:\n  models: [m]\n', /llm\.models: expected a mapping of model/, 'llm.models'],
  ['llm:\n  aliases:\n    fast: 3\n', /llm\.aliases\.fast: expected a model id string/, 'llm.aliases.fast'],
  ['llm:\n  modle: x\n', /:2: llm\.modle: unknown key/, 'llm.modle'],
  ['llm:\n  base_url: ftp://x\n', /llm\.base_url: expected an http\(s\) URL/, ''],
  ['llm: [1, 2]\n', /llm: expected a mapping/, 'llm'],
  ['llm:\n  model: [unclosed\n', /invalid YAML/, ''],
];

test('llm.models: each model’s context_window and max_output_tokens', () => {
  const c = resolveLlmConfig(
    {},
    dirWith(
      'llm:\n  models:\n    gpt-4o-mini: { context_window: 16000 }\n    local-llama:\n      context_window: 8192\n      max_output_tokens: 2048\n',
    ),
  );
  assert.equal(c.models, {
    'gpt-4o-mini': { contextWindow: 16000 },
    'local-llama': { contextWindow: 8192, maxOutputTokens: 2048 },
  });
});

test('Azure OpenAI: llm.azure_api_version, RVBBIT_AZURE_API_VERSION over it; a malformed version names its line', () => {
  const cwd = dirWith('llm:\n  base_url: https://res.openai.azure.com\n  azure_api_version: 2024-10-21\n');
  assert.is(resolveLlmConfig({}, cwd).azureApiVersion, '2024-10-21');
  assert.is(
    resolveLlmConfig({ RVBBIT_AZURE_API_VERSION: '2025-01-01-preview' }, cwd).azureApiVersion,
    '2025-01-01-preview',
  );
  const bad = errorOf(() => resolveLlmConfig({}, dirWith('llm:\n  azure_api_version: latest\n')));
  assert.is(bad.code, 'LLM_CONFIG');
  assert.match(
    bad.message,
    /rvbbit\.config\.yaml:2: llm\.azure_api_version: expected an Azure OpenAI api-version such as '2024-10-21'$/,
  );
  assert.is(resolveLlmConfig({}, dirWith()).azureApiVersion, undefined);
});

test('config errors name the file, the line and the key', () => {
  for (const [yaml, re, key] of bad) {
    const cwd = dirWith(yaml);
    const e = errorOf(() => resolveLlmConfig({}, cwd));
    assert.is(e.code, 'LLM_CONFIG');
    assert.match(e.message, re);
    assert.ok(e.message.includes(join(cwd, 'rvbbit.config.yaml')), e.message);
    if (key) assert.is(e.detail['key'], key);
  }
  const missing = errorOf(() => resolveLlmConfig({ RVBBIT_CONFIG: 'nope.yaml' }, dirWith()));
  assert.match(missing.message, /config file not found/);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
