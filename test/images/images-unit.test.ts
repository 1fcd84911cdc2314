/**
 * Images in prompts, piece by piece: the marker IMAGE() writes becoming
 * content parts, the token rule on OpenAI's documented examples, header
 * sizes of the four formats, the simulator's reading of image parts (its
 * refusals, its descriptions, its token counts), and IMAGE()'s own errors.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RvbbitError } from '../../base/errors.js';
import { createEngine, createLlmClient, type Engine } from '../../src/index.js';
import {
  contentParts,
  imageFileUrl,
  imageMarker,
  imageSize,
  imageSummary,
  imageTokens,
  sniffImageFormat,
  splitImages,
} from '../../src/llm/images.js';
import { promptTokens } from '../../src/plan/estimate.js';
import { readImagePart, tokensOf } from '../../src/sim/image-input.js';
import { startSimulator } from '../../src/sim/index.js';
import { postChat } from '../sim/post.js';
import { gifHeader, jpegHeader, png, webpHeader } from './png.js';

const RED = png({ width: 64, height: 48, rgb: [220, 20, 20], description: 'a red circle' });
const RED_URL = `data:image/png;base64,${RED.toString('base64')}`;

test('a marker becomes text and image_url parts in order; empty text parts are dropped', () => {
  const text = `Look:\n<text>${imageMarker(RED_URL)}</text> and ${imageMarker('https://example.com/a.png', 'low')}`;
  assert.equal(contentParts(text), [
    { type: 'text', text: 'Look:\n<text>' },
    { type: 'image_url', image_url: { url: RED_URL, detail: 'auto' } },
    { type: 'text', text: '</text> and ' },
    { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
  ]);
  // No marker, or text that only looks like one: the string itself.
  assert.is(contentParts('plain text'), 'plain text');
  assert.is(contentParts('<image>not a url</image>'), '<image>not a url</image>');
  assert.is(
    contentParts('<image>http://example.com/a.png</image>'),
    '<image>http://example.com/a.png</image>',
  );
  assert.equal(contentParts(imageMarker(RED_URL)), [
    { type: 'image_url', image_url: { url: RED_URL, detail: 'auto' } },
  ]);
  const split = splitImages(`a ${imageMarker(RED_URL)} b`);
  assert.is(split.text, 'a  b');
  assert.equal(split.images, [{ url: RED_URL, detail: 'auto' }]);
});

test("OpenAI's documented image token examples, and the simulator's own rule agrees", () => {
  // "Images and vision", calculating costs (GPT-4o-class models).
  assert.is(imageTokens(1024, 1024, 'high'), 765);
  assert.is(imageTokens(2048, 4096, 'high'), 1105);
  assert.is(imageTokens(4096, 8192, 'low'), 85);
  // auto is taken as high; small images are never scaled up.
  assert.is(imageTokens(1024, 1024), 765);
  assert.is(imageTokens(500, 500), 255);
  assert.is(imageTokens(513, 500), 425);
  assert.is(imageTokens(513, 513), 765);
  assert.is(imageTokens(2100, 10), 765);
  for (const w of [1, 100, 511, 512, 513, 767, 768, 769, 1024, 1500, 2048, 3000, 5000]) {
    for (const h of [1, 300, 512, 700, 768, 1000, 2049, 4096]) {
      for (const d of ['low', 'high', 'auto'] as const)
        assert.is(tokensOf(w, h, d), imageTokens(w, h, d), `${w}x${h} ${d}`);
    }
  }
});

test('sizes from the headers of PNG, JPEG, GIF and the three WEBP kinds', () => {
  assert.is(sniffImageFormat(RED), 'png');
  assert.equal(imageSize(RED), { width: 64, height: 48 });
  assert.is(sniffImageFormat(jpegHeader(640, 480)), 'jpeg');
  assert.equal(imageSize(jpegHeader(640, 480)), { width: 640, height: 480 });
  assert.equal(imageSize(gifHeader(33, 17)), { width: 33, height: 17 });
  assert.equal(imageSize(webpHeader(300, 200, 'VP8 ')), { width: 300, height: 200 });
  assert.equal(imageSize(webpHeader(301, 201, 'VP8L')), { width: 301, height: 201 });
  assert.equal(imageSize(webpHeader(4000, 3000, 'VP8X')), { width: 4000, height: 3000 });
  assert.is(sniffImageFormat(Buffer.from('<?xml version="1.0"?><svg/>')), undefined);
  assert.is(imageSize(RED.subarray(0, 20)), undefined);
});

test('estimated prompt tokens count an image by its size, not its base64', () => {
  const big = png({ width: 1024, height: 1024, rgb: [1, 2, 3] });
  const marker = imageMarker(`data:image/png;base64,${big.toString('base64')}`);
  assert.is(promptTokens(`<text>${marker}</text>`), promptTokens('<text></text>') + 765);
  assert.is(promptTokens(imageMarker('https://example.com/x.png', 'low')), 85);
  assert.is(promptTokens(imageMarker('https://example.com/x.png')), 255);
});

test('the short form of an image in logged text', () => {
  const s = imageSummary(`SELECT '${RED_URL}' MEANS 'x', ${imageMarker(RED_URL)}`);
  assert.match(
    s,
    /^SELECT '<image png 64x48 1 KB sha256:[0-9a-f]{12}>' MEANS 'x', <image png 64x48 1 KB sha256:/,
  );
  assert.is(imageSummary('no images here'), 'no images here');
});

test('the simulator reads a PNG description (tEXt or iTXt), else words from a hash', () => {
  const read = (b: Buffer, detail?: string) =>
    readImagePart({ url: `data:image/png;base64,${b.toString('base64')}`, ...(detail ? { detail } : {}) });
  const a = read(RED);
  assert.ok(!('error' in a));
  if ('error' in a) return;
  assert.is(a.description, 'a red circle');
  assert.is(a.tokens, 255);
  const i = read(png({ width: 10, height: 10, description: 'un cercle bleu é', itxt: true }), 'low');
  assert.ok(!('error' in i) && i.description === 'un cercle bleu é' && i.tokens === 85);
  const anon = read(png({ width: 10, height: 10 }));
  const again = read(png({ width: 10, height: 10 }));
  assert.ok(!('error' in anon) && !('error' in again));
  if ('error' in anon || 'error' in again) return;
  assert.match(anon.description, /^an image of a [a-z]+ [a-z]+ and a [a-z]+$/);
  assert.is(anon.description, again.description);
  const url = readImagePart({ url: 'https://example.com/cat.png' });
  assert.ok(!('error' in url) && url.tokens === 255 && url.format === 'url');
});

test('the simulator refuses what OpenAI refuses, with 400s naming the problem', async () => {
  const sim = await startSimulator();
  try {
    const ask = (messages: unknown[]) => postChat(sim.url, { model: 'sim-small', messages });
    const part = (url: string, detail?: string) => ({
      type: 'image_url',
      image_url: { url, ...(detail ? { detail } : {}) },
    });
    const refused = async (messages: unknown[], pattern: RegExp, code: string) => {
      const r = await ask(messages);
      assert.is(r.status, 400, r.text);
      const e = JSON.parse(r.text).error;
      assert.match(e.message, pattern);
      assert.is(e.code, code);
    };
    await refused(
      [
        { role: 'system', content: [part(RED_URL)] },
        { role: 'user', content: 'hi' },
      ],
      /Invalid 'messages\[0\]'\. Image URLs are only allowed for messages with role 'user', but this message with role 'system' contains an image URL\./,
      'invalid_value',
    );
    await refused(
      [{ role: 'user', content: [part('data:image/png;base64,@@@@')] }],
      /Invalid base64/,
      'invalid_base64',
    );
    await refused(
      [{ role: 'user', content: [part('data:image/tiff;base64,AAAA')] }],
      /Invalid MIME type 'image\/tiff'/,
      'invalid_image_format',
    );
    await refused(
      [
        {
          role: 'user',
          content: [part(`data:image/png;base64,${Buffer.from('not an image').toString('base64')}`)],
        },
      ],
      /You uploaded an unsupported image/,
      'invalid_image_format',
    );
    await refused(
      [{ role: 'user', content: [part(RED_URL, 'ultra')] }],
      /Invalid value for 'detail'/,
      'invalid_value',
    );
    await refused(
      [{ role: 'user', content: [part('ftp://example.com/a.png')] }],
      /Invalid image URL/,
      'invalid_image_url',
    );
    // An accepted one: its tokens are text / 4 plus the image's, and stats count the image part.
    const ok = await ask([
      { role: 'user', content: [{ type: 'text', text: 'What is this? ' }, part(RED_URL)] },
    ]);
    assert.is(ok.status, 200, ok.text);
    assert.is(JSON.parse(ok.text).usage.prompt_tokens, Math.ceil('What is this? '.length / 4) + 255);
    assert.is(sim.stats().imageTokens, 255);
  } finally {
    await sim.close();
  }
});

test('the client sends markers in user messages as image parts, other messages unchanged', async () => {
  const sim = await startSimulator({ record: true });
  const llm = createLlmClient({ baseUrl: sim.url, defaultModel: 'sim-small' });
  try {
    const r = await llm.chat({
      model: 'sim-small',
      messages: [
        { role: 'system', content: `kept as text ${imageMarker(RED_URL)}` },
        {
          role: 'user',
          content: `Criterion: <criterion>red</criterion>\n<text>${imageMarker(RED_URL)}</text>`,
        },
      ],
    });
    const seen = sim.stats().promptsSeen![0]!.messages;
    assert.is(seen[0]!.images, undefined);
    assert.is(seen[1]!.content, 'Criterion: <criterion>red</criterion>\n<text>a red circle</text>');
    assert.equal(
      seen[1]!.images!.map((i) => i.tokens),
      [255],
    );
    assert.is(r.usage.tokensIn, Math.ceil((seen[0]!.content.length + seen[1]!.text!.length) / 4) + 255);
    assert.match(r.content, /^Yes\./);
  } finally {
    await llm.close();
    await sim.close();
  }
});

// ── IMAGE() ──

let dir: string;
let outside: string;
let engine: Engine;

async function errorOf(sql: string, e: Engine = engine): Promise<RvbbitError> {
  try {
    await e.query(sql);
  } catch (err) {
    assert.instance(err, RvbbitError);
    return err as RvbbitError;
  }
  throw new Error(`expected ${sql} to fail`);
}

test.before(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rvbbit-images-'));
  dir = join(root, 'allowed');
  outside = join(root, 'outside');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(dir, 'red.png'), RED);
  writeFileSync(join(dir, 'sub', 'blue.png'), png({ width: 8, height: 8, rgb: [0, 0, 255] }));
  writeFileSync(join(dir, 'notes.txt'), 'just text');
  writeFileSync(join(outside, 'secret.png'), RED);
  symlinkSync(join(outside, 'secret.png'), join(dir, 'escape.png'));
  symlinkSync(join(dir, 'red.png'), join(dir, 'alias.png'));
  engine = await createEngine({ imageFolders: [dir], maxImageBytes: 4096, threads: 1 });
});
test.after(async () => {
  await engine.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

const one = async (sql: string) => Object.values((await engine.query(sql)).rows[0]!)[0];

/** The URL IMAGE() writes for a PNG file, from the file's own stat. */
function fileUrl(path: string, width: number, height: number): string {
  const st = statSync(path, { bigint: true });
  return imageFileUrl({
    path: realpathSync(path),
    bytes: Number(st.size),
    mtimeNs: st.mtimeNs.toString(),
    ino: st.ino.toString(),
    format: 'png',
    width,
    height,
  });
}

