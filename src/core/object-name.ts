// Which object names OCI Object Storage refuses. OCI's documented rules ("Object Names", Object Storage docs): a name
// is 1 to 1,024 bytes of UTF-8 and may hold any character except line feed, carriage return and NULL. We also refuse
// unpaired UTF-16 surrogates (U+D800–U+DFFF alone): they have no UTF-8 encoding, so no request could carry the name.
// Everything else is allowed, including "/" anywhere, spaces, tabs and other control characters, and a trailing "/".
// Runs on every planned name, so it scans once without allocating; correct under both string models (see
// code-points.ts). Character positions in messages count code points from 0.
import { isHighSurrogate, isLowSurrogate } from "./code-points.ts";

export const MAX_OBJECT_NAME_BYTES = 1024;

/** Why OCI would refuse `name` as an object name, or null when it is acceptable. */
export function objectNameProblem(name: string): string | null {
  const n = name.length;
  if (n === 0) {
    return "the name is empty";
  }
  let bytes = 0;
  let index = 0;
  let i = 0;
  while (i < n) {
    const unit = name.charCodeAt(i);
    if (unit < 0x80) {
      if (unit === 0) {
        return `it contains a NUL character (U+0000) at character ${index}`;
      }
      if (unit === 0x0a) {
        return `it contains a line feed (U+000A) at character ${index}`;
      }
      if (unit === 0x0d) {
        return `it contains a carriage return (U+000D) at character ${index}`;
      }
      bytes += 1;
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      if (isHighSurrogate(unit) && i + 1 < n && isLowSurrogate(name.charCodeAt(i + 1))) {
        bytes += 4;
        i += 1;
      } else {
        return `it contains an unpaired surrogate (no UTF-8 form) at character ${index}`;
      }
    } else if (unit < 0x10000) {
      bytes += 3;
    } else {
      bytes += 4;
    }
    index += 1;
    i += 1;
  }
  if (bytes > MAX_OBJECT_NAME_BYTES) {
    return `it is ${bytes} bytes of UTF-8, more than OCI's limit of ${MAX_OBJECT_NAME_BYTES}`;
  }
  return null;
}
