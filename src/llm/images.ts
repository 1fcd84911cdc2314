/**
 * Images in prompts. `IMAGE(x)` in SQL (src/engine/image-function.ts) turns
 * a value into the text `<image>URL</image>` (URL a `data:image/…;base64,`
 * URL, an `https://` one, or a `file:///…?bytes=…` reference to a file of an
 * image folder, which the worker making the request reads: image-files.ts),
 * which travels like any other text through templates, packed prompts,
 * caches and worker threads. Here, where a chat request's body is made, a
 * user message holding such markers becomes OpenAI's content array (Chat API
 * reference, "User message": `text` and `image_url` parts, in order); a
 * message without one stays a string, so every other request is byte for
 * byte what it was.
 *
 * Also here: which of the four formats OpenAI takes a byte string is (PNG,
 * JPEG, GIF, WEBP: "Images and vision", image input requirements), its
 * width and height read from its header (no image library), and what it
 * costs in tokens by OpenAI's documented rule for GPT-4o-class models, used
 * wherever a prompt's tokens are estimated before a call.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type ImageDetail = 'low' | 'high' | 'auto';

export const IMAGE_MIME: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** The format of `bytes` from its magic number, or undefined when it is none of the four. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a ? 'png' : undefined;
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && ascii(b, 0, 6).match(/^GIF8[79]a$/)) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Width and height from the header: PNG's IHDR, JPEG's first SOFn marker,
 * GIF's logical screen, WEBP's VP8 / VP8L / VP8X chunk. Undefined when the
 * header is missing or cut short.
 */