test('IMAGE(): a BLOB, a data URL, an https URL, a file (relative, absolute, symlink inside), NULL', async () => {
  assert.is(await one(`SELECT IMAGE(from_hex('${RED.toString('hex')}'))`), imageMarker(RED_URL));
  assert.is(await one(`SELECT IMAGE('${RED_URL}')`), imageMarker(RED_URL));
  assert.is(
    await one(`SELECT IMAGE('https://example.com/a b.png')`),
    '<image>https://example.com/a%20b.png</image>',
  );
  // A file is checked, not read: its marker names its real path, the version seen and its header's facts.
  const red = fileUrl(join(dir, 'red.png'), 64, 48);
  assert.match(
    red,
    /^file:\/\/\/.*\/allowed\/red\.png\?bytes=\d+&mtime=\d+&ino=\d+&type=png&width=64&height=48$/,
  );
  assert.is(await one(`SELECT IMAGE('red.png')`), imageMarker(red));
  assert.is(await one(`SELECT IMAGE('${join(dir, 'red.png')}', 'low')`), imageMarker(red, 'low'));
  // A symlink inside: the real path's marker (so the same file is one prompt, one cache key).
  assert.is(await one(`SELECT IMAGE('alias.png')`), imageMarker(red));
  assert.is(
    await one(`SELECT IMAGE('sub/blue.png')`),
    imageMarker(fileUrl(join(dir, 'sub', 'blue.png'), 8, 8)),
  );
  assert.is(await one(`SELECT IMAGE(NULL::BLOB)`), null);
  assert.is(await one(`SELECT IMAGE(NULL::VARCHAR)`), null);
  assert.is(await one(`SELECT IMAGE(NULL)`), null);
  const rows = (await engine.query(`SELECT IMAGE(p) AS i FROM (VALUES ('red.png'), (NULL)) t(p)`)).rows;
  assert.equal(rows, [{ i: imageMarker(red) }, { i: null }]);
});

