/**
 * Session ids are woodland names, `<adjective>-<creature>-<6 hex>`, prefixed by
 * where the run came from: `udf-misty-owl-4f2a9c`, `batch-amber-badger-0c81de`.
 */
import { randomFillSync } from 'node:crypto';

export const ADJECTIVES = [
  'amber',
  'ancient',
  'autumn',
  'bold',
  'brambly',
  'bright',
  'calm',
  'clever',
  'dappled',
  'dewy',
  'dusky',
  'early',
  'fallen',
  'feathered',
  'fern',
  'foggy',
  'gentle',
  'golden',
  'hidden',
  'hollow',
  'hushed',
  'lichen',
  'lively',
  'mossy',
  'misty',
  'nimble',
  'quiet',
  'rainy',
  'russet',
  'rustling',
  'shady',
  'silver',
  'sleepy',
  'snowy',
  'sunlit',
  'swift',
  'tangled',
  'twilight',
  'wild',
  'windy',
] as const;

export const CREATURES = [
  'badger',
  'bat',
  'bear',
  'beaver',
  'boar',
  'bunting',
  'chipmunk',
  'cuckoo',
  'deer',
  'dormouse',
  'elk',
  'finch',
  'fox',
  'frog',
  'hare',
  'hedgehog',
  'heron',
  'jay',
  'lynx',
  'marten',
  'lark',
  'mole',
  'moose',
  'mouse',
  'newt',
  'otter',
  'owl',
  'pheasant',
  'rabbit',
  'raven',
  'robin',
  'salamander',
  'shrew',
  'squirrel',
  'stoat',
  'thrush',
  'toad',
  'vole',
  'weasel',
  'wren',
] as const;

/** Matches ids made by sessionId (with or without a prefix). */
export const SESSION_ID_PATTERN = /^(?:[a-z0-9_]+-)?[a-z]+-[a-z]+-[0-9a-f]{6}$/;

/**
 * Random bytes drawn 4 KB at a time: three crypto calls per id were a tenth of
 * a cascade run's CPU when a MAP starts thousands of runs a second.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function takeBytes(n: number): number {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A fresh woodland session id, e.g. `sessionId('udf')` → `udf-misty-owl-4f2a9c`. */
export function sessionId(prefix?: string): string {
  const at = takeBytes(7);
  // 16-bit draws: the modulo bias over 40 names is 16 in 65,536, too small to matter for names.
  const adjective = ADJECTIVES[pool.readUInt16LE(at) % ADJECTIVES.length];
  const creature = CREATURES[pool.readUInt16LE(at + 2) % CREATURES.length];
  const name = `${adjective}-${creature}-${HEX[pool[at + 4]!]}${HEX[pool[at + 5]!]}${HEX[pool[at + 6]!]}`;
  // 'udf' → udf-misty-owl-4f2a9c; a prefix ending in '_' joins as is (sql_fn_semantic_aligns_misty-owl-4f2a9c).
  if (!prefix) return name;
  return prefix.endsWith('_') ? `${prefix}${name}` : `${prefix}-${name}`;
}
