/**
 * Image parts of a chat request, as the provider reads them (the simulator's
 * own reading: it stands in for the provider and shares no code with the
 * client). OpenAI's rules ("Images and vision", input requirements; Chat API
 * reference): an `image_url` part of a user message, its `url` a base64
 * data URL or an http(s) URL, `detail` low, high or auto; PNG, JPEG, GIF or
 * WEBP; at most 20 MB per image, 500 images and 50 MB of images per request.
 * Anything else is a 400 with OpenAI's words where they are known.
 *
 * What the simulator "sees" in an image is text: a PNG's `Description`
 * (a tEXt, zTXt or iTXt chunk), else a few words picked by a hash of its
 * bytes (of its URL, for an http(s) image it cannot fetch). The answers read
 * that text where the image was (chat-request.ts), so a prompt with an image
 * is judged as if its description stood there.
 *
 * Its tokens follow OpenAI's rule for GPT-4o-class models: 85 at `low`;
 * otherwise fit in 2048 × 2048, then the shortest side at most 768, 170 per
 * 512-px tile plus 85. An http(s) image is taken as 512 × 512 (255 tokens).
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

export type SimImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface SimImage {
  readonly format: SimImageFormat | 'url';
  readonly width: number;
  readonly height: number;
  /** Decoded bytes (0 for a URL the simulator does not fetch). */
  readonly bytes: number;
  readonly detail: 'low' | 'high' | 'auto';
  readonly tokens: number;
  /** What the simulator understands the image to show. */
  readonly description: string;
  /** sha256 of the bytes (of the URL for http(s)), hex. */
  readonly sha256: string;
}

/** A refusal: OpenAI's message and code. */
export interface ImageRefusal {
  readonly error: string;
  readonly code: string;
}

export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_IMAGES_PER_REQUEST = 500;
export const MAX_IMAGE_BYTES_PER_REQUEST = 50 * 1024 * 1024;

const UNSUPPORTED =
  "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].";

/** An `image_url` part's `{url, detail}` read into an image, or the 400 it gets. */
export function readImagePart(imageUrl: unknown): SimImage | ImageRefusal {
  const o = imageUrl as { url?: unknown; detail?: unknown } | null | undefined;
  const url = typeof o === 'string' ? o : o?.url;
  if (typeof url !== 'string' || url === '') {
    return {
      error: "Invalid 'image_url': expected an object with a string 'url'.",
      code: 'invalid_image_url',
    };
  }
  const raw = typeof o === 'object' && o !== null ? o.detail : undefined;
  if (raw !== undefined && raw !== null && raw !== 'low' && raw !== 'high' && raw !== 'auto') {
    return {
      error: `Invalid value for 'detail': '${String(raw).slice(0, 40)}'. Supported values are: 'low', 'high', and 'auto'.`,
      code: 'invalid_value',
    };
  }
  const detail = (raw ?? 'auto') as SimImage['detail'];
  if (/^https?:\/\//i.test(url)) {
    const sha256 = createHash('sha256').update(url).digest('hex');
    return {
      format: 'url',
      width: 512,
      height: 512,
      bytes: 0,
      detail,
      tokens: tokensOf(512, 512, detail),
      description: hashWords(sha256),
      sha256,
    };
  }
  const m = /^data:([^;,]*)(;base64)?,/i.exec(url);
  if (!m) {
    return {
      error: 'Invalid image URL: expected a base64-encoded data URL or an http(s) URL.',
      code: 'invalid_image_url',
    };
  }
  const mime = m[1]!.toLowerCase();
  if (!['image/png', 'image/jpeg', 'image/jpg', 'image/gif', 'image/webp'].includes(mime)) {
    return {
      error: `Invalid MIME type '${mime.slice(0, 40)}'. Only image types are supported: image/png, image/jpeg, image/gif, image/webp.`,
      code: 'invalid_image_format',
    };
  }
  const b64 = url.slice(m[0].length);
  if (!m[2] || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    return { error: 'Invalid base64 image_url.', code: 'invalid_base64' };
  }
  if ((b64.length / 4) * 3 > MAX_IMAGE_BYTES + 2) return { error: UNSUPPORTED, code: 'image_too_large' };
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) return { error: UNSUPPORTED, code: 'image_too_large' };
  const format = formatOf(bytes);
  const size = format && sizeOf(bytes, format);
  if (!format || !size) return { error: UNSUPPORTED, code: 'invalid_image_format' };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    format,
    width: size.width,
    height: size.height,
    bytes: bytes.length,
    detail,
    tokens: tokensOf(size.width, size.height, detail),
    description: (format === 'png' ? pngDescription(bytes) : undefined) ?? hashWords(sha256),
    sha256,
  };
}

