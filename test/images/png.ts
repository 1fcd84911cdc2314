/**
 * Small PNGs made by the tests (no image is committed): solid RGB pixels,
 * any width and height, and a `tEXt` chunk with keyword `Description`,
 * which the simulator reads as what the image shows (src/sim/image-input.ts).
 * Also the other formats' headers, for the size readers.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export const COLOURS: Readonly<Record<string, readonly [number, number, number]>> = {
  red: [220, 20, 20],
  blue: [20, 40, 220],
  green: [20, 180, 40],
  yellow: [240, 220, 20],
  purple: [140, 40, 180],
};

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  readonly rgb?: readonly [number, number, number];
  /** The tEXt `Description` (none when undefined). */
  readonly description?: string;
  /** `itxt`: the description in an iTXt chunk instead (UTF-8). */
  readonly itxt?: boolean;
  /**
   * Bytes of a private ancillary chunk (`prVt`: lower-case first letter, so
   * a decoder skips it) after IHDR: a valid PNG of any file size.
   */
  readonly padding?: number;
}

/** A PNG of solid colour: 8-bit RGB, one IDAT. */
export function png(spec: PngSpec): Buffer {
  const { width, height } = spec;
  const [r, g, b] = spec.rgb ?? [128, 128, 128];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  const chunks = [chunk('IHDR', ihdr)];
  if (spec.padding) chunks.push(chunk('prVt', Buffer.alloc(spec.padding, 0x5a)));
  if (spec.description !== undefined) {
    chunks.push(
      spec.itxt
        ? chunk(
            'iTXt',
            Buffer.concat([
              Buffer.from('Description\0\0\0\0\0', 'latin1'),
              Buffer.from(spec.description, 'utf8'),
            ]),
          )
        : chunk('tEXt', Buffer.from(`Description\0${spec.description}`, 'latin1')),
    );
  }
  chunks.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

/** A JPEG header up to its SOF0 (an APP0 segment first): enough for the size readers, not a decodable image. */
export function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.alloc(9)]);
}

/** A GIF89a header (logical screen width and height). */
export function gifHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

/** A WEBP header of the given chunk kind: VP8 (lossy), VP8L (lossless) or VP8X (extended). */
export function webpHeader(width: number, height: number, kind: 'VP8 ' | 'VP8L' | 'VP8X'): Buffer {
  const b = Buffer.alloc(32);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(24, 4);
  b.write('WEBP', 8, 'latin1');
  b.write(kind, 12, 'latin1');
  if (kind === 'VP8 ') {
    b.set([0x9d, 0x01, 0x2a], 23);
    b.writeUInt16LE(width, 26);
    b.writeUInt16LE(height, 28);
  } else if (kind === 'VP8L') {
    b[20] = 0x2f;
    b.writeUInt32LE(((width - 1) | ((height - 1) << 14)) >>> 0, 21);
  } else {
    b.writeUIntLE(width - 1, 24, 3);
    b.writeUIntLE(height - 1, 27, 3);
  }
  return b;
}