test('IMAGE() refuses: unknown format, too large, outside the folders, a symlink out, http://, other schemes', async () => {
  let e = await errorOf(`SELECT IMAGE('hello'::BLOB)`);
  assert.is(e.code, 'IMAGE_UNKNOWN_FORMAT');
  assert.is(
    e.message,
    'IMAGE: the BLOB is not a PNG, JPEG, GIF or WEBP image (its first bytes are 68 65 6c 6c 6f: "hello")',
  );
  e = await errorOf(`SELECT IMAGE('notes.txt')`);
  assert.is(e.code, 'IMAGE_UNKNOWN_FORMAT');
  assert.match(e.message, /^IMAGE: file notes\.txt is not a PNG, JPEG, GIF or WEBP image/);
  e = await errorOf(
    `SELECT IMAGE(from_hex('${png({ width: 100, height: 100, description: 'x'.repeat(5000) }).toString('hex')}'))`,
  );
  assert.is(e.code, 'IMAGE_TOO_LARGE');
  assert.match(
    e.message,
    /^IMAGE: the BLOB is [\d.]+ KiB \(\d+ bytes\); images are limited to 4\.0 KiB \(4096 bytes; engine option maxImageBytes\)$/,
  );
  e = await errorOf(`SELECT IMAGE('/etc/passwd')`);
  assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
  assert.is(e.message, `IMAGE: file /etc/passwd is outside the allowed image folders (${dir})`);
  e = await errorOf(`SELECT IMAGE('../outside/secret.png')`);
  assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
  e = await errorOf(`SELECT IMAGE('escape.png')`);
  assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
  assert.is(e.message, `IMAGE: file escape.png is outside the allowed image folders (${dir})`);
  e = await errorOf(`SELECT IMAGE('missing.png')`);
  assert.is(e.code, 'IMAGE_NOT_FOUND');
  e = await errorOf(`SELECT IMAGE('sub')`);
  assert.is(e.code, 'IMAGE_NOT_FOUND');
  assert.is(e.message, 'IMAGE: file sub is a folder, not a regular file');
  e = await errorOf(`SELECT IMAGE('http://example.com/a.png')`);
  assert.is(e.code, 'IMAGE_BAD_ARGUMENT');
  assert.match(e.message, /^IMAGE: http:\/\/ URLs are refused/);
  e = await errorOf(`SELECT IMAGE('file:///etc/passwd')`);
  assert.is(e.code, 'IMAGE_BAD_ARGUMENT');
  e = await errorOf(`SELECT IMAGE('data:image/gif;base64,${RED.toString('base64')}')`);
  assert.is(e.code, 'IMAGE_UNKNOWN_FORMAT');
  assert.is(e.message, 'IMAGE: the data: URL says image/gif but its bytes are a PNG image');
  e = await errorOf(`SELECT IMAGE('data:image/png;base64,not base64!')`);
  assert.is(e.code, 'IMAGE_BAD_ARGUMENT');
  e = await errorOf(`SELECT IMAGE('red.png', 'ultra')`);
  assert.is(e.code, 'IMAGE_BAD_ARGUMENT');
  // In a row of a table, and inside a MAP's or an operator's query, the same error.
  e = await errorOf(`SELECT IMAGE(p) FROM (VALUES ('red.png'), ('/etc/passwd')) t(p)`);
  assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
  e = await errorOf(`SELECT p FROM (VALUES ('/etc/passwd')) t(p) WHERE IMAGE(p) MEANS 'red'`);
  assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
});

