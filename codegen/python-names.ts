// Python names for TypeScript names. Functions and variables become snake_case, module-level constants
// UPPER_SNAKE_CASE, types keep their name; module-level names that are not exported get a leading "_" (Python's
// "private to the module"). Names Python reserves (keywords, builtins, the modules and typing names the generated
// code imports, the `_js_` shims) are never used as they are: a trailing "_" is added.

const KEYWORDS = [
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
  "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
  "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

// Python 3.11 builtins (functions, types, exceptions and constants a translation might call or shadow).
const BUILTINS = [
  "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
  "chr", "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
  "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
  "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list",
  "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property",
  "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum",
  "super", "tuple", "type", "vars", "zip", "BaseException", "Exception", "ArithmeticError", "AssertionError",
  "AttributeError", "IndexError", "KeyError", "LookupError", "NameError", "NotImplemented", "NotImplementedError",
  "OverflowError", "RecursionError", "RuntimeError", "StopIteration", "TypeError", "ValueError",
  "ZeroDivisionError", "Ellipsis", "__name__", "__file__", "__doc__",
];

// What the generated code imports or defines besides the translated names.
const GENERATED = [
  "annotations", "math", "functools", "re", "unicodedata", "urllib", "json", "sys", "os", "typing", "Any",
  "Callable", "Literal", "NotRequired", "TypedDict", "collections",
];

// Names pycodestyle refuses (E741: ambiguous with 1 and 0).
const AMBIGUOUS = ["l", "I", "O"];

const RESERVED = new Set<string>([...KEYWORDS, ...BUILTINS, ...GENERATED, ...AMBIGUOUS]);

/** True for a name the translation may not use as it is. */
export function isReservedPythonName(name: string): boolean {
  return RESERVED.has(name) || name.startsWith("_js_") || name.startsWith("_u16") || name.startsWith("_from_u16");
}

/** Splits a TypeScript identifier into lowercase words: "parseHTTPResponse2x" -> parse, http, response2x. */
function words(name: string): string[] {
  const spaced = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/_+/g, " ");
  return spaced
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

/** "compareNames" -> "compare_names"; "$" and other non-ASCII-word characters are refused by the caller. */
export function snakeCase(name: string): string {
  const ws = words(name);
  return ws.length === 0 ? "_" : ws.join("_");
}

/** "maxParts" -> "MAX_PARTS"; "MAX_PARTS" stays. */
export function upperSnakeCase(name: string): string {
  return snakeCase(name).toUpperCase();
}

/** `base`, or `base_` when Python reserves it. */
export function unreserved(base: string): string {
  return isReservedPythonName(base) ? `${base}_` : base;
}

/** True when `name` is an identifier the translation can carry over (ASCII letters, digits, "_"). */
export function isPlainIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
