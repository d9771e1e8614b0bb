# JavaScript semantics that Python lacks, for the Python translation of src/core. codegen/inspect-core.ts decides
# where each shim is needed (by the TypeScript types); codegen/emit-core.ts copies only the blocks the translation
# uses into dist/app.py. Each block starts with a "# shim: NAME" line, optionally followed by "needs: OTHER ..." (shims
# it calls) and "imports: MODULE ..." (modules it imports). The imports below make this file importable on its own.
#
# Strings: JavaScript indexes strings by UTF-16 code units, Python by code points. These shims convert a string to
# its UTF-16 form (each astral character as two surrogate code points, `_u16`) where an index is involved, and
# convert results back (`_from_u16`), so indexes, lengths and slices are exactly JavaScript's. ASCII strings (the
# common case) take a fast path. Numbers: Python keeps integers exact where JavaScript rounds to doubles; the core's
# values stay below 2**53, where both agree.
import functools
import math
import re
import unicodedata
import urllib.parse

# shim: _u16 imports: re
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_U16_CACHE: dict[str, str] = {}


def _u16(s: str) -> str:
    """`s` in UTF-16 form: every astral character as its surrogate pair, so that Python indexes are JavaScript's."""
    if s.isascii():
        return s
    u = _U16_CACHE.get(s)
    if u is None:
        if _ASTRAL.search(s) is None:
            u = s
        else:
            parts = []
            for c in s:
                n = ord(c)
                if n > 0xFFFF:
                    n -= 0x10000
                    parts.append(chr(0xD800 + (n >> 10)) + chr(0xDC00 + (n & 0x3FF)))
                else:
                    parts.append(c)
            u = "".join(parts)
        if len(_U16_CACHE) >= 65536:
            _U16_CACHE.clear()
        _U16_CACHE[s] = u
    return u


# shim: _from_u16
def _from_u16(u: str) -> str:
    """The inverse of _u16: surrogate pairs joined into code points; unpaired surrogates stay as they are."""
    if u.isascii():
        return u
    return u.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


# shim: _js_len needs: _u16
def _js_len(s: str) -> int:
    """JavaScript's `s.length`: UTF-16 code units."""
    return len(s) if s.isascii() else len(_u16(s))


# shim: _js_char_code_at needs: _u16 imports: math
def _js_char_code_at(s: str, i: int) -> float:
    """JavaScript's `s.charCodeAt(i)`: the UTF-16 code unit at `i`, NaN outside the string."""
    u = s if s.isascii() else _u16(s)
    if 0 <= i < len(u):
        return ord(u[i])
    return math.nan


# shim: _js_code_point_at needs: _u16
def _js_code_point_at(s: str, i: int) -> int | None:
    """JavaScript's `s.codePointAt(i)`: the code point starting at UTF-16 index `i`, None (undefined) outside."""
    u = s if s.isascii() else _u16(s)
    if not 0 <= i < len(u):
        return None
    first = ord(u[i])
    if 0xD800 <= first <= 0xDBFF and i + 1 < len(u):
        second = ord(u[i + 1])
        if 0xDC00 <= second <= 0xDFFF:
            return 0x10000 + (first - 0xD800) * 0x400 + (second - 0xDC00)
    return first


# shim: _js_char_at needs: _u16
def _js_char_at(s: str, i: int) -> str:
    """JavaScript's `s.charAt(i)`: the UTF-16 code unit at `i` as a string, "" outside the string."""
    u = s if s.isascii() else _u16(s)
    if 0 <= i < len(u):
        return u[i]
    return ""


# shim: _js_str_index needs: _u16
def _js_str_index(s: str, i: int) -> str | None:
    """JavaScript's `s[i]`: the UTF-16 code unit at `i` as a string, None (undefined) outside the string."""
    u = s if s.isascii() else _u16(s)
    if 0 <= i < len(u):
        return u[i]
    return None


# shim: _js_slice needs: _u16 _from_u16
def _js_slice(s: str, start: int = 0, end: int | None = None) -> str:
    """JavaScript's `s.slice(start, end)` over UTF-16 code units (negative indexes count from the end)."""
    u = s if s.isascii() else _u16(s)
    if u is s:
        return s[start:end]
    return _from_u16(u[start:end])


