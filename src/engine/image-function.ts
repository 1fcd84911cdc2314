/**
 * `IMAGE(x [, detail])`: a plain DuckDB scalar function, registered once per
 * database, that makes an image of a value for a prompt. It returns the text
 * `<image>URL</image>` (`<image detail="low">…` with a detail), which
 * operators, MAP cascades and LLM() render into their prompts like any text;
 * the LLM client sends it as an image part (src/llm/images.ts). URL is:
 *
 * - a BLOB: `data:<mime>;base64,…`, the format sniffed from its first bytes
 *   (PNG, JPEG, GIF or WEBP: what OpenAI takes), anything else refused;
 * - a `data:image/(png|jpeg|gif|webp);base64,…` text: checked (the base64
 *   decodes, the bytes are the type it declares) and passed on;
 * - an `https://` text: passed on (the provider fetches it; no request here);
 *   `http://` and every other scheme are refused;
 * - any other text: a file, allowed only when its real path (symlinks
 *   resolved) is inside one of the engine's image folders (`imageFolders`;
 *   none by default, so a path is refused until a folder is allowed). A
 *   relative path is taken from the first folder. The file is checked here,
 *   not read: the URL is `file:///real/path?bytes=…&mtime=…&ino=…&type=…&
 *   width=…&height=…` (images.ts imageFileUrl), and the thread that makes the
 *   request reads it, within the engine's bound on image bytes in flight
 *   (llm/image-files.ts). A DuckDB function cannot wait and this one runs on
 *   the main thread, where reading a FIFO would block every client and
 *   reading forty 19 MB photos held them all for seconds.
 *
 * Every image is at most `maxImageBytes` (default 20 MiB, OpenAI's limit per
 * image). NULL gives NULL. Errors carry IMAGE_* codes (function-errors.ts
 * brings the code through DuckDB).
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, type Stats, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  BLOB,
  type DuckDBConnection,
  DuckDBScalarFunction,
  type DuckDBVector,
  VARCHAR,
} from '@duckdb/node-api';
import { type ErrorCode, RvbbitError } from '../../base/errors.js';
import { functionError } from '../db/function-errors.js';
import { fileKind, IMAGE_OPEN_FLAGS, insideFolder, MAX_IMAGE_BYTES_IN_FLIGHT } from '../llm/image-files.js';
import {
  IMAGE_MIME,
  type ImageDetail,
  type ImageFormat,
  imageFileUrl,
  imageMarker,
  imageSize,
  jpegSize,
  sniffImageFormat,
} from '../llm/images.js';

/** OpenAI's limit per image ("Images and vision": up to 20 MB per image). */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/**
 * Image bytes the process's requests hold at once by default (64 MiB: three
 * images at OpenAI's 20 MB limit, each also held as base64 and in its
 * request body, so a few hundred MB at most whatever a statement's rows).
 */
export const DEFAULT_MAX_IMAGE_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface ImageSettings {
  /** Allowed folders: each as given (resolved) and as its real path. */
  readonly folders: readonly { readonly given: string; readonly real: string }[];
  readonly maxBytes: number;
  /** Bytes of image files the process's requests hold at once (llm/image-files.ts). */
  readonly maxInFlight: number;
}

/** The engine's image settings from its options; ENGINE_OPTION when a folder is missing or a limit is bad. */
export function imageSettings(
  folders: readonly string[] = [],
  maxBytes?: number,
  maxInFlight?: number,
): ImageSettings {
  if (!Array.isArray(folders) || folders.some((f) => typeof f !== 'string' || f === '')) {
    throw new RvbbitError('ENGINE_OPTION', 'options.imageFolders must be a list of folder paths');
  }
  const max = maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  if (!Number.isInteger(max) || max < 1) {
    throw new RvbbitError('ENGINE_OPTION', 'options.maxImageBytes must be a positive integer');
  }
  const inFlight = maxInFlight ?? DEFAULT_MAX_IMAGE_BYTES_IN_FLIGHT;
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > MAX_IMAGE_BYTES_IN_FLIGHT) {
    throw new RvbbitError(
      'ENGINE_OPTION',
      `options.maxImageBytesInFlight must be an integer from 1 to ${MAX_IMAGE_BYTES_IN_FLIGHT}`,
    );
  }
  const out = folders.map((f) => {
    const given = resolve(f);
    let real: string;
    try {
      real = realpathSync(given);
    } catch {
      throw new RvbbitError('ENGINE_OPTION', `image folder not found: ${f}`);
    }
    if (!statSync(real).isDirectory())
      throw new RvbbitError('ENGINE_OPTION', `image folder is not a folder: ${f}`);
    return { given, real };
  });
  return { folders: out, maxBytes: max, maxInFlight: inFlight };
}

const registered = new WeakSet<object>();

