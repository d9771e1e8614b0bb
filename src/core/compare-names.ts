// Object-name order. OCI lists objects in the order of the UTF-8 bytes of their names, which is Unicode code point
// order. JavaScript's `<` compares UTF-16 code units, which differs from code point order exactly when the first
// difference is between a surrogate (an astral character, U+10000 and up) and a unit in U+E000–U+FFFF: "\uFFFD" < "😀"
// in code points but not in UTF-16. Python compares code points. Every sort and merge of names uses compareNames.
//
// The algorithm finds the first differing unit and, only when both are ≥ 0xD800, remaps them so that unit order
// becomes code point order (surrogates move above U+FFFF, U+E000–U+FFFF move down; ICU's code point order fix-up).
// It is correct under both string models: with UTF-16 units (JavaScript) by the argument above, and with code points
// (the Python translation, where indexing yields code points) because the remap is monotonic on every non-surrogate
// code point. Names with unpaired surrogates are invalid object names and never reach ordering; their relative order
// is deterministic but unspecified.

/** Maps a UTF-16 unit ≥ 0xD800 so that plain numeric order equals code point order. */
function codePointOrderKey(unit: number): number {
  if (unit >= 0xe000) {
    return unit - 0x800;
  }
  return unit + 0x2000;
}

/** Negative when `a` sorts before `b`, 0 when equal, positive after; code point (= UTF-8 byte) order. */
export function compareNames(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        return codePointOrderKey(x) < codePointOrderKey(y) ? -1 : 1;
      }
      return x < y ? -1 : 1;
    }
    i += 1;
  }
  return a.length < b.length ? -1 : 1;
}

/**
 * True when `name` holds a UTF-16 surrogate unit (an astral character or an unpaired surrogate). When neither of two
 * names does, plain `<` on them already is code point order: the fast path the planner uses for sorting.
 */
export function hasSurrogates(name: string): boolean {
  const n = name.length;
  let i = 0;
  while (i < n) {
    const unit = name.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      return true;
    }
    i += 1;
  }
  return false;
}
