// Unicode code points of a string, decoded without codePointAt so that the same code is correct under both string
// models: in JavaScript `charCodeAt(i)` reads UTF-16 code units and an astral character is a surrogate pair that is
// combined here; in Python (the translation of src/core) indexing yields code points, a valid string never holds a
// surrogate, and the pair branch is never taken. An unpaired surrogate is returned as its own value (0xD800–0xDFFF);
// such names are invalid object names (see object-name.ts).

/** True for a UTF-16 high (leading) surrogate code unit. */
export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** True for a UTF-16 low (trailing) surrogate code unit. */
export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The code points of `text`, in order. */
export function codePointsOf(text: string): number[] {
  const points: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      if (isLowSurrogate(next)) {
        points.push(0x10000 + (unit - 0xd800) * 0x400 + (next - 0xdc00));
        i += 2;
        continue;
      }
    }
    points.push(unit);
    i += 1;
  }
  return points;
}