test('without image folders every path is refused, saying how to allow one; bad options are refused', async () => {
  const bare = await createEngine({ threads: 1 });
  try {
    const e = await errorOf(`SELECT IMAGE('${join(dir, 'red.png')}')`, bare);
    assert.is(e.code, 'IMAGE_OUTSIDE_FOLDERS');
    assert.match(
      e.message,
      /no image folder is configured \(createEngine\(\{ imageFolders: \[dir\] \}\), rvbbit --image-dir <dir>, or image_dirs in rvbbit\.config\.yaml\)/,
    );
    // BLOBs and URLs need no folder.
    assert.is(
      await bare.query(`SELECT IMAGE('${RED_URL}') AS i`).then((r) => r.rows[0]!.i),
      imageMarker(RED_URL),
    );
  } finally {
    await bare.close();
  }
  for (const options of [
    { imageFolders: [join(dir, 'nope')] },
    { maxImageBytes: 0 },
    { maxImageBytesInFlight: 0 },
    { maxImageBytesInFlight: 2 ** 30 + 1 },
  ]) {
    try {
      await createEngine(options);
      assert.unreachable('expected ENGINE_OPTION');
    } catch (err) {
      assert.is((err as RvbbitError).code, 'ENGINE_OPTION');
    }
  }
});

test.run();
