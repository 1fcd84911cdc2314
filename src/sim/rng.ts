/** Seeded randomness: every "random" choice of the simulator is reproducible. */
import { hash } from 'node:crypto';

/** A uniform [0, 1) generator (mulberry32). */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit seed from any text (sha256, first 4 bytes). */
export function hashSeed(text: string): number {
  // One-shot: the same digest as createHash().update().digest(), without the Hash object per call.
  return hash('sha256', text, 'buffer').readUInt32BE(0);
}

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