/** Registers IMAGE(BLOB|VARCHAR [, VARCHAR]) once per database (`db` identifies it). */
export function registerImageFunction(db: object, con: DuckDBConnection, settings: ImageSettings): void {
  if (registered.has(db)) return;
  for (const input of [BLOB, VARCHAR]) {
    for (const withDetail of [false, true]) {
      con.registerScalarFunction(
        DuckDBScalarFunction.create({
          name: 'image',
          returnType: VARCHAR,
          parameterTypes: withDetail ? [input, VARCHAR] : [input],
          // NULLs reach the body, which answers NULL for them.
          specialHandling: true,
          mainFunction: (info, chunk, output) => {
            try {
              const values = chunk.getColumnVector(0);
              const details = withDetail ? chunk.getColumnVector(1) : undefined;
              for (let r = 0; r < chunk.rowCount; r++) {
                output.setItem(r, imageOf(values, details, r, settings));
              }
              output.flush();
            } catch (err) {
              const e =
                err instanceof RvbbitError
                  ? err
                  : new RvbbitError('INTERNAL', `IMAGE: ${(err as Error)?.message ?? String(err)}`);
              info.setError(functionError(e));
            }
          },
        }),
      );
    }
  }
  registered.add(db);
}

function refuse(code: ErrorCode, message: string, detail: Record<string, unknown> = {}): RvbbitError {
  return new RvbbitError(code, `IMAGE: ${message}`, detail);
}

function imageOf(
  values: DuckDBVector,
  details: DuckDBVector | undefined,
  row: number,
  settings: ImageSettings,
): string | null {
  const value = values.getItem(row) as unknown;
  if (value === null || value === undefined) return null;
  let detail: ImageDetail | undefined;
  if (details) {
    const d = details.getItem(row) as string | null;
    if (d !== null) {
      const lower = d.trim().toLowerCase();
      if (lower !== 'low' && lower !== 'high' && lower !== 'auto') {
        throw refuse('IMAGE_BAD_ARGUMENT', `detail must be 'low', 'high' or 'auto', got '${d.slice(0, 40)}'`);
      }
      detail = lower;
    }
  }
  if (typeof value === 'string') return imageMarker(urlOfText(value, settings), detail);
  const bytes = (value as { bytes?: unknown }).bytes;
  if (!(bytes instanceof Uint8Array)) throw refuse('IMAGE_BAD_ARGUMENT', 'expects a BLOB or a VARCHAR');
  return imageMarker(dataUrl(bytes, settings, 'the BLOB'), detail);
}

/** A data URL of bytes of one of the four formats; refused when larger than the limit or of another format. */
function dataUrl(bytes: Uint8Array, settings: ImageSettings, what: string): string {
  checkSize(bytes.length, settings, what);
  const format = checkedFormat(bytes, what);
  return `data:${IMAGE_MIME[format]};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

function checkSize(size: number, settings: ImageSettings, what: string): void {
  if (size > settings.maxBytes) {
    throw refuse(
      'IMAGE_TOO_LARGE',
      `${what} is ${mib(size)} (${size} bytes); images are limited to ${mib(settings.maxBytes)} (${settings.maxBytes} bytes; engine option maxImageBytes)`,
      { bytes: size, limit: settings.maxBytes },
    );
  }
}

function checkedFormat(bytes: Uint8Array, what: string): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw refuse(
      'IMAGE_UNKNOWN_FORMAT',
      `${what} is not a PNG, JPEG, GIF or WEBP image (${firstBytes(bytes)})`,
    );
  }
  if (imageSize(bytes, format) === undefined) {
    throw refuse(
      'IMAGE_UNKNOWN_FORMAT',
      `${what} starts as a ${format.toUpperCase()} image but its header is cut short or damaged`,
    );
  }
  return format;
}

/** The first bytes, in hex and as text: what the value seems to be. */
function firstBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const head = bytes.subarray(0, 8);
  const hex = [...head].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = [...head].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `its first bytes are ${hex}: "${text}"`;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;
const DATA_URL = /^data:image\/(png|jpeg|jpg|gif|webp);base64,/i;

function urlOfText(text: string, settings: ImageSettings): string {
  const value = text.trim();
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'data') {
    const m = DATA_URL.exec(value);
    if (!m) {
      throw refuse(
        'IMAGE_BAD_ARGUMENT',
        `a data: URL must be data:image/png, image/jpeg, image/gif or image/webp with ;base64, (got '${value.slice(0, 40)}…')`,
      );
    }
    const declared = (m[1]!.toLowerCase() === 'jpg' ? 'jpeg' : m[1]!.toLowerCase()) as ImageFormat;
    const b64 = value.slice(m[0].length);
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      throw refuse('IMAGE_BAD_ARGUMENT', 'the data: URL is not valid base64');
    }
    // Its size is known from the text alone: refused before anything is decoded.
    checkSize(
      (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0),
      settings,
      'the data: URL',
    );
    const bytes = Buffer.from(b64, 'base64');
    const format = checkedFormat(bytes, 'the data: URL');
    if (format !== declared) {
      throw refuse(
        'IMAGE_UNKNOWN_FORMAT',
        `the data: URL says image/${declared} but its bytes are a ${format.toUpperCase()} image`,
      );
    }
    return `data:${IMAGE_MIME[format]};base64,${b64}`;
  }
  if (scheme === 'https') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw refuse('IMAGE_BAD_ARGUMENT', `not a valid URL: '${value.slice(0, 200)}'`);
    }
    if (!url.hostname) throw refuse('IMAGE_BAD_ARGUMENT', `the URL has no host: '${value.slice(0, 200)}'`);
    return url.href;
  }
  if (scheme === 'http') {
    throw refuse(
      'IMAGE_BAD_ARGUMENT',
      `http:// URLs are refused (the provider would fetch the image unencrypted): use https://, a BLOB or a file in an allowed image folder (${value.slice(0, 200)})`,
    );
  }
  if (scheme !== undefined) {
    throw refuse(
      'IMAGE_BAD_ARGUMENT',
      `${scheme}: URLs are not taken: give a BLOB, a data:image/… URL, an https:// URL or a file path`,
    );
  }
  return checkedImageFile(value, settings);
}

