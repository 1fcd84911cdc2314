/**
 * Image files, read where the request is made. `IMAGE('path')`
 * (src/engine/image-function.ts) runs on the engine's main thread, where a
 * read that blocks (a FIFO) or a large one (a 19 MB photo, forty rows of it)
 * holds every client; so it only checks the file (a regular file, opened
 * non-blocking; its size; its header) and writes a marker that names it
 * (`<image>file:///real/path?bytes=…&mtime=…</image>`, images.ts). Here, in
 * the thread that makes the chat request (a pool worker; the main thread's
 * client for RUN, whose reads are async all the same), the file is read,
 * checked again, and its base64 written into that request's body as a data
 * URL (bodyWithImageFiles): the provider sees what OpenAI takes, never a path.
 *
 * The bytes a request holds (the file and its body, ~2.4 × the file) live
 * from the read until its answer; a SharedArrayBuffer counts the files'
 * bytes for every thread of the process at once (acquireImageBytes: the
 * engine's `maxImageBytesInFlight`, 64 MiB by default),
 * so a statement over many large images holds a few of them at a time,
 * whatever its row count or PARALLEL. A packed prompt (or a MAP BATCH) is
 * cut so that its files hold no more than one image may, within the bound
 * (imageBoundedBatches, batchImageBytes); only a request whose one tuple
 * names more than the whole bound runs alone, rather than never.
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { RvbbitError } from '../../base/errors.js';
import {
  IMAGE_MIME,
  type ImageFileRef,
  type ImageFormat,
  imageFileRef,
  mayHoldImage,
  sniffImageFormat,
} from './images.js';
import type { ChatMessage } from './types.js';

/** How a thread reads image files: the folders it may read (real paths) and the process's bound. */
export interface ImageFileAccess {
  /** Real paths of the engine's image folders: a file referenced outside them is not read. */
  readonly folders: readonly string[];
  /** The process's image bytes in flight (createImageBytesBuffer), shared by its threads. */
  readonly inFlight: SharedArrayBuffer;
  /**
   * The engine's maxImageBytes: checked again here, since a marker is text a
   * client could write itself (IMAGE() checked the ones it made).
   */
  readonly maxBytes: number;
}

/**
 * Flags of every open of an image file: read only; non-blocking, so a FIFO
 * (or a device) opens at once instead of waiting for a writer, and is then
 * refused by its fstat; no symlink as the last component (the path is a
 * real path already: one that became a link since is refused); no
 * controlling terminal. Constants a platform lacks are 0.
 */
export const IMAGE_OPEN_FLAGS =
  constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

/** Whether `path` is `folder` or inside it (both absolute and normalised). */
export function insideFolder(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** What a file that is not a regular one is, for messages. */
export function fileKind(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

// ── the bound ──

// Int32 cells: the limit, the bytes held now, the most ever held (for tests
// and measurements), then the bytes each thread holds (threadId % HOLDERS),
// so a worker that died holding some gives them back (reclaimImageBytes, as
// the LLM gate's slots are: shared-gate.ts). Int32: the limit is at most 1 GiB.
const LIMIT = 0;
const HELD = 1;
const PEAK = 2;
const CELLS = 3;
const HOLDERS = 128;
/** The largest bound: its cells are Int32. */
export const MAX_IMAGE_BYTES_IN_FLIGHT = 2 ** 30;
/** Longest wait before a waiter looks again: a release or reclaim notifies; this only covers a missed wake-up. */
const WAIT_MS = 50;

export function createImageBytesBuffer(limit: number): SharedArrayBuffer {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_IMAGE_BYTES_IN_FLIGHT) {
    throw new RvbbitError(
      'ENGINE_OPTION',
      `image bytes in flight must be an integer from 1 to ${MAX_IMAGE_BYTES_IN_FLIGHT}`,
    );
  }
  const buffer = new SharedArrayBuffer((CELLS + HOLDERS) * 4);
  new Int32Array(buffer)[LIMIT] = limit;
  return buffer;
}

/** The bytes of image files held for requests right now, across the process. */
export function imageBytesHeld(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer), HELD);
}

/** The most bytes of image files ever held at once (a measurement: never above the limit). */
export function imageBytesPeak(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer), PEAK);
}

/**
 * Takes `bytes` of the bound (all of it when `bytes` is more), waiting while
 * others hold too much; resolves to what was taken, to give back with
 * releaseImageBytes. Rejects with the signal's reason if it aborts first.
 */
