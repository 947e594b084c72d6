/**
 * A small seeded pseudo-random generator for sweeps: the same seed and stream give the same numbers on every
 * machine. Each trial draws from its own stream (its index in the sweep), so a sampler rebuilt after a restart
 * proposes exactly what it would have proposed without the restart.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
}

/** One round of the splitmix32 finalizer: a well-mixed 32-bit hash of `x`. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic seed from any text (FNV-1a, then mixed), e.g. from a sweep's name. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return mix32(hash);
}

/** The generator for `stream` (e.g. a trial index) under `seed`; any safe integer works as a seed. */
export function createRandom(seed: number, stream = 0): Random {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x100000000) >>> 0;
  // sfc32 state, seeded from the mixed seed and stream so that neighbouring seeds and streams are unrelated.
  let a = mix32(low ^ mix32(high));
  let b = mix32(a ^ mix32(stream >>> 0));
  let c = mix32(b ^ 0x6a09e667);
  let d = 1;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  const next = (): number => nextUint32() / 0x100000000;
  return {
    next,
    normal: () => {
      const u = 1 - next(); // (0, 1]: log(u) is finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    below: (n) => Math.floor(next() * n),
  };
}
