/**
 * Image files, checked on the main thread and read where the request is
 * made (issue 57): IMAGE('path') refuses a FIFO, a folder or a device without
 * opening it (a FIFO used to block the main thread in open()), reads a
 * JPEG's size past a large EXIF block in small reads, and writes a marker;
 * the worker thread that makes the request reads the file within the
 * engine's bound on image bytes in flight (`maxImageBytesInFlight`), so a
 * statement over many large images holds a few at a time; a file changed
 * since IMAGE() checked it fails its row only; a marker written by hand
 * reads nothing IMAGE() would not; a thread that dies holding bytes gives
 * them back; the body the provider gets holds exactly the file's bytes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RvbbitError } from '../../base/errors.js';
import { createEngine, createLlmClient, type Engine } from '../../src/index.js';
import {
  bodyWithImageFiles,
  createImageBytesBuffer,
  imageBoundedBatches,
  imageBytesHeld,
  imageBytesPeak,
  inlineImageFiles,
  reclaimImageBytes,
  valueHoldsImageFile,
  withImageFiles,
} from '../../src/llm/image-files.js';
import { contentParts, imageFileRef, imageTokens } from '../../src/llm/images.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { IMAGE_CASCADES } from './fifty.js';
import { COLOURS, png } from './png.js';

const COLOUR_NAMES = ['red', 'blue', 'green', 'yellow'] as const;
const N = 12;
/** Each PNG is ~300 KB (a private chunk pads it): large enough that the bound is what limits. */
const PADDING = 300_000;
const colourOf = (id: number) => COLOUR_NAMES[id % 4]!;

let root: string;
let dir: string;
let sim: SimulatorHandle;
let writer: ChildProcess | undefined;
const engines: Engine[] = [];

function pngOf(id: number, padding = PADDING): Buffer {
  const colour = colourOf(id);
  return png({
    width: 40 + id,
    height: 30,
    rgb: COLOURS[colour]!,
    description: `a ${colour} circle`,
    padding,
  });
}

