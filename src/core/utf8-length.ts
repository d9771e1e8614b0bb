// UTF-8 length of a name, for OCI's 1,024-byte object name limit. Written over `charCodeAt` so that it is correct
// under both string models (see code-points.ts): JavaScript sees an astral character as a surrogate pair (4 bytes),
// Python sees one code point ≥ 0x10000 (4 bytes).
import { isHighSurrogate, isLowSurrogate } from "./code-points.ts";

/** Bytes `text` takes in UTF-8. An unpaired surrogate counts 3 bytes (it has no UTF-8 form; see object-name.ts). */
export function utf8Length(text: string): number {
  const n = text.length;
  let bytes = 0;
  let i = 0;
  while (i < n) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes += 1;
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (isHighSurrogate(unit) && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else if (unit < 0x10000) {
      bytes += 3;
    } else {
      bytes += 4;
    }
    i += 1;
  }
  return bytes;
}
