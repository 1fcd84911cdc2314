/**
 * What a server's clients can reach of its folders: the cascade roots its
 * operator configured (and the shipped cascades), not the folder it was
 * started in; errors name cascade files relative to their root, never the
 * server's absolute paths.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';
import { loaderFlags } from '../../src/runtime/package-files.js';
import { ROOT, waitFor } from '../cli/helpers.js';

test('the working directory is no root; cascade errors show root-relative paths', async () => {
  const home = mkdtempSync(join(tmpdir(), 'rvbbit-serve-home-'));
  const roots = join(home, 'configured');
  mkdirSync(join(home, '.git'));
  mkdirSync(roots);
  // In the folder the server starts in: a file a client must not reach.
  writeFileSync(join(home, '.git', 'config'), '[core]\n  secret = yes\n');
  writeFileSync(join(home, 'local.yaml'), 'cascade_id: local\ncells: []\n');
  // In the configured root: a cascade whose template does not parse.
  writeFileSync(
    join(roots, 'broken.yaml'),
    'cascade_id: broken\ncells:\n  - name: a\n    instructions: "{{ x "\n',
  );
  // From source, tsx resolved from this package: the server runs in a folder of its own.
  const main = join(ROOT, 'src/cli/main.ts');
  const args = [...loaderFlags(), main, 'serve', '--port', '0', '--sim', '--cascades', roots];
  const child = spawn(process.execPath, args, {
    cwd: home,
    env: simulatorEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b) => {
    err += b;
  });
  let out = '';
  child.stdout!.on('data', (b) => {
    out += b;
  });
  const c = (async () => {
    await waitFor(() => out + err, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
    return new pg.Client({
      host: '127.0.0.1',
      port: Number(/:(\d+) /.exec(out)![1]),
      user: 'u',
      database: 'rvbbit',
    });
  })();
  const client = await c;
  try {
    await client.connect();
    const failure = (sql: string) =>
      client.query(sql).then(
        () => undefined,
        (e: { message: string; code: string }) => e,
      );
    for (const ref of ['.git/config', 'local.yaml']) {
      const e = await failure(`RVBBIT MAP '${ref}' USING (SELECT 1 AS x)`);
      assert.ok(e, `${ref} was reachable`);
      assert.not.match(e!.message, home, `${ref}: ${e!.message}`);
      assert.not.match(e!.message, /secret/);
    }
    const broken = await failure(`RVBBIT MAP 'broken.yaml' USING (SELECT 1 AS x)`);
    assert.ok(broken);
    assert.match(broken!.message, /broken\.yaml:\d+:\d+/);
    assert.not.match(broken!.message, home);
  } finally {
    await client.end().catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();
