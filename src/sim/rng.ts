/** Seeded randomness: every "random" choice of the simulator is reproducible. */
import type { Rng } from '../../base/rng.js';

export { hashSeed, mulberry32, type Rng } from '../../base/rng.js';

/** Standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * FNV-1a over UTF-16 code units: a cheap 32-bit hash for ids that need to be
 * stable but not well mixed (a sha256 per answer id was a tenth of the
 * simulator's time per request).
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
