/**
 * scripts/pack-manifest.mjs under the real `npm pack`, in a small package of
 * its own (this repository's prepack also builds, which these cases do not
 * need): the tarball's package.json has no install script while the folder's
 * package.json is put back byte for byte, and a pack that fails half-way
 * (after prepack, before postpack) is mended by the next pack.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SCRIPT = fileURLToPath(new URL('../../scripts/pack-manifest.mjs', import.meta.url));
const NPM_ENV = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

const MANIFEST = `${JSON.stringify(
  {
    name: 'packed-thing',
    version: '1.2.3',
    files: ['index.js'],
    scripts: {
      build: 'node -e 0',
      prepare: 'node -e 0',
      postinstall: 'node -e 0',
      prepack: 'node scripts/pack-manifest.mjs strip',
      postpack: 'node scripts/pack-manifest.mjs restore',
    },
    allowScripts: { esbuild: false },
  },
  null,
  2,
)}\n`;

function packageFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-pack-manifest-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(SCRIPT, join(dir, 'scripts/pack-manifest.mjs'));
  writeFileSync(join(dir, 'package.json'), MANIFEST);
  writeFileSync(join(dir, 'index.js'), 'export {};\n');
  return dir;
}

/** The package.json inside a tarball. */
const packedManifest = (tarball: string) =>
  JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })) as {
    scripts: Record<string, string>;
  };

test('npm pack: the tarball has no prepare or postinstall, the other scripts stay; package.json is put back as it was', () => {
  const dir = packageFolder();
  const out = join(dir, 'out');
  mkdirSync(out);
  execFileSync('npm', ['pack', '--pack-destination', out], { cwd: dir, env: NPM_ENV, stdio: 'ignore' });
  assert.equal(packedManifest(join(out, 'packed-thing-1.2.3.tgz')).scripts, {
    build: 'node -e 0',
    prepack: 'node scripts/pack-manifest.mjs strip',
    postpack: 'node scripts/pack-manifest.mjs restore',
  });
  assert.is(readFileSync(join(dir, 'package.json'), 'utf8'), MANIFEST);
  assert.not.ok(existsSync(join(dir, 'package.json.packing')));
});

test('a pack that fails after prepack leaves package.json stripped; the next pack ships the same and puts it back', () => {
  const dir = packageFolder();
  const failed = spawnSync('npm', ['pack', '--pack-destination', join(dir, 'no-such-folder')], {
    cwd: dir,
    env: NPM_ENV,
    encoding: 'utf8',
  });
  assert.is.not(failed.status, 0);
  assert.is(readFileSync(join(dir, 'package.json.packing'), 'utf8'), MANIFEST);
  const out = join(dir, 'out');
  mkdirSync(out);
  execFileSync('npm', ['pack', '--pack-destination', out], { cwd: dir, env: NPM_ENV, stdio: 'ignore' });
  assert.not.ok('prepare' in packedManifest(join(out, 'packed-thing-1.2.3.tgz')).scripts);
  assert.is(readFileSync(join(dir, 'package.json'), 'utf8'), MANIFEST);
  assert.not.ok(existsSync(join(dir, 'package.json.packing')));
});

test.run();
