/**
 * The 50 images the image tests run over: a colour and a shape each ("a red
 * circle", written into the PNG's Description, which the simulator reads),
 * sizes that differ so every image is distinct and token counts vary (one to
 * four 512-px tiles: 255, 425, 595, 765 tokens), as BLOBs and as files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/index.js';
import { imageTokens } from '../../src/llm/images.js';
import { COLOURS, png } from './png.js';

export const IMAGE_CASCADES = fileURLToPath(new URL('../fixtures/cascades/images', import.meta.url));

const COLOUR_NAMES = ['red', 'blue', 'green', 'yellow', 'purple'] as const;
const SHAPES = ['circle', 'square', 'triangle', 'star', 'hexagon'] as const;

export interface TestImage {
  readonly id: number;
  readonly colour: string;
  readonly shape: string;
  readonly width: number;
  readonly height: number;
  readonly png: Buffer;
  /** Its tokens at detail auto, by OpenAI's rule. */
  readonly tokens: number;
}

function sizeOf(id: number): { width: number; height: number } {
  switch (id % 4) {
    case 0:
      return { width: 20 + id, height: 20 + id }; // one tile
    case 1:
      return { width: 600 + id, height: 12 }; // two
    case 2:
      return { width: 1100 + id, height: 10 }; // three
    default:
      return { width: 2100 + id, height: 10 }; // fit to 2048 wide: four
  }
}

export const IMAGES: readonly TestImage[] = Array.from({ length: 50 }, (_, i) => {
  const id = i + 1;
  const colour = COLOUR_NAMES[i % 5]!;
  const shape = SHAPES[Math.floor(i / 5) % 5]!;
  const { width, height } = sizeOf(id);
  return {
    id,
    colour,
    shape,
    width,
    height,
    png: png({ width, height, rgb: COLOURS[colour]!, description: `a ${colour} ${shape}` }),
    tokens: imageTokens(width, height),
  };
});

export const RED_IDS = IMAGES.filter((m) => m.colour === 'red').map((m) => m.id);

/** A temporary folder holding the images as `img-<id>.png`. */
export function imageFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-fifty-'));
  for (const m of IMAGES) writeFileSync(join(dir, `img-${m.id}.png`), m.png);
  return dir;
}

/** Tables `imgs(id, png BLOB)` and `files(id, path)` (paths relative to the image folder). */
export async function loadImageTables(engine: Engine): Promise<void> {
  await engine.query('CREATE TABLE imgs (id INTEGER, png BLOB)');
  await engine.query(
    `INSERT INTO imgs VALUES ${IMAGES.map((m) => `(${m.id}, from_hex('${m.png.toString('hex')}'))`).join(', ')}`,
  );
  await engine.query(
    `CREATE TABLE files AS SELECT range::INTEGER AS id, 'img-' || range || '.png' AS path FROM range(1, 51)`,
  );
}
