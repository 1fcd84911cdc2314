import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCliConfig } from '../../src/config/cli-config.js';
import { rvbbit } from './helpers.js';

function configDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-config-'));
  writeFileSync(join(dir, 'rvbbit.config.yaml'), text);
  return dir;
}

test('the rvbbit: and server: sections are read; llm: is left to the LLM settings', () => {
  const dir = configDir(
    'llm:\n  model: x\nrvbbit:\n  db: data.duckdb\n  cascades: [a, b]\n  parallel: 8\nserver:\n  port: 6543\n  password: pw\n  auth: md5\n  max_connections: 5\n  idle_timeout_ms: 1000\n  statement_timeout_ms: 30000\n  allow_files: [shared]\n',
  );
  assert.equal(readCliConfig(dir, {}), {
    db: join(dir, 'data.duckdb'),
    cascades: [join(dir, 'a'), join(dir, 'b')],
    parallel: 8,
    server: {
      host: undefined,
      port: 6543,
      password: 'pw',
      auth: 'md5',
      maxConnections: 5,
      maxMessageBytes: undefined,
      idleTimeoutMs: 1000,
      statementTimeoutMs: 30000,
      // Relative to the config file, like every path in it.
      allowFiles: [join(dir, 'shared')],
    },
  });
});

test('an empty server.password is an error, not the password "null" or none', () => {
  for (const line of ['password:', "password: ''"]) {
    const dir = configDir(`server:\n  ${line}\n`);
    assert.throws(() => readCliConfig(dir, {}), /server\.password: is empty/);
  }
});

test('a wrong type names the key and the file', () => {
  const dir = configDir('server:\n  port: "high"\n');
  assert.throws(() => readCliConfig(dir, {}), /rvbbit\.config\.yaml: server\.port: expected an integer/);
});