# shim: _js_substring needs: _u16 _from_u16
def _js_substring(s: str, start: int, end: int | None = None) -> str:
    """JavaScript's `s.substring(start, end)`: indexes clamped to the string, swapped when start > end."""
    u = s if s.isascii() else _u16(s)
    n = len(u)
    a = min(max(start, 0), n) if start == start else 0
    b = n if end is None else (min(max(end, 0), n) if end == end else 0)
    if a > b:
        a, b = b, a
    return u[a:b] if u is s else _from_u16(u[a:b])


# shim: _js_index_of needs: _u16
def _js_index_of(s: str, sub: str, start: int = 0) -> int:
    """JavaScript's `s.indexOf(sub, start)`, in UTF-16 code units."""
    u = s if s.isascii() else _u16(s)
    v = sub if sub.isascii() else _u16(sub)
    return u.find(v, min(max(start, 0), len(u)))


# shim: _js_last_index_of needs: _u16
def _js_last_index_of(s: str, sub: str) -> int:
    """JavaScript's `s.lastIndexOf(sub)`, in UTF-16 code units."""
    u = s if s.isascii() else _u16(s)
    v = sub if sub.isascii() else _u16(sub)
    return u.rfind(v)


# shim: _js_includes needs: _u16
def _js_includes(s: str, sub: str) -> bool:
    """JavaScript's `s.includes(sub)`, matching UTF-16 code units (half of a surrogate pair matches too)."""
    if s.isascii() or sub.isascii():
        return sub in s
    return _u16(sub) in _u16(s)


# shim: _js_starts_with needs: _u16
def _js_starts_with(s: str, prefix: str) -> bool:
    """JavaScript's `s.startsWith(prefix)`, matching UTF-16 code units."""
    if s.isascii() or prefix.isascii():
        return s.startswith(prefix)
    return _u16(s).startswith(_u16(prefix))


# shim: _js_ends_with needs: _u16
def _js_ends_with(s: str, suffix: str) -> bool:
    """JavaScript's `s.endsWith(suffix)`, matching UTF-16 code units."""
    if s.isascii() or suffix.isascii():
        return s.endswith(suffix)
    return _u16(s).endswith(_u16(suffix))


# shim: _js_str_cmp needs: _u16
def _js_str_cmp(a: str, b: str) -> int:
    """-1, 0 or 1 as JavaScript's `<` orders strings: by UTF-16 code units (not code points)."""
    if not (a.isascii() and b.isascii()):
        a = _u16(a)
        b = _u16(b)
    return (a > b) - (a < b)