export async function acquireImageBytes(
  buffer: SharedArrayBuffer,
  bytes: number,
  signal?: AbortSignal,
): Promise<number> {
  const cells = new Int32Array(buffer);
  const limit = Atomics.load(cells, LIMIT);
  const want = Math.max(0, Math.min(bytes, limit));
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const held = Atomics.load(cells, HELD);
    if (held + want <= limit) {
      if (Atomics.compareExchange(cells, HELD, held, held + want) !== held) continue;
      Atomics.add(cells, CELLS + (threadId % HOLDERS), want);
      for (let peak = Atomics.load(cells, PEAK); held + want > peak; peak = Atomics.load(cells, PEAK)) {
        if (Atomics.compareExchange(cells, PEAK, peak, held + want) === peak) break;
      }
      return want;
    }
    const waiting = Atomics.waitAsync(cells, HELD, held, WAIT_MS);
    if (waiting.async) await waiting.value;
  }
}

/**
 * The most image-file bytes one batch of rows (a packed prompt, a MAP
 * BATCH: imageBoundedBatches) may hold together: the process's bound on
 * bytes in flight, and no more than one image may be (maxImageBytes), so a
 * batch holds no more than one unpacked request could. A request's bytes
 * are held as garbage a while after its answer (its files, its body): at
 * 3 × 19 MB a pack, 40 rows of a 19 MB image grew `rvbbit serve`'s peak
 * RSS by 372 MiB, against ~160 MiB one image a request.
 */
export function batchImageBytes(access: ImageFileAccess): number {
  return Math.min(Atomics.load(new Int32Array(access.inFlight), LIMIT), access.maxBytes);
}

export function releaseImageBytes(buffer: SharedArrayBuffer, taken: number): void {
  if (taken <= 0) return;
  const cells = new Int32Array(buffer);
  Atomics.sub(cells, CELLS + (threadId % HOLDERS), taken);
  Atomics.sub(cells, HELD, taken);
  Atomics.notify(cells, HELD);
}

/**
 * Gives back what a worker thread that went away still held (its
 * `threadId`, from the pool's exit event): a thread terminated mid-request
 * (a crash, a render stopped for overrunning) never released its bytes, and
 * without this the bound would shrink for good. Returns the bytes reclaimed.
 */
export function reclaimImageBytes(buffer: SharedArrayBuffer, deadThreadId: number): number {
  // An exited Worker reports threadId -1: nothing of its own to return.
  if (deadThreadId < 0) return 0;
  const cells = new Int32Array(buffer);
  const n = Atomics.exchange(cells, CELLS + (deadThreadId % HOLDERS), 0);
  if (n > 0) {
    Atomics.sub(cells, HELD, n);
    Atomics.notify(cells, HELD);
  }
  return n;
}

// ── markers ──

