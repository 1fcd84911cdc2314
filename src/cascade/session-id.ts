/**
 * Session ids are woodland names, `<adjective>-<creature>-<6 hex>`, prefixed by
 * where the run came from: `udf-misty-owl-4f2a9c`, `batch-amber-badger-0c81de`.
 */
import { randomBytes, randomInt } from 'node:crypto';

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

/** A fresh woodland session id, e.g. `sessionId('udf')` → `udf-misty-owl-4f2a9c`. */
export function sessionId(prefix?: string): string {
  const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)];
  const creature = CREATURES[randomInt(CREATURES.length)];
  const name = `${adjective}-${creature}-${randomBytes(3).toString('hex')}`;
  // 'udf' → udf-misty-owl-4f2a9c; a prefix ending in '_' joins as is (sql_fn_semantic_aligns_misty-owl-4f2a9c).
  if (!prefix) return name;
  return prefix.endsWith('_') ? `${prefix}${name}` : `${prefix}-${name}`;
}