# shim: _js_pad_start needs: _js_len _js_slice
def _js_pad_start(s: str, width: int, fill: str = " ") -> str:
    """JavaScript's `s.padStart(width, fill)`, counting UTF-16 code units."""
    missing = width - _js_len(s)
    if missing <= 0 or fill == "":
        return s
    run = fill * (missing // _js_len(fill) + 1)
    return _js_slice(run, 0, missing) + s


# shim: _js_pad_end needs: _js_len _js_slice
def _js_pad_end(s: str, width: int, fill: str = " ") -> str:
    """JavaScript's `s.padEnd(width, fill)`, counting UTF-16 code units."""
    missing = width - _js_len(s)
    if missing <= 0 or fill == "":
        return s
    run = fill * (missing // _js_len(fill) + 1)
    return s + _js_slice(run, 0, missing)


# shim: _JS_SPACE
# JavaScript's WhiteSpace and LineTerminator characters (what trim() removes); Python's str.strip() differs
# (it also removes U+001C-U+001F and U+0085, and keeps U+FEFF).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


# shim: _js_split needs: _u16 _from_u16
def _js_split(s: str, sep: str, limit: int | None = None) -> list[str]:
    """JavaScript's `s.split(sep, limit)` with a string separator ("" splits into UTF-16 code units)."""
    if sep == "":
        parts = [_from_u16(c) for c in _u16(s)]
    else:
        parts = s.split(sep)
    return parts if limit is None else parts[: max(limit, 0)]


# shim: _js_expand
def _js_expand(replacement: str, matched: str, before: str, after: str) -> str:
    """A JavaScript replacement string with its $$, $&, $` and $' patterns expanded."""
    if "$" not in replacement:
        return replacement
    out = []
    i = 0
    n = len(replacement)
    while i < n:
        c = replacement[i]
        if c == "$" and i + 1 < n:
            d = replacement[i + 1]
            if d == "$":
                out.append("$")
                i += 2
                continue
            if d == "&":
                out.append(matched)
                i += 2
                continue
            if d == "`":
                out.append(before)
                i += 2
                continue
            if d == "'":
                out.append(after)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


# shim: _js_replace needs: _js_expand _u16 _from_u16
def _js_replace(s: str, search: str, replacement: str) -> str:
    """JavaScript's `s.replace(search, replacement)` with a string search: the first occurrence only."""
    u = _u16(s)
    v = _u16(search)
    i = u.find(v)
    if i < 0:
        return s
    before = _from_u16(u[:i])
    after = _from_u16(u[i + len(v) :])
    return before + _js_expand(replacement, search, before, after) + after


# shim: _js_replace_all needs: _js_expand _u16 _from_u16
def _js_replace_all(s: str, search: str, replacement: str) -> str:
    """JavaScript's `s.replaceAll(search, replacement)` with a string search."""
    u = _u16(s)
    v = _u16(search)
    out = []
    last = 0
    i = u.find(v)
    while i >= 0:
        out.append(_from_u16(u[last:i]))
        out.append(_js_expand(replacement, search, _from_u16(u[:i]), _from_u16(u[i + len(v) :])))
        last = i + len(v)
        i = u.find(v, last + (1 if len(v) == 0 else 0))
    out.append(_from_u16(u[last:]))
    return "".join(out)


# shim: _js_from_char_code needs: _from_u16
def _js_from_char_code(*units: int) -> str:
    """JavaScript's `String.fromCharCode(...units)`: UTF-16 code units, surrogate pairs joined."""
    return _from_u16("".join(chr(int(unit) & 0xFFFF) for unit in units))


# shim: _js_num imports: math
def _js_num(x: float) -> str:
    """JavaScript's `String(x)` for a number: "3" (not "3.0"), "1e+21", "1.5e-7", "NaN", "Infinity"."""
    if isinstance(x, bool):
        raise TypeError("_js_num: expected a number, got a bool")
    if isinstance(x, int):
        if -(10**21) < x < 10**21:
            return str(x)
        x = float(x)
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    every = whole + fraction
    digits = every.lstrip("0")
    # The value is 0.<digits> * 10**n (the shortest round-trip digits, as JavaScript also chooses).
    n = len(whole) + int(exponent or "0") - (len(every) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mark = "+" if e >= 0 else "-"
    if k == 1:
        return sign + digits + "e" + mark + str(abs(e))
    return sign + digits[0] + "." + digits[1:] + "e" + mark + str(abs(e))


# shim: _js_coalesce
def _js_coalesce(value: object, fallback: object) -> object:
    """JavaScript's `value ?? fallback` for a value computed once (the fallback is a constant or a name)."""
    return fallback if value is None else value


# shim: _js_bool
def _js_bool(x: bool) -> str:
    """JavaScript's `String(x)` for a boolean."""
    return "true" if x else "false"


# shim: _js_join needs: _js_num _js_bool
def _js_join(items: list, sep: str = ",") -> str:
    """JavaScript's `items.join(sep)` for items that are not all strings (null and undefined become "")."""
    out = []
    for item in items:
        if item is None:
            out.append("")
        elif isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool):
            out.append(_js_bool(item))
        elif isinstance(item, (int, float)):
            out.append(_js_num(item))
        elif isinstance(item, list):
            out.append(_js_join(item))
        else:
            raise TypeError("_js_join: cannot join a " + type(item).__name__)
    return sep.join(out)


# shim: _js_rem imports: math
def _js_rem(a: float, b: float) -> float:
    """JavaScript's `a % b`: the remainder takes the sign of `a` (Python's % takes the sign of `b`)."""
    if isinstance(a, int) and isinstance(b, int) and b != 0:
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    if b == 0 or math.isinf(a) or a != a or b != b:
        return math.nan
    return math.fmod(a, b)


# shim: _js_round imports: math
def _js_round(x: float) -> float:
    """JavaScript's `Math.round(x)`: halves round up (toward +Infinity), not to even."""
    if isinstance(x, int) or math.isinf(x) or x != x:
        return x
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


# shim: _js_trunc imports: math
def _js_trunc(x: float) -> float:
    """JavaScript's `Math.trunc(x)`."""
    if isinstance(x, int) or math.isinf(x) or x != x:
        return x
    return math.trunc(x)


# shim: _js_sign
def _js_sign(x: float) -> float:
    """JavaScript's `Math.sign(x)`."""
    if x != x:
        return x
    return (x > 0) - (x < 0)


# shim: _js_min_of imports: math
def _js_min_of(values: list) -> float:
    """JavaScript's `Math.min(...values)`: Infinity for none, NaN when any is NaN."""
    result = math.inf
    for v in values:
        if v != v:
            return math.nan
        if v < result:
            result = v
    return result


# shim: _js_max_of imports: math
def _js_max_of(values: list) -> float:
    """JavaScript's `Math.max(...values)`: -Infinity for none, NaN when any is NaN."""
    result = -math.inf
    for v in values:
        if v != v:
            return math.nan
        if v > result:
            result = v
    return result


# shim: _js_is_integer imports: math
def _js_is_integer(x: object) -> bool:
    """JavaScript's `Number.isInteger(x)`."""
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    return isinstance(x, float) and math.isfinite(x) and x.is_integer()


# shim: _js_is_finite imports: math
def _js_is_finite(x: object) -> bool:
    """JavaScript's `Number.isFinite(x)`."""
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    return isinstance(x, float) and math.isfinite(x)


# shim: _js_sort imports: functools
def _js_sort(items: list, compare) -> list:
    """JavaScript's `items.sort(compare)`: stable, in place, returns `items`."""
    items.sort(key=functools.cmp_to_key(lambda a, b: _js_sign_of(compare(a, b))))
    return items


def _js_sign_of(x: float) -> int:
    return 1 if x > 0 else (-1 if x < 0 else 0)


# shim: _js_reverse
def _js_reverse(items: list) -> list:
    """JavaScript's `items.reverse()` used as a value: in place, returns `items`."""
    items.reverse()
    return items


# shim: _js_pop
def _js_pop(items: list) -> object:
    """JavaScript's `items.pop()`: None (undefined) when empty."""
    return items.pop() if items else None


# shim: _js_shift
def _js_shift(items: list) -> object:
    """JavaScript's `items.shift()`: None (undefined) when empty."""
    return items.pop(0) if items else None


# shim: _js_at
def _js_at(items: list, i: int) -> object:
    """JavaScript's `items.at(i)`: negative counts from the end; None (undefined) outside."""
    n = len(items)
    j = i + n if i < 0 else i
    return items[j] if 0 <= j < n else None


# shim: _js_list_index
def _js_list_index(items: list, value: object) -> int:
    """JavaScript's `items.indexOf(value)` for strings, numbers and booleans."""
    for i, item in enumerate(items):
        if item == value and isinstance(item, bool) == isinstance(value, bool):
            return i
    return -1


# shim: _js_list_index_is
def _js_list_index_is(items: list, value: object) -> int:
    """JavaScript's `items.indexOf(value)` for objects: by identity."""
    for i, item in enumerate(items):
        if item is value:
            return i
    return -1


# shim: _js_find
def _js_find(items: list, test) -> object:
    """JavaScript's `items.find(test)`: the first item passing `test`, None (undefined) when none does."""
    for item in items:
        if test(item):
            return item
    return None


# shim: _js_find_index
def _js_find_index(items: list, test) -> int:
    """JavaScript's `items.findIndex(test)`: the index of the first item passing `test`, -1 when none does."""
    for i, item in enumerate(items):
        if test(item):
            return i
    return -1


# shim: _js_delete
def _js_delete(mapping: dict, key: object) -> bool:
    """JavaScript's `map.delete(key)` / `set.delete(key)` used as a value: whether the key was there."""
    if key in mapping:
        del mapping[key]
        return True
    return False


# shim: _js_normalize imports: unicodedata
def _js_normalize(s: str, form: str = "NFC") -> str:
    """JavaScript's `s.normalize(form)`."""
    return unicodedata.normalize(form, s)


# shim: _js_encode_uri_component imports: urllib.parse
def _js_encode_uri_component(s: str) -> str:
    """JavaScript's `encodeURIComponent(s)` (an unpaired surrogate raises, as in JavaScript)."""
    return urllib.parse.quote(s, safe="-_.!~*'()", encoding="utf-8", errors="strict")