/** A JPEG whose SOF0 (width × height) comes after `app1` bytes of APP1 (EXIF) segments. */
function jpeg(width: number, height: number, app1: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  for (let left = app1; left > 0; ) {
    const n = Math.min(left, 65533);
    const head = Buffer.from([0xff, 0xe1, 0, 0]);
    head.writeUInt16BE(n + 2, 2);
    parts.push(head, Buffer.alloc(n, 0x45));
    left -= n;
  }
  const sof = Buffer.from([0xff, 0xc0, 0, 17, 8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  parts.push(sof, Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

async function engineWith(options: Parameters<typeof createEngine>[0] = {}): Promise<Engine> {
  const e = await createEngine({
    provider: { baseUrl: sim.url, model: 'sim-small', maxConcurrency: 100 },
    cascadeRoots: [IMAGE_CASCADES],
    imageFolders: [dir],
    threads: 2,
    ...options,
  });
  engines.push(e);
  return e;
}

async function errorOf(e: Engine, sql: string): Promise<RvbbitError> {
  try {
    await e.query(sql);
  } catch (err) {
    assert.instance(err, RvbbitError);
    return err as RvbbitError;
  }
  throw new Error(`expected ${sql} to fail`);
}

const MAP = (from: string, parallel = 8) =>
  `RVBBIT MAP PARALLEL ${parallel} 'photo_traits.yaml' AS (colour VARCHAR, shape VARCHAR)
   USING (${from}) WITH (cache = false)`;
const FILES = `SELECT id::INTEGER AS id, IMAGE('img-' || id || '.png') AS photo FROM range(1, ${N + 1}) t(id) ORDER BY id`;
const expected = (ids: readonly number[]) => ids.map((id) => [id, colourOf(id), 'circle']);

test.before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rvbbit-image-files-'));
  dir = join(root, 'photos');
  mkdirSync(dir);
  for (let id = 1; id <= N; id++) writeFileSync(join(dir, `img-${id}.png`), pngOf(id));
  execFileSync('mkfifo', [join(dir, 'fifo.png')]);
  symlinkSync(join(dir, 'fifo.png'), join(dir, 'fifo-link.png'));
  mkdirSync(join(dir, 'album.png'));
  symlinkSync('/dev/zero', join(dir, 'zero.png'));
  writeFileSync(join(dir, 'exif.jpg'), jpeg(1600, 1200, 3 * 65533));
  writeFileSync(join(dir, 'cut.jpg'), jpeg(1600, 1200, 3 * 65533).subarray(0, 100_000));
  sim = await startSimulator({ latencyMs: 40, record: true });
});
test.after(async () => {
  // The shell and its sleep: the writer's process group.
  if (writer?.pid !== undefined && writer.exitCode === null) process.kill(-writer.pid, 'SIGKILL');
  await Promise.allSettled(engines.map((e) => e.close()));
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

test('a FIFO, a FIFO behind a symlink, a folder: IMAGE_NOT_FOUND at once, never opened; /dev/zero behind a symlink is outside', async () => {
  const e = await engineWith();
  // Were the FIFO opened (the old code), this writer would let open() return after a minute:
  // the test then fails on time and message instead of hanging for ever. A minute, not seconds,
  // so that a busy machine's slowness cannot pass for that wait.
  writer = spawn('sh', ['-c', `sleep 60; : > '${join(dir, 'fifo.png')}'`], {
    stdio: 'ignore',
    detached: true,
  });
  const cases: [string, string, string][] = [
    ['fifo.png', 'IMAGE_NOT_FOUND', 'IMAGE: file fifo.png is a FIFO, not a regular file'],
    ['fifo-link.png', 'IMAGE_NOT_FOUND', 'IMAGE: file fifo-link.png is a FIFO, not a regular file'],
    ['album.png', 'IMAGE_NOT_FOUND', 'IMAGE: file album.png is a folder, not a regular file'],
    [
      'zero.png',
      'IMAGE_OUTSIDE_FOLDERS',
      `IMAGE: file zero.png is outside the allowed image folders (${dir})`,
    ],
  ];
  for (const [name, code, message] of cases) {
    const t0 = performance.now();
    const err = await errorOf(e, `SELECT IMAGE('${name}') AS i`);
    const ms = performance.now() - t0;
    assert.is(err.code, code, name);
    assert.is(err.message, message);
    assert.ok(ms < 30_000, `${name}: ${ms.toFixed(0)} ms, as if it waited for the writer`);
  }
  // Inside a MAP's USING query too: the statement fails with the code, at once.
  const err = await errorOf(e, MAP(`SELECT 1 AS id, IMAGE('fifo.png') AS photo`));
  assert.is(err.code, 'IMAGE_NOT_FOUND');
});

test('a device inside an image folder (/dev) is refused by its stat, unopened', async () => {
  const e = await engineWith({ imageFolders: ['/dev'] });
  for (const name of ['zero', 'null', '/dev/urandom']) {
    const err = await errorOf(e, `SELECT IMAGE('${name}') AS i`);
    assert.is(err.code, 'IMAGE_NOT_FOUND');
    assert.is(err.message, `IMAGE: file ${name} is a device, not a regular file`);
  }
});

test('a JPEG: its size read past a 192 KB EXIF block in small reads; EXPLAIN counts its tokens from the marker; a cut header is refused', async () => {
  const e = await engineWith();
  const marker = String((await e.query(`SELECT IMAGE('exif.jpg') AS i`)).rows[0]!.i);
  const url = /^<image>(.*)<\/image>$/.exec(marker)![1]!;
  const ref = imageFileRef(url)!;
  assert.equal(
    { path: ref.path, bytes: ref.bytes, format: ref.format, width: ref.width, height: ref.height },
    {
      path: realpathSync(join(dir, 'exif.jpg')),
      bytes: readFileSync(join(dir, 'exif.jpg')).length,
      format: 'jpeg',
      width: 1600,
      height: 1200,
    },
  );
  const r = await e.query(`EXPLAIN SELECT IMAGE('exif.jpg') MEANS 'a red circle' AS red`);
  const est = Number(r.rows.find((x) => x.property === 'est_tokens_in')!.value);
  const tokens = imageTokens(1600, 1200);
  assert.is(tokens, 765);
  // The prompt's text is under 200 tokens; the file's 196 KB as text would be ~65k.
  assert.ok(est > tokens && est < tokens + 200, `est_tokens_in ${est}`);
  const err = await errorOf(e, `SELECT IMAGE('cut.jpg') AS i`);
  assert.is(err.code, 'IMAGE_UNKNOWN_FORMAT');
  assert.is(err.message, 'IMAGE: file cut.jpg starts as a JPEG image but its header is cut short or damaged');
});

test('the bound: at 1.5 images in flight the provider sees one request at a time and the peak held is one file; every row answers', async () => {
  const size = pngOf(1).length;
  const e = await engineWith({ maxImageBytesInFlight: Math.floor(size * 1.5) });
  const inFlight = e.shared.llm.images!.inFlight;
  sim.resetStats();
  const rows = await e.query(MAP(FILES));
  assert.equal(
    rows.rows.map((r) => [r.id, r.colour, r.shape]),
    expected(Array.from({ length: N }, (_, i) => i + 1)),
  );
  const stats = sim.stats();
  assert.is(stats.requests, N);
  assert.is(stats.maxInFlight, 1);
  // Each file differs in size by a few bytes: the peak is one of them, never two.
  assert.ok(
    imageBytesPeak(inFlight) >= size && imageBytesPeak(inFlight) < size + 100,
    `${imageBytesPeak(inFlight)}`,
  );
  assert.is(imageBytesHeld(inFlight), 0);
  // The default bound (64 MiB) lets PARALLEL 8 through: the bound, not the MAP, held it to one.
  // The gate holds answers until 4 are in flight, so a busy machine cannot make this pass or fail
  // (CI saw 3 at its peak without it: requests read ~300 KB each and a 40 ms answer ended first).
  const wide = await engineWith();
  sim.resetStats();
  sim.setOptions({ gate: { requests: 4, timeoutMs: 60_000 } });
  await wide.query(MAP(FILES));
  sim.setOptions({ gate: null });
  assert.not.ok(sim.stats().gateTimedOut, 'PARALLEL 8 never had 4 image requests in flight');
  assert.ok(sim.stats().maxInFlight >= 4, `max in flight ${sim.stats().maxInFlight}`);
  assert.is(imageBytesHeld(wide.shared.llm.images!.inFlight), 0);
});

test('packs are cut to the image bound: at 2.5 files in flight, or 2.5 files as the largest image, 12 images go 2 to a request, unannotated or -- @ batch: 4; EXPLAIN counts those calls; the same rows', async () => {
  // The files differ by a few bytes (their widths): two fit 2.5 of the smallest, three do not.
  const limit = Math.floor(pngOf(1).length * 2.5);
  assert.ok(pngOf(N - 1).length + pngOf(N).length <= limit);
  const red = Array.from({ length: N }, (_, i) => i + 1).filter((id) => colourOf(id) === 'red');
  const means = `SELECT id FROM range(1, ${N + 1}) t(id) WHERE IMAGE('img-' || id || '.png') MEANS 'red' ORDER BY id`;
  // The bound in flight; and the largest image (a pack holds no more than one unpacked request may).
  for (const options of [{ maxImageBytesInFlight: limit }, { maxImageBytes: limit }]) {
    const e = await engineWith(options);
    // Unannotated, the automatic pack (up to 16) would put all 12 files in one request; batch: 4, 4 in each of 3.
    for (const annotation of ['', '-- @ batch: 4\n']) {
      const sql = `-- @ cache: false\n${annotation}${means}`;
      const explained = await e.query(`EXPLAIN ${sql}`);
      const estCalls = explained.rows.find((r) => r.property === 'est_calls')?.value;
      sim.resetStats();
      const rows = await e.query(sql);
      assert.equal(
        rows.rows.map((r) => Number(r.id)),
        red,
      );
      const requests = sim.stats().promptsSeen!.map((p) => p.messages.flatMap((m) => m.images ?? []));
      assert.equal(
        requests.map((images) => images.length),
        [2, 2, 2, 2, 2, 2],
        `${JSON.stringify(options)} ${annotation}`,
      );
      for (const images of requests) {
        const bytes = images.reduce((sum, i) => sum + i.bytes, 0);
        assert.ok(bytes <= limit, `a request held ${bytes} bytes of images over the bound ${limit}`);
      }
      assert.is(String(estCalls), '6', annotation);
      assert.is(imageBytesHeld(e.shared.llm.images!.inFlight), 0);
    }
  }
});

test('files in packed prompts (4 images a call) and through the sequential strategy (its own worker): the same rows', async () => {
  const e = engines[0]!;
  const red = Array.from({ length: N }, (_, i) => i + 1).filter((id) => colourOf(id) === 'red');
  const means = `SELECT id FROM range(1, ${N + 1}) t(id) WHERE IMAGE('img-' || id || '.png') MEANS 'red' ORDER BY id`;
  sim.resetStats();
  const packed = await e.query(`-- @ cache: false\n-- @ batch: 4\n${means}`);
  assert.equal(
    packed.rows.map((r) => Number(r.id)),
    red,
  );
  assert.is(sim.stats().requests, 3);
  // The sequential strategy blocks the main thread on its own worker: the simulator must not
  // live on this thread (the built-in one runs on a thread of its own).
  const blocking = await engineWith({ provider: 'simulator' });
  const sequential = await blocking.query(`-- @ cache: false\n-- @ strategy: sequential\n${means}`);
  assert.equal(
    sequential.rows.map((r) => Number(r.id)),
    red,
  );
  assert.is(imageBytesHeld(blocking.shared.llm.images!.inFlight), 0);
  assert.is(imageBytesHeld(e.shared.llm.images!.inFlight), 0);
});

test('a file changed, removed or made a link since IMAGE() checked it fails its row with IMAGE_NOT_FOUND naming it; the others answer', async () => {
  const e = await engineWith();
  await e.query(`CREATE TABLE marked AS ${FILES}`);
  writeFileSync(join(dir, 'img-3.png'), pngOf(3, 10));
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'img-5.png'), later, later);
  rmSync(join(dir, 'img-7.png'));
  rmSync(join(dir, 'img-9.png'));
  symlinkSync(join(dir, 'img-1.png'), join(dir, 'img-9.png'));
  try {
    const r = await e.query(MAP('SELECT * FROM marked ORDER BY id'));
    const failed = r.rows.filter((x) => x._error !== null).map((x) => [x.id, x._error]);
    const changed = (what: string) =>
      `${what} since IMAGE() checked it; IMAGE() on it again takes the new one`;
    const size3 = pngOf(3).length;
    assert.equal(failed, [
      [3, changed(`IMAGE: file img-3.png changed size (${size3} → ${pngOf(3, 10).length} bytes)`)],
      [5, changed('IMAGE: file img-5.png changed')],
      [7, 'IMAGE: file img-7.png is gone since IMAGE() checked it'],
      [9, changed('IMAGE: file img-9.png became a link')],
    ]);
    // The row's code, as logged: IMAGE_NOT_FOUND (58030 through the server).
    const logged = await e.query(
      `SELECT row_index::INTEGER AS i, error FROM rvbbit.unified_logs
       WHERE query_id = (SELECT query_id FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1) AND status = 'error'
       ORDER BY row_index`,
    );
    assert.equal(
      logged.rows.map((x) => [x.i, x.error]),
      failed.map(([id, message]) => [Number(id) - 1, `IMAGE_NOT_FOUND: ${message}`]),
    );
    assert.equal(
      r.rows.filter((x) => x._error === null).map((x) => [x.id, x.colour, x.shape]),
      expected([1, 2, 4, 6, 8, 10, 11, 12]),
    );
  } finally {
    for (const id of [3, 5, 7, 9]) {
      rmSync(join(dir, `img-${id}.png`), { force: true });
      writeFileSync(join(dir, `img-${id}.png`), pngOf(id));
    }
  }
});

test('a marker written by hand reads nothing IMAGE() would not: outside the folders, over maxImageBytes, malformed', async () => {
  const e = await engineWith({ maxImageBytes: 1_000_000 });
  const forged = (path: string, bytes: number) =>
    `<image>file://${path}?bytes=${bytes}&mtime=1&ino=1&type=png&width=1&height=1</image>`;
  // A semantic operator's failed call fails its statement (SEMANTIC_CALL_FAILED), naming the call's own code.
  const failedWith = async (sql: string, cause: string, message: string) => {
    const err = await errorOf(e, sql);
    assert.is(err.code, 'SEMANTIC_CALL_FAILED');
    assert.is(err.detail.cause, cause);
    assert.is(err.message, `semantic_means failed: ${cause}: ${message}`);
  };
  await failedWith(
    `SELECT '${forged('/etc/passwd', 10)}' MEANS 'red' AS m`,
    'IMAGE_NOT_FOUND',
    'IMAGE: image file /etc/passwd is outside the image folders this engine reads',
  );
  await failedWith(
    `SELECT '${forged(join(realpathSync(dir), 'img-1.png'), 2_000_000)}' MEANS 'red' AS m`,
    'IMAGE_TOO_LARGE',
    'IMAGE: file img-1.png is 2000000 bytes; images are limited to 1000000 bytes (engine option maxImageBytes)',
  );
  await failedWith(
    `SELECT '<image>file:///x.png?bytes=1</image>' MEANS 'red' AS m`,
    'IMAGE_NOT_FOUND',
    'IMAGE: not an image file reference IMAGE() made: file:///x.png?bytes=1',
  );
});

test('the body the provider gets: each file part its data URL, byte for byte as inlining gives; text that looks like one stays text', async () => {
  const e = await engineWith();
  const marker = String((await e.query(`SELECT IMAGE('img-2.png', 'low') AS i`)).rows[0]!.i);
  const access = e.shared.llm.images!;
  const text = `A "image_url":{"url":"file:///x"} in text, then ${marker} and again ${marker}.`;
  const messages = [{ role: 'user' as const, content: text }];
  const json = JSON.stringify(messages.map((m) => ({ role: m.role, content: contentParts(m.content) })));
  const body = await withImageFiles(messages, access, undefined, async (files) => {
    assert.is(files.size, 1);
    assert.is(imageBytesHeld(access.inFlight), pngOf(2).length);
    return bodyWithImageFiles(json, files);
  });
  assert.is(imageBytesHeld(access.inFlight), 0);
  const inlined = await inlineImageFiles(messages, access);
  const want = JSON.stringify(inlined.map((m) => ({ role: m.role, content: contentParts(m.content) })));
  assert.is(body.toString('utf8'), want);
  const parts = JSON.parse(want)[0].content as {
    type: string;
    text?: string;
    image_url?: { url: string; detail: string };
  }[];
  assert.equal(
    parts.map((p) => p.type),
    ['text', 'image_url', 'text', 'image_url', 'text'],
  );
  assert.is(parts[0]!.text, 'A "image_url":{"url":"file:///x"} in text, then ');
  assert.is(parts[1]!.image_url!.url, `data:image/png;base64,${pngOf(2).toString('base64')}`);
  assert.is(parts[1]!.image_url!.detail, 'low');
  // Through a client to the simulator: one image part a marker, the file's own bytes and description.
  const llm = createLlmClient({ baseUrl: sim.url, images: access });
  try {
    const seenBefore = sim.stats().promptsSeen!.length;
    await llm.chat({ model: 'sim-small', messages });
    const seen = sim.stats().promptsSeen!.slice(seenBefore)[0]!.messages[0]!;
    const sha = createHash('sha256').update(pngOf(2)).digest('hex');
    assert.equal(
      seen.images!.map((i) => [i.sha256, i.description, i.tokens]),
      [
        [sha, 'a green circle', 85],
        [sha, 'a green circle', 85],
      ],
    );
  } finally {
    await llm.close();
  }
});

test('the bound across threads: waits while full, wakes on release; a thread that died holding bytes gives them back', async () => {
  const buffer = createImageBytesBuffer(1000);
  const { acquireImageBytes, releaseImageBytes } = await import('../../src/llm/image-files.js');
  assert.is(await acquireImageBytes(buffer, 600), 600);
  let second = false;
  const waiting = acquireImageBytes(buffer, 600).then((n) => {
    second = true;
    return n;
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.is(second, false);
  releaseImageBytes(buffer, 600);
  assert.is(await waiting, 600);
  // More than the whole bound: it runs alone, taking all of it.
  releaseImageBytes(buffer, 600);
  assert.is(await acquireImageBytes(buffer, 5000), 1000);
  releaseImageBytes(buffer, 1000);
  const ac = new AbortController();
  await acquireImageBytes(buffer, 1000);
  const aborted = acquireImageBytes(buffer, 1, ac.signal).catch((e: unknown) => e);
  ac.abort(new Error('stop'));
  assert.is(((await aborted) as Error).message, 'stop');
  releaseImageBytes(buffer, 1000);
  assert.is(imageBytesHeld(buffer), 0);

  // A worker thread mid-request (its provider never answers), then terminated.
  const hanging = await startSimulator({ hangRate: 1 });
  try {
    const e = engines[0]!;
    const marker = String((await e.query(`SELECT IMAGE('img-4.png') AS i`)).rows[0]!.i);
    const inFlight = createImageBytesBuffer(10_000_000);
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./image-bytes-worker.ts', import.meta.url).href)}); })`;
    const worker = new Worker(boot, {
      eval: true,
      workerData: { url: hanging.url, folder: realpathSync(dir), inFlight, marker },
    });
    const threadId = worker.threadId;
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.is(imageBytesHeld(inFlight), pngOf(4).length);
    assert.is(reclaimImageBytes(inFlight, threadId), pngOf(4).length);
    assert.is(imageBytesHeld(inFlight), 0);
    assert.is(reclaimImageBytes(inFlight, threadId), 0);
  } finally {
    await hanging.close();
  }
});

test('batches cut at the image bound: at most `size` rows, their files together within it, each file counted once, a row over it alone', () => {
  const marker = (name: string, bytes: number) =>
    `<image>file:///srv/p/${name}.png?bytes=${bytes}&mtime=1&ino=1&type=png&width=1&height=1</image>`;
  const row = (...files: [string, number][]) => ({
    inputs: { photo: files.map(([n, b]) => marker(n, b)).join(' ') },
  });
  const sizes = (batches: { inputs: { photo: string } }[][]) =>
    batches.map((b) => b.map((r) => r.inputs.photo.match(/\/(\w+)\.png/g)!.join('+')));
  const rows = [
    row(['a', 40]),
    row(['b', 40]),
    row(['a', 40]),
    row(['c', 30]),
    row(['big', 500]),
    row(['d', 10]),
    row(),
  ];
  assert.equal(sizes(imageBoundedBatches(rows.slice(0, 6), 16, 100)), [
    // a, b and a again: 80 bytes (a once); c would make 110.
    ['/a.png', '/b.png', '/a.png'],
    ['/c.png'],
    // Over the bound alone: a batch of its own, rather than never.
    ['/big.png'],
    ['/d.png'],
  ]);
  // The row count still cuts; a row without files adds nothing.
  assert.equal(
    imageBoundedBatches(rows, 2, 100).map((b) => b.length),
    [2, 2, 1, 2],
  );
  // No bound (a client that reads no image files): batches of `size`.
  assert.equal(
    imageBoundedBatches(rows, 4, undefined).map((b) => b.length),
    [4, 3],
  );
});

test('which chunk rows name an image file (they stay on the coordinator under a queue)', () => {
  const marker = '<image>file:///srv/p/a.png?bytes=1&mtime=1&ino=1&type=png&width=1&height=1</image>';
  assert.is(valueHoldsImageFile(`look: ${marker}`), true);
  assert.is(valueHoldsImageFile({ photo: marker }), true);
  assert.is(valueHoldsImageFile({ rows: [{ a: 1 }, { b: [marker] }] }), true);
  assert.is(valueHoldsImageFile('<image>data:image/png;base64,AAAA</image>'), false);
  assert.is(valueHoldsImageFile({ text: 'file:///x', n: 3, blob: new Uint8Array(10) }), false);
  assert.is(valueHoldsImageFile(null), false);
});

test.run();