/** OpenAI's image tokens for GPT-4o-class models (see the file comment). */
export function tokensOf(width: number, height: number, detail: SimImage['detail']): number {
  if (detail === 'low') return 85;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  const tiles = Math.ceil(Math.floor(w) / 512) * Math.ceil(Math.floor(h) / 512);
  return 85 + 170 * tiles;
}

function formatOf(b: Buffer): SimImageFormat | undefined {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  const head = b.toString('latin1', 0, 12);
  if (/^GIF8[79]a/.test(head)) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function sizeOf(b: Buffer, format: SimImageFormat): { width: number; height: number } | undefined {
  const ok = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  try {
    switch (format) {
      case 'png':
        return b.toString('latin1', 12, 16) === 'IHDR'
          ? ok(b.readUInt32BE(16), b.readUInt32BE(20))
          : undefined;
      case 'gif':
        return ok(b.readUInt16LE(6), b.readUInt16LE(8));
      case 'webp': {
        const chunk = b.toString('latin1', 12, 16);
        if (chunk === 'VP8 ') return ok(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
        if (chunk === 'VP8L') {
          const bits = b.readUInt32LE(21);
          return ok((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
        }
        if (chunk === 'VP8X') return ok(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
        return undefined;
      }
      case 'jpeg': {
        let i = 2;
        while (i + 4 <= b.length) {
          if (b[i] !== 0xff) return undefined;
          const marker = b[i + 1]!;
          if (marker === 0xff) {
            i++;
            continue;
          }
          if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
            i += 2;
            continue;
          }
          if (marker === 0xd9 || marker === 0xda) return undefined;
          if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
            return ok(b.readUInt16BE(i + 7), b.readUInt16BE(i + 5));
          }
          i += 2 + b.readUInt16BE(i + 2);
        }
        return undefined;
      }
    }
  } catch {
    return undefined; // a header cut short
  }
}

/** A PNG's `Description` text (tEXt, zTXt or iTXt chunk), if it has one. */
export function pngDescription(b: Buffer): string | undefined {
  let i = 8;
  while (i + 12 <= b.length) {
    const length = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    const data = b.subarray(i + 8, Math.min(b.length, i + 8 + length));
    if (type === 'IEND') return undefined;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const nul = data.indexOf(0);
      const keyword = nul < 0 ? '' : data.toString('latin1', 0, nul);
      if (keyword.toLowerCase() === 'description') {
        try {
          const text = chunkText(type, data.subarray(nul + 1));
          if (text !== undefined && text.trim() !== '') return text.trim();
        } catch {
          // a damaged text chunk says nothing
        }
      }
    }
    i += 12 + length;
  }
  return undefined;
}

function chunkText(type: string, rest: Buffer): string | undefined {
  if (type === 'tEXt') return rest.toString('latin1');
  if (type === 'zTXt') return inflateSync(rest.subarray(1)).toString('latin1');
  // iTXt: compression flag, method, language tag \0, translated keyword \0, text (UTF-8).
  const compressed = rest[0] === 1;
  const lang = rest.indexOf(0, 2);
  const translated = lang < 0 ? -1 : rest.indexOf(0, lang + 1);
  if (translated < 0) return undefined;
  const text = rest.subarray(translated + 1);
  return (compressed ? inflateSync(text) : text).toString('utf8');
}

const ADJECTIVES = [
  'misty',
  'quiet',
  'golden',
  'crowded',
  'empty',
  'sunlit',
  'faded',
  'snowy',
  'rusty',
  'tiny',
  'distant',
  'wooden',
  'glass',
  'stone',
  'velvet',
  'paper',
];
const NOUNS = [
  'harbor',
  'meadow',
  'lantern',
  'bridge',
  'orchard',
  'kitchen',
  'bicycle',
  'lighthouse',
  'staircase',
  'garden',
  'market',
  'forest',
  'window',
  'teapot',
  'river',
  'mountain',
];

/** "an image of a misty harbor and a lantern": words picked by the hash, the same for the same bytes. */
function hashWords(sha256: string): string {
  const at = (i: number, list: readonly string[]) =>
    list[Number.parseInt(sha256.slice(i, i + 2), 16) % list.length]!;
  return `an image of a ${at(0, ADJECTIVES)} ${at(2, NOUNS)} and a ${at(4, NOUNS)}`;
}