test('an unknown key is an error naming the file, the key and the nearest valid one', () => {
  const cases: [string, RegExp][] = [
    [
      'data_dirs: [docs]\n',
      /rvbbit\.config\.yaml: data_dirs: unknown top-level key: did you mean rvbbit\.data_dirs\? \(the file's sections are llm, rvbbit, server\)/,
    ],
    ['rvbit:\n  db: x.duckdb\n', /rvbbit\.config\.yaml: rvbit: unknown top-level key: did you mean rvbbit\?/],
    [
      'rvbbit:\n  data_dir: docs\n',
      /rvbbit\.config\.yaml: rvbbit\.data_dir: unknown key: did you mean rvbbit\.data_dirs\? \(rvbbit: takes db, /,
    ],
    ['server:\n  prot: 5432\n', /server\.prot: unknown key: did you mean server\.port\?/],
    ['server:\n  colour: blue\n', /server\.colour: unknown key \(server: takes host, /],
    ['rvbbit: 5\n', /rvbbit\.config\.yaml: rvbbit: expected a section of keys/],
  ];
  for (const [text, message] of cases) assert.throws(() => readCliConfig(configDir(text), {}), message, text);
  // Empty sections and the llm: section are not this reader's to refuse.
  assert.equal(readCliConfig(configDir('rvbbit:\nserver:\nllm:\n  model: m\n'), {}).parallel, undefined);
});

test('the CLI says an unknown key in one line and exits 1 (an error, as others), before doing anything', async () => {
  const dir = configDir('rvbbit:\n  data_dir: docs\n');
  const r = await rvbbit(['query', '--sim', 'SELECT 1'], {
    env: { RVBBIT_CONFIG: join(dir, 'rvbbit.config.yaml') },
  });
  assert.is(r.out, '');
  assert.match(r.err, /rvbbit\.data_dir: unknown key: did you mean rvbbit\.data_dirs\?/);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.is(r.code, 1);
});

test('the config file supplies the --db default, relative to the file', async () => {
  const dir = configDir('rvbbit:\n  db: from-config.duckdb\n');
  const r = await rvbbit(['query', '--format', 'csv', 'SELECT current_database() AS db'], {
    env: { RVBBIT_CONFIG: join(dir, 'rvbbit.config.yaml') },
  });
  assert.is(r.err, '');
  assert.is(r.out, 'db\nfrom-config\n');
});

test("rvbbit.small_side and --small-side set the engine's small-side limit (the flag wins); out of range names the key", async () => {
  // Unpacked (-- @ batch: 1): the subject is which side may be small, not packed pairs or blocks.
  const pairs = `-- @ batch: 1
EXPLAIN SELECT a.x, b.y FROM (VALUES ('good'), ('bad'), ('fine')) a(x), (VALUES ('nice'), ('awful')) b(y)
    WHERE LLM_FILTER('the same sentiment', a.x, b.y)`;
  const plan = async (args: string[], config?: string) => {
    const env = config ? { RVBBIT_CONFIG: join(configDir(config), 'rvbbit.config.yaml') } : {};
    const r = await rvbbit(['query', '--sim', '--format', 'json', ...args, pairs], { env });
    assert.is(r.err, '');
    const rows = JSON.parse(r.out) as { property: string; value: string }[];
    return rows.find((x) => x.property === 'functions')!.value;
  };
  // 3 × 2 pairs: under the default (64) both sides are small and the cheaper one is taken, the 3
  // values of a.x as candidates (2 calls; was b.y's 3 calls before both orientations were priced).
  assert.match(await plan([]), /2 calls; small side: 3 distinct a\.x values/);
  assert.match(await plan(['--small-side', '1']), /6 calls; pairwise/);
  assert.match(await plan([], 'rvbbit:\n  small_side: 1\n'), /6 calls; pairwise/);
  assert.match(await plan(['--small-side', '2'], 'rvbbit:\n  small_side: 1\n'), /3 calls; small side/);
  assert.equal(readCliConfig(configDir('rvbbit:\n  small_side: 5\n'), {}).smallSide, 5);
  const tooMany = await rvbbit(['query', '--sim', 'SELECT 1'], {
    env: { RVBBIT_CONFIG: join(configDir('rvbbit:\n  small_side: 2000\n'), 'rvbbit.config.yaml') },
  });
  assert.match(tooMany.err, /rvbbit\.small_side: expected an integer from 0 to 1024, got 2000/);
  const flag = await rvbbit(['query', '--sim', '--small-side', '-3', 'SELECT 1']);
  assert.match(flag.err, /--small-side must be an integer from 0 to 1024/);
});

test('rvbbit.pair_split: on or off (YAML booleans too); anything else names the key', async () => {
  assert.is(readCliConfig(configDir('rvbbit:\n  pair_split: off\n'), {}).pairSplit, false);
  assert.is(readCliConfig(configDir('rvbbit:\n  pair_split: false\n'), {}).pairSplit, false);
  assert.is(readCliConfig(configDir('rvbbit:\n  pair_split: on\n'), {}).pairSplit, true);
  assert.is(readCliConfig(configDir('rvbbit:\n  db: x.duckdb\n'), {}).pairSplit, undefined);
  assert.throws(
    () => readCliConfig(configDir('rvbbit:\n  pair_split: sometimes\n'), {}),
    /rvbbit\.pair_split: expected on or off/,
  );
});

test("--memory-limit, RVBBIT_MEMORY_LIMIT and rvbbit.memory_limit set DuckDB's memory_limit (in that order); a size DuckDB cannot read names where it came from", async () => {
  const limit = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await rvbbit(
      ['query', '--format', 'csv', ...args, "SELECT current_setting('memory_limit') AS m"],
      {
        env,
      },
    );
    assert.is(r.err, '');
    return r.out;
  };
  const config = (text: string) => ({ RVBBIT_CONFIG: join(configDir(text), 'rvbbit.config.yaml') });
  // The engine's default, 1GB, as DuckDB shows it.
  assert.is(await limit([]), 'm\n953.6 MiB\n');
  assert.is(await limit([], config('rvbbit:\n  memory_limit: 300MB\n')), 'm\n286.1 MiB\n');
  assert.is(
    await limit([], { RVBBIT_MEMORY_LIMIT: '400MB', ...config('rvbbit:\n  memory_limit: 300MB\n') }),
    'm\n381.4 MiB\n',
  );
  assert.is(await limit(['--memory-limit', '500MB'], { RVBBIT_MEMORY_LIMIT: '400MB' }), 'm\n476.8 MiB\n');
  assert.equal(readCliConfig(configDir('rvbbit:\n  llm_memory_limit: 128MB\n'), {}).llmMemoryLimit, '128MB');
  const bad = async (args: string[], env: NodeJS.ProcessEnv) =>
    (await rvbbit(['query', ...args, 'SELECT 1'], { env })).err;
  assert.match(await bad(['--memory-limit', 'lots'], {}), /--memory-limit: .*Memory must have a number/);
  assert.match(
    await bad([], { RVBBIT_LLM_MEMORY_LIMIT: 'lots' }),
    /RVBBIT_LLM_MEMORY_LIMIT: .*Memory must have a number/,
  );
  assert.match(
    await bad([], config('rvbbit:\n  llm_memory_limit: lots\n')),
    /rvbbit\.llm_memory_limit \(rvbbit\.config\.yaml\): .*Memory must have a number/,
  );
});

test.run();
