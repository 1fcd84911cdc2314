import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('rvbbit bench forwards its arguments to bench/run.ts and its exit code', async () => {
  const r = await rvbbit(['bench', '--no-such-bench-flag']);
  assert.is(r.code, 1);
  assert.match(r.err, /Unknown option '--no-such-bench-flag'/);
});

test('rvbbit diagrams --help describes the wrapper', async () => {
  const r = await rvbbit(['diagrams', '--help']);
  assert.is(r.code, 0);
  assert.match(r.out, /^Usage: rvbbit diagrams \[options\] \[args\.\.\.\]/);
});

test('every subcommand has --help', async () => {
  const top = await rvbbit(['--help']);
  for (const name of ['query', 'repl', 'serve', 'sim', 'explain', 'parse', 'cascades', 'bench', 'diagrams']) {
    assert.match(top.out, new RegExp(`\\n  ${name}\\b`), name);
  }
  for (const name of ['query', 'repl', 'serve', 'explain', 'parse']) {
    const r = await rvbbit([name, '--help']);
    assert.is(r.code, 0, name);
    assert.match(r.out, new RegExp(`^Usage: rvbbit ${name} `), name);
  }
  const serve = await rvbbit(['serve', '--help']);
  for (const flag of [
    '--host',
    '--port',
    '--password',
    '--auth',
    '--insecure',
    '--max-connections',
    '--idle-timeout',
    '--db',
    '--cascades',
    '--parallel',
    '--provider-url',
    '--model',
    '--sim',
  ]) {
    assert.ok(serve.out.includes(flag), flag);
  }
});

test.run();
