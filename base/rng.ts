/** Seeded randomness shared by the simulator (src/sim/rng.ts) and the planner's samples (src/plan/supg.ts). */
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
