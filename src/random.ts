/**
 * The one seeded PRNG of memlat (mulberry32, 32-bit state): same seed, same sequence, everywhere
 * (profile plans, CV folds, tree subsampling). Pure. Cost O(1) per draw.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
