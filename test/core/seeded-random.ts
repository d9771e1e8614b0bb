// A small seeded PRNG (mulberry32) and random name makers for property tests: the same seed gives the same cases.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

/**
 * Characters that stress code point order: ASCII around "/", Latin-1, the last BMP characters before and after the
 * surrogate range, U+FFFD/U+FFFF, and astral characters (surrogate pairs in JavaScript).
 */
export const TRICKY_CHARACTERS: readonly string[] = [
  "a",
  "b",
  "z",
  "A",
  "/",
  "-",
  ".",
  "0",
  " ",
  "\t",
  "é",
  "ÿ",
  "中",
  "\ud7ff",
  "\ue000",
  "\ufffd",
  "\uffff",
  "😀",
  "😁",
  "𝄞",
  "\u{10000}",
  "\u{10ffff}",
];

/** A valid-looking name of 0..maxLength characters drawn from `alphabet`. */
export function randomName(random: Random, maxLength: number, alphabet: readonly string[] = TRICKY_CHARACTERS): string {
  const length = random.below(maxLength + 1);
  let name = "";
  for (let i = 0; i < length; i++) name += random.pick(alphabet);
  return name;
}