const FILE_MARKER = /<image(?: detail="(low|high|auto)")?>(file:\/\/\/[^\s<>"]+)<\/image>/g;

/** Whether a user message of `messages` references an image file (only user messages carry images). */
export function holdsImageFiles(messages: readonly ChatMessage[]): boolean {
  return messages.some(
    (m) => m.role === 'user' && mayHoldImage(m.content) && m.content.includes('>file:///'),
  );
}

/** A request's image files as read: each file's bytes and format, by the URL its marker names. */
export type ImageFiles = ReadonlyMap<string, { readonly bytes: Buffer; readonly format: ImageFormat }>;

/**
 * Runs `run` with `messages`' image files read, holding their bytes of the
 * process's bound from before the first read until `run` ends (the request
 * holds them that long, retries included). `run` writes them into its body
 * with bodyWithImageFiles.
 */
export async function withImageFiles<T>(
  messages: readonly ChatMessage[],
  access: ImageFileAccess | undefined,
  signal: AbortSignal | undefined,
  run: (files: ImageFiles) => Promise<T>,
): Promise<T> {
  const refs = fileRefs(messages, access);
  if (refs.size === 0) return run(new Map());
  let total = 0;
  for (const ref of refs.values()) total += ref.bytes;
  const taken = await acquireImageBytes(access!.inFlight, total, signal);
  try {
    return await run(await readAll(refs, access!));
  } finally {
    releaseImageBytes(access!.inFlight, taken);
  }
}

/** How an image part naming a file reads in a request's JSON (client.ts bodyOf: contentParts, then JSON.stringify). */
const FILE_PART = '"image_url":{"url":"file:///';
const FILE_URL_AT = FILE_PART.length - 'file:///'.length;
/** Bytes base64-encoded at a time (a multiple of 3): small strings, however large the image. */
const BASE64_STEP = 3 * 16 * 1024;

/**
 * The request body `json` (made from messages whose file markers became
 * image_url parts with their file URLs) with each such URL replaced by the
 * file's data URL, as bytes. The base64 is written straight into the body a
 * slice at a time, so a request holds its files' bytes and its body, not
 * also a string of each image, the message holding it, and its JSON. The
 * pattern cannot occur inside a JSON string (its quotes would be escaped
 * there), only where an image part is; pathToFileURL's URLs hold no
 * character JSON escapes, so each is found as it was written.
 */
export function bodyWithImageFiles(json: string, files: ImageFiles): Buffer {
  const pieces: (string | { readonly bytes: Buffer; readonly format: ImageFormat })[] = [];
  let at = 0;
  for (let i = json.indexOf(FILE_PART); i !== -1; i = json.indexOf(FILE_PART, i + 1)) {
    const start = i + FILE_URL_AT;
    const end = json.indexOf('"', start);
    const file = end === -1 ? undefined : files.get(json.slice(start, end));
    if (!file) continue;
    pieces.push(json.slice(at, start), file);
    at = end;
  }
  pieces.push(json.slice(at));
  let size = 0;
  for (const p of pieces) {
    size +=
      typeof p === 'string'
        ? Buffer.byteLength(p, 'utf8')
        : dataUrlPrefix(p.format).length + 4 * Math.ceil(p.bytes.length / 3);
  }
  const body = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of pieces) {
    if (typeof p === 'string') {
      off += body.write(p, off, 'utf8');
      continue;
    }
    off += body.write(dataUrlPrefix(p.format), off, 'latin1');
    for (let i = 0; i < p.bytes.length; i += BASE64_STEP) {
      off += body.write(p.bytes.subarray(i, i + BASE64_STEP).toString('base64'), off, 'latin1');
    }
  }
  return body;
}

function dataUrlPrefix(format: ImageFormat): string {
  return `data:${IMAGE_MIME[format]};base64,`;
}

/**
 * `messages` with their image files inlined as data URLs, outside the
 * bound: for Batch API lines, which wait in a round for every run of the
 * chunk to ask (a bound held by a waiting line would keep the others from
 * asking). A round's lines are all in memory until its file is uploaded,
 * files or not (docs/images.md says so).
 */
export async function inlineImageFiles(
  messages: readonly ChatMessage[],
  access: ImageFileAccess | undefined,
): Promise<readonly ChatMessage[]> {
  const refs = fileRefs(messages, access);
  if (refs.size === 0) return messages;
  const files = await readAll(refs, access!);
  return messages.map((m) => {
    if (m.role !== 'user' || !mayHoldImage(m.content)) return m;
    const content = m.content.replace(FILE_MARKER, (all, detail: string | undefined, url: string) => {
      const file = files.get(url);
      if (file === undefined) return all;
      const data = `${dataUrlPrefix(file.format)}${file.bytes.toString('base64')}`;
      return detail === undefined ? `<image>${data}</image>` : `<image detail="${detail}">${data}</image>`;
    });
    return content === m.content ? m : { role: m.role, content };
  });
}

/**
 * Whether a value (a chunk row's input: text, or JSON-like data holding
 * text) holds a marker naming an image file: what the queue asks before a
 * chunk leaves this host (an `rvbbit worker` elsewhere cannot read it).
 */
export function valueHoldsImageFile(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return mayHoldImage(value) && value.includes('>file:///');
  // A BLOB's bytes hold no marker (and are not walked byte by byte).
  if (typeof value !== 'object' || value === null || depth > 32 || ArrayBuffer.isView(value)) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (valueHoldsImageFile(v, depth + 1)) return true;
  }
  return false;
}

/**
 * The image files a value names (a chunk row's input, walked as
 * valueHoldsImageFile walks it), by URL, with the bytes its marker says
 * (IMAGE() wrote them from the file's size): added to `into`. A marker that
 * is not one IMAGE() writes counts 0 here; its request refuses it.
 */
export function imageFilesOf(
  value: unknown,
  into = new Map<string, number>(),
  depth = 0,
): Map<string, number> {
  if (typeof value === 'string') {
    if (!mayHoldImage(value) || !value.includes('>file:///')) return into;
    for (const match of value.matchAll(FILE_MARKER)) {
      const url = match[2]!;
      if (!into.has(url)) into.set(url, imageFileRef(url)?.bytes ?? 0);
    }
    return into;
  }
  if (typeof value !== 'object' || value === null || depth > 32 || ArrayBuffer.isView(value)) return into;
  for (const v of Array.isArray(value) ? value : Object.values(value)) imageFilesOf(v, into, depth + 1);
  return into;
}

/**
 * `rows` in order, cut into batches (one request each: a packed prompt, a
 * MAP BATCH) of at most `size` rows whose image files hold at most `limit`
 * bytes together (batchImageBytes), each file counted once: a batch of large
 * images would otherwise take the whole bound alone (acquireImageBytes lets
 * a request over it through rather than never) and hold up to `size` files
 * and their bodies at once. A row whose own files are over `limit` goes alone. The
 * one rule the worker (workers/cascade-worker.ts) and EXPLAIN's pricing
 * (plan/call-cost.ts tuplesCost) cut by. `limit` undefined: no image bound
 * (a client that reads no image files), batches of `size`.
 */
