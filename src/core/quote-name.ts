// Names inside messages: in double quotes, with `"`, `\` and control characters (U+0000–U+001F, U+007F) escaped
// as in JSON, so a name holding a line feed or a tab stays one readable line. Everything else is kept as it is.

const HEX = "0123456789abcdef";

function escapeUnit(unit: number): string {
  if (unit === 0x22) {
    return '\\"';
  }
  if (unit === 0x5c) {
    return "\\\\";
  }
  if (unit === 0x0a) {
    return "\\n";
  }
  if (unit === 0x0d) {
    return "\\r";
  }
  if (unit === 0x09) {
    return "\\t";
  }
  const high = Math.floor(unit / 16);
  const low = unit - high * 16;
  return `\\u00${HEX.slice(high, high + 1)}${HEX.slice(low, low + 1)}`;
}

/** `name` quoted for a message. */
export function quoteName(name: string): string {
  const parts: string[] = ['"'];
  const n = name.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    const unit = name.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || unit === 0x7f) {
      parts.push(name.slice(start, i));
      parts.push(escapeUnit(unit));
      start = i + 1;
    }
    i += 1;
  }
  parts.push(name.slice(start, n));
  parts.push('"');
  return parts.join("");
}
