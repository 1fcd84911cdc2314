import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('rvbbit bench forwards its arguments to bench/run.ts and its exit code', async () => {
  const r = await rvbbit(['bench', '--no-such-bench-flag']);
  assert.is(r.code, 1);
  assert.match(r.err, /Unknown option '--no-such-bench-flag'/);
});

test('rvbbit diagrams writes the page where --out says, not into the package', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-diagrams-'));
  const out = join(dir, 'g.html');
  const r = await rvbbit(['diagrams', '--out', out]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^wrote ${out} \\(\\d+ KB\\)`));
  assert.match(readFileSync(out, 'utf8'), /<title>RVBBIT grammar<\/title>/);
  const help = await rvbbit(['diagrams', '--help']);
  assert.match(help.out, /^Usage: rvbbit diagrams \[options\]/);
  assert.match(help.out, /-o, --out <file> +where to write the page \(default: "rvbbit-grammar.html"\)/);
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