export function imageSize(bytes: Uint8Array, format = sniffImageFormat(bytes)): ImageSize | undefined {
  const b = bytes;
  const u16le = (i: number) => b[i]! | (b[i + 1]! << 8);
  const u24le = (i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
  const u32be = (i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
  const size = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  switch (format) {
    case 'png':
      // Signature (8), then the IHDR chunk: length (4), "IHDR", width, height.
      if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return undefined;
      return size(u32be(16), u32be(20));
    case 'gif':
      if (b.length < 10) return undefined;
      return size(u16le(6), u16le(8));
    case 'jpeg':
      return jpegSize((at, length) => b.subarray(at, at + length), b.length);
    case 'webp': {
      if (b.length < 30) return undefined;
      const chunk = ascii(b, 12, 16);
      if (chunk === 'VP8 ') {
        // Frame tag (3) and start code 9d 01 2a, then 14-bit width and height.
        if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
        return size(u16le(26) & 0x3fff, u16le(28) & 0x3fff);
      }
      if (chunk === 'VP8L') {
        if (b[20] !== 0x2f) return undefined;
        const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
        return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
      }
      if (chunk === 'VP8X') return size(u24le(24) + 1, u24le(27) + 1);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Bytes of an image at an offset: fewer than asked at its end (a buffer's slice, or a file read). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/**
 * A JPEG's width and height from its first SOFn marker, walking the segments
 * from offset 2: each one's 9 header bytes are read at its offset and its body
 * skipped (so in a file an EXIF block of any size costs one read). Undefined
 * for a damaged or cut header, or past `maxSegments` segments.
 */
export function jpegSize(
  readAt: ReadAt,
  size: number,
  maxSegments = Number.POSITIVE_INFINITY,
): ImageSize | undefined {
  let i = 2;
  for (let n = 0; n < maxSegments && i + 4 <= size; n++) {
    const b = readAt(i, 9);
    if (b.length < 4 || b[0] !== 0xff) return undefined;
    const marker = b[1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI / SOS before any SOF
    const u16be = (at: number) => (b[at]! << 8) | b[at + 1]!;
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision (1), height (2), width (2).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (b.length < 9) return undefined;
      const height = u16be(5);
      const width = u16be(7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    const length = u16be(2);
    if (length < 2) return undefined;
    i += 2 + length;
  }
  return undefined;
}

/**
 * Tokens one image costs a GPT-4o-class model (OpenAI, "Images and vision",
 * calculating costs): `low` is 85; `high` (and `auto`, taken as high) scales
 * the image to fit in 2048 × 2048, then so its shortest side is at most 768,
 * and counts 170 per 512-px tile it covers, plus 85. 1024 × 1024 is 765;
 * 2048 × 4096 is 1105. Images are never scaled up.
 */
export function imageTokens(width: number, height: number, detail: ImageDetail = 'auto'): number {
  if (detail === 'low') return 85;
  let w = width;
  let h = height;
  if (w > 2048 || h > 2048) {
    const f = 2048 / Math.max(w, h);
    w *= f;
    h *= f;
  }
  if (Math.min(w, h) > 768) {
    const f = 768 / Math.min(w, h);
    w *= f;
    h *= f;
  }
  return 170 * Math.ceil(Math.floor(w) / 512) * Math.ceil(Math.floor(h) / 512) + 85;
}

/** The size an `https://` image is taken to have where its bytes are not at hand (one 512-px tile). */
export const URL_IMAGE_SIZE: ImageSize = { width: 512, height: 512 };

/**
 * `<image>URL</image>`, optionally `<image detail="low">…`: URL a base64
 * data URL of one of the four formats, an https URL without spaces, quotes
 * or angle brackets, or a file reference (imageFileUrl). Any other text
 * between such tags is left as text.
 */
const MARKER =
  /<image(?: detail="(low|high|auto)")?>(data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]*={0,2}|https:\/\/[^\s<>"]+|file:\/\/\/[^\s<>"]+)<\/image>/g;

/**
 * A file IMAGE() checked but did not read: its real path, the version it
 * saw (size, modification time in ns, inode: all part of the marker, so a
 * prompt's cache key changes when the file does) and its header's facts
 * (format, width and height: what token estimates need without the bytes).
 */
export interface ImageFileRef {
  readonly path: string;
  readonly bytes: number;
  readonly mtimeNs: string;
  readonly ino: string;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

/**
 * `file:///real/path?bytes=…&mtime=…&ino=…&type=png&width=…&height=…`: the
 * path percent-encoded (pathToFileURL), so the URL holds no space, quote or
 * angle bracket and survives templates' JSON escaping as it is.
 */
export function imageFileUrl(ref: ImageFileRef): string {
  return `${pathToFileURL(ref.path).href}?bytes=${ref.bytes}&mtime=${ref.mtimeNs}&ino=${ref.ino}&type=${ref.format}&width=${ref.width}&height=${ref.height}`;
}

const DIGITS = /^\d+$/;

/** The file a `file:///…` image URL names, or undefined when it is not one imageFileUrl writes. */
export function imageFileRef(url: string): ImageFileRef | undefined {
  if (!url.startsWith('file:///')) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const q = u.searchParams;
  const [bytes, mtimeNs, ino, format, width, height] = [
    'bytes',
    'mtime',
    'ino',
    'type',
    'width',
    'height',
  ].map((k) => q.get(k) ?? '') as [string, string, string, string, string, string];
  if (
    ![bytes, mtimeNs, ino, width, height].every((v) => DIGITS.test(v)) ||
    !Object.hasOwn(IMAGE_MIME, format)
  ) {
    return undefined;
  }
  let path: string;
  try {
    path = fileURLToPath(`file://${u.pathname}`);
  } catch {
    return undefined;
  }
  return {
    path,
    bytes: Number(bytes),
    mtimeNs,
    ino,
    format: format as ImageFormat,
    width: Number(width),
    height: Number(height),
  };
}

/** The marker IMAGE() writes for a URL. */
export function imageMarker(url: string, detail?: ImageDetail): string {
  return detail === undefined || detail === 'auto'
    ? `<image>${url}</image>`
    : `<image detail="${detail}">${url}</image>`;
}

export interface ImageRef {
  readonly url: string;
  readonly detail: ImageDetail;
}

/** One part of a user message's content array (Chat API). */
export type ContentPart =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'image_url';
      readonly image_url: { readonly url: string; readonly detail: ImageDetail };
    };

/** Whether `text` may hold an image marker (a cheap test before the regex). */
export function mayHoldImage(text: string): boolean {
  return text.includes('<image');
}

/**
 * The text cut at its image markers: text parts (empty ones dropped) and
 * image parts in order. A text without a marker is returned as it is.
 */
export function contentParts(text: string): string | ContentPart[] {
  if (!mayHoldImage(text)) return text;
  const parts: ContentPart[] = [];
  let at = 0;
  for (const m of text.matchAll(MARKER)) {
    if (m.index > at) parts.push({ type: 'text', text: text.slice(at, m.index) });
    parts.push({ type: 'image_url', image_url: { url: m[2]!, detail: (m[1] as ImageDetail) ?? 'auto' } });
    at = m.index + m[0].length;
  }
  if (parts.length === 0) return text;
  if (at < text.length) parts.push({ type: 'text', text: text.slice(at) });
  return parts;
}

/** The text without its image markers, and the images they held, in order. */
export function splitImages(text: string): { readonly text: string; readonly images: readonly ImageRef[] } {
  if (!mayHoldImage(text)) return { text, images: [] };
  const images: ImageRef[] = [];
  const rest = text.replace(MARKER, (_all, detail: string | undefined, url: string) => {
    images.push({ url, detail: (detail as ImageDetail | undefined) ?? 'auto' });
    return '';
  });
  return { text: rest, images };
}

/** A data URL's bytes and format, or undefined for an https URL (or a data URL that does not decode). */
export function dataUrlBytes(url: string): { bytes: Buffer; format: ImageFormat } | undefined {
  const m = /^data:image\/(png|jpeg|gif|webp);base64,/.exec(url);
  if (!m) return undefined;
  return { bytes: Buffer.from(url.slice(m[0].length), 'base64'), format: m[1] as ImageFormat };
}

/**
 * The tokens an image costs: a data URL's from its header, a file's from
 * the size its marker carries; an https URL's as one 512-px tile
 * (URL_IMAGE_SIZE: the provider fetches it, so its size is not known here).
 */
export function imageRefTokens(ref: ImageRef): number {
  const file = imageFileRef(ref.url);
  const data = file ? undefined : dataUrlBytes(ref.url);
  const size = file ?? (data && imageSize(data.bytes, data.format)) ?? URL_IMAGE_SIZE;
  return imageTokens(size.width, size.height, ref.detail);
}

/** A base64 image data URL of 48+ bytes, bare or in its marker. */
const DATA_IMAGE =
  /(?:<image(?: detail="(?:low|high|auto)")?>)?data:image\/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]{64,}={0,2})(?:<\/image>)?/g;

/**
 * The text with each base64 image (a data URL, bare or as IMAGE()'s marker)
 * in a short form, for what is logged or shown (rvbbit.queries.text):
 * `<image png 64x64 12 KB sha256:1f2e3d4c5b6a>`. Other text is unchanged.
 */
export function imageSummary(text: string): string {
  if (!text.includes(';base64,')) return text;
  return text.replace(DATA_IMAGE, (_all, format: ImageFormat, b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    const size = imageSize(bytes, format);
    const kb = Math.max(1, Math.round(bytes.length / 1024));
    const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    return `<image ${format} ${size ? `${size.width}x${size.height}` : '?x?'} ${kb} KB sha256:${sha}>`;
  });
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