export function imageBoundedBatches<T extends { readonly inputs: unknown }>(
  rows: readonly T[],
  size: number,
  limit: number | undefined,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let files = new Map<string, number>();
  let bytes = 0;
  for (const row of rows) {
    const own = limit === undefined ? undefined : imageFilesOf(row.inputs);
    let added = 0;
    for (const [url, n] of own ?? []) if (!files.has(url)) added += n;
    if (batch.length >= size || (limit !== undefined && batch.length > 0 && bytes + added > limit)) {
      batches.push(batch);
      batch = [];
      files = new Map();
      bytes = 0;
      added = 0;
      for (const n of own?.values() ?? []) added += n;
    }
    batch.push(row);
    for (const [url, n] of own ?? []) files.set(url, n);
    bytes += added;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The file references of the user messages, by URL (one read per file
 * however often it appears). `access` undefined: a client that reads no
 * image folder (a library user's own; an `rvbbit worker`, whose rows with
 * files stay on the coordinator) refuses them rather than send a path.
 */
function fileRefs(
  messages: readonly ChatMessage[],
  access: ImageFileAccess | undefined,
): Map<string, ImageFileRef> {
  const refs = new Map<string, ImageFileRef>();
  for (const m of messages) {
    if (m.role !== 'user' || !mayHoldImage(m.content)) continue;
    for (const match of m.content.matchAll(FILE_MARKER)) {
      const url = match[2]!;
      if (refs.has(url)) continue;
      const ref = imageFileRef(url);
      if (!ref) throw notReadable(`not an image file reference IMAGE() made: ${url.slice(0, 200)}`);
      if (!access) {
        throw notReadable(
          `image file ${ref.path} cannot be read here: this LLM client reads no image folder`,
        );
      }
      refs.set(url, ref);
    }
  }
  return refs;
}

async function readAll(
  refs: ReadonlyMap<string, ImageFileRef>,
  access: ImageFileAccess,
): Promise<ImageFiles> {
  const files = new Map<string, { bytes: Buffer; format: ImageFormat }>();
  // One at a time: a request's files are few, and reads in parallel would only hold more at once.
  for (const [url, ref] of refs)
    files.set(url, { bytes: await readImageFile(ref, access), format: ref.format });
  return files;
}

/**
 * The file's bytes, if it is still what IMAGE() checked: inside an
 * image folder, its real path the one named, a regular file of the same
 * size, modification time and inode, of the same format. Otherwise
 * IMAGE_NOT_FOUND naming the file relative to its folder.
 */
async function readImageFile(ref: ImageFileRef, access: ImageFileAccess): Promise<Buffer> {
  const folder = access.folders.find((f) => insideFolder(ref.path, f));
  if (folder === undefined) {
    throw notReadable(`image file ${ref.path} is outside the image folders this engine reads`);
  }
  const shown = relative(folder, ref.path) || ref.path;
  if (ref.bytes > access.maxBytes) {
    throw new RvbbitError(
      'IMAGE_TOO_LARGE',
      `IMAGE: file ${shown} is ${ref.bytes} bytes; images are limited to ${access.maxBytes} bytes (engine option maxImageBytes)`,
      { path: shown, bytes: ref.bytes, limit: access.maxBytes },
    );
  }
  const changed = (what: string) =>
    notReadable(
      `file ${shown} ${what} since IMAGE() checked it; IMAGE() on it again takes the new one`,
      shown,
    );
  let real: string;
  try {
    real = await realpath(ref.path);
  } catch {
    throw notReadable(`file ${shown} is gone since IMAGE() checked it`, shown);
  }
  if (real !== ref.path) throw changed('became a link');
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(ref.path, IMAGE_OPEN_FLAGS);
  } catch (err) {
    throw notReadable(`cannot read file ${shown}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, shown);
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) throw changed(`became ${fileKind(st)}`);
    if (st.size !== BigInt(ref.bytes)) throw changed(`changed size (${ref.bytes} → ${st.size} bytes)`);
    if (st.mtimeNs.toString() !== ref.mtimeNs || st.ino.toString() !== ref.ino) throw changed('changed');
    const bytes = Buffer.allocUnsafe(ref.bytes);
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await handle.read(bytes, got, bytes.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== ref.bytes) throw changed(`was cut short (${got} of ${ref.bytes} bytes)`);
    if (sniffImageFormat(bytes) !== ref.format)
      throw changed(`is no longer a ${ref.format.toUpperCase()} image`);
    return bytes;
  } finally {
    await handle.close();
  }
}

function notReadable(message: string, path?: string): RvbbitError {
  return new RvbbitError('IMAGE_NOT_FOUND', `IMAGE: ${message}`, path === undefined ? {} : { path });
}
