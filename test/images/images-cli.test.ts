/**
 * `rvbbit query` with images: `--image-dir` lets IMAGE('path') read the 50
 * generated PNGs (a MEANS filter and a MAP, on the built-in simulator);
 * without it a path is refused with a message saying how to allow a folder;
 * `image_dirs` in rvbbit.config.yaml does what the flag does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCliConfig } from '../../src/config/cli-config.js';
import { rvbbit } from '../cli/helpers.js';
import { IMAGE_CASCADES, IMAGES, imageFolder, RED_IDS } from './fifty.js';

let dir: string;

test.before(() => {
  dir = imageFolder();
});
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const MEANS = `SELECT id FROM range(1, 51) t(id) WHERE IMAGE('img-' || id || '.png') MEANS 'red' ORDER BY id`;
const MAP = `RVBBIT MAP PARALLEL 8 'photo_traits.yaml' AS (colour VARCHAR, shape VARCHAR)
  USING (SELECT id::INTEGER AS id, IMAGE('img-' || id || '.png') AS photo FROM range(1, 51) t(id) ORDER BY id)`;

test('rvbbit query --image-dir --max-image-bytes-in-flight: a MEANS filter and a MAP over 50 PNG files', async () => {
  const r = await rvbbit([
    'query',
    '--sim',
    '--image-dir',
    dir,
    // A bound of a few of these small files: rows wait their turn, every answer the same.
    '--max-image-bytes-in-flight',
    '5000',
    '--cascades',
    IMAGE_CASCADES,
    '--format',
    'json',
    '-c',
    MEANS,
    '-c',
    MAP,
  ]);
  assert.is(r.code, 0, r.err);
  const [filtered, mapped] = JSON.parse(r.out) as [{ id: number }[], Record<string, unknown>[]];
  assert.equal(
    filtered.map((x) => Number(x.id)),
    RED_IDS,
  );
  assert.equal(
    mapped.map((x) => [x.id, x.colour, x.shape]),
    IMAGES.map((m) => [m.id, m.colour, m.shape]),
  );
});

test('without --image-dir a path is refused, naming the ways to allow a folder; a missing folder is bad usage', async () => {
  const r = await rvbbit(['query', '--sim', `SELECT IMAGE('${dir}/img-1.png')`]);
  assert.is(r.code, 1);
  assert.match(
    r.err,
    /IMAGE: reading image files is not allowed: no image folder is configured \(createEngine\(\{ imageFolders: \[dir\] \}\), rvbbit --image-dir <dir>, or image_dirs in rvbbit\.config\.yaml\)/,
  );
  const missing = await rvbbit(['query', '--sim', '--image-dir', join(dir, 'nope'), 'SELECT 1']);
  assert.is(missing.code, 2);
  assert.match(missing.err, /no such folder/);
  const bound = await rvbbit(['query', '--sim', '--max-image-bytes-in-flight', '0', 'SELECT 1']);
  assert.is(bound.code, 2);
  assert.match(bound.err, /--max-image-bytes-in-flight must be an integer from 1 to 1073741824/);
});

test('image_dirs and max_image_bytes in rvbbit.config.yaml, relative to the file', async () => {
  const home = mkdtempSync(join(tmpdir(), 'rvbbit-images-config-'));
  try {
    writeFileSync(
      join(home, 'rvbbit.config.yaml'),
      `rvbbit:\n  image_dirs: ${dir}\n  max_image_bytes: 100\n`,
    );
    assert.equal(readCliConfig(home, {}).imageDirs, [dir]);
    writeFileSync(join(home, 'rvbbit.config.yaml'), `rvbbit:\n  max_image_bytes_in_flight: 1000000\n`);
    assert.is(readCliConfig(home, {}).maxImageBytesInFlight, 1_000_000);
    writeFileSync(
      join(home, 'rvbbit.config.yaml'),
      `rvbbit:\n  image_dirs: [${join('..', dir.split('/').at(-1)!)}]\n`,
    );
    assert.equal(readCliConfig(home, {}).imageDirs, [dir]);
    writeFileSync(
      join(home, 'rvbbit.config.yaml'),
      `rvbbit:\n  image_dirs: ${dir}\n  max_image_bytes: 100\n`,
    );
    const r = await rvbbit(
      ['query', '--sim', '--format', 'csv', `SELECT IMAGE('img-4.png') IS NOT NULL AS ok`],
      {
        env: { RVBBIT_CONFIG: join(home, 'rvbbit.config.yaml') },
      },
    );
    assert.is(r.code, 1);
    assert.match(
      r.err,
      /IMAGE: file img-4\.png is [\d.]+ KiB \(\d+ bytes\); images are limited to 0\.1 KiB \(100 bytes/,
    );
    writeFileSync(join(home, 'rvbbit.config.yaml'), `rvbbit:\n  image_dirs: ${dir}\n`);
    const ok = await rvbbit(
      ['query', '--sim', '--format', 'csv', `SELECT IMAGE('img-4.png') IS NOT NULL AS ok`],
      {
        env: { RVBBIT_CONFIG: join(home, 'rvbbit.config.yaml') },
      },
    );
    assert.is(ok.code, 0, ok.err);
    assert.is(ok.out.trim(), 'ok\ntrue');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();