/**
 * The first read of a file's header: PNG's IHDR, GIF's screen and WEBP's
 * VP8/VP8L/VP8X chunk are within 30 bytes, a JPEG's SOF usually within a few
 * KB; one past it (after a large EXIF block) is found segment by segment.
 */
const HEAD_BYTES = 4096;
/** JPEG segments walked at most before the header is taken as damaged (a real file has a dozen or so). */
const MAX_JPEG_SEGMENTS = 1024;

/**
 * A file inside an allowed folder, checked but not read: the marker's URL
 * (images.ts imageFileUrl) with its real path, size, modification time,
 * inode, format and pixel size; the worker thread that makes the request
 * reads it (llm/image-files.ts). This runs on the main thread, inside
 * DuckDB's call, so nothing here may block or take long: the path as written
 * is checked first (no file is touched for a path outside every folder),
 * then its real path (a symlink inside cannot lead outside); it is stat'ed
 * before it is opened, so a FIFO, socket, device or folder is refused
 * unopened; the open is non-blocking and follows no link (IMAGE_OPEN_FLAGS),
 * and what was opened must still be a regular file (fstat); only its header
 * is read, in small reads at known offsets.
 */
function checkedImageFile(path: string, settings: ImageSettings): string {
  const { folders } = settings;
  if (folders.length === 0) {
    throw refuse(
      'IMAGE_OUTSIDE_FOLDERS',
      `reading image files is not allowed: no image folder is configured (createEngine({ imageFolders: [dir] }), rvbbit --image-dir <dir>, or image_dirs in rvbbit.config.yaml); got ${path}`,
    );
  }
  const target = isAbsolute(path) ? resolve(path) : resolve(folders[0]!.given, path);
  const shown = folders.map((f) => f.given).join(', ');
  const outside = () =>
    refuse('IMAGE_OUTSIDE_FOLDERS', `file ${path} is outside the allowed image folders (${shown})`, {
      path,
    });
  if (!folders.some((f) => insideFolder(target, f.given) || insideFolder(target, f.real))) throw outside();
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    throw refuse('IMAGE_NOT_FOUND', `no such file: ${path}`, { path });
  }
  if (!folders.some((f) => insideFolder(real, f.real))) throw outside();
  const notRegular = (st: Parameters<typeof fileKind>[0]) =>
    refuse('IMAGE_NOT_FOUND', `file ${path} is ${fileKind(st)}, not a regular file`, { path });
  // Before the open: opening a FIFO for reading waits for a writer (this is the main thread).
  let before: Stats;
  try {
    before = statSync(real);
  } catch {
    throw refuse('IMAGE_NOT_FOUND', `no such file: ${path}`, { path });
  }
  if (!before.isFile()) throw notRegular(before);
  let fd: number;
  try {
    fd = openSync(real, IMAGE_OPEN_FLAGS);
  } catch (err) {
    throw refuse(
      'IMAGE_NOT_FOUND',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        path,
      },
    );
  }
  try {
    // What was opened, which may not be what was stat'ed a moment before.
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw notRegular(st);
    const size = Number(st.size);
    checkSize(size, settings, `file ${path}`);
    const head = readAt(fd, 0, Math.min(HEAD_BYTES, size));
    const format = sniffImageFormat(head);
    if (format === undefined) {
      throw refuse(
        'IMAGE_UNKNOWN_FORMAT',
        `file ${path} is not a PNG, JPEG, GIF or WEBP image (${firstBytes(head)})`,
      );
    }
    const dims =
      imageSize(head, format) ??
      (format === 'jpeg' && size > head.length
        ? jpegSize((at, length) => readAt(fd, at, length), size, MAX_JPEG_SEGMENTS)
        : undefined);
    if (dims === undefined) {
      throw refuse(
        'IMAGE_UNKNOWN_FORMAT',
        `file ${path} starts as a ${format.toUpperCase()} image but its header is cut short or damaged`,
      );
    }
    return imageFileUrl({
      path: real,
      bytes: size,
      mtimeNs: st.mtimeNs.toString(),
      ino: st.ino.toString(),
      format,
      width: dims.width,
      height: dims.height,
    });
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes of the file at `offset` (fewer at its end). */
function readAt(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, bytes, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? bytes : bytes.subarray(0, got);
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
