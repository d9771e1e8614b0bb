// The plain model between inspection (codegen/inspect-core.ts, which reads TypeScript with ts-morph and resolves every
// JavaScript semantic question) and emission (codegen/emit-python.ts, which only prints). It is a small Python syntax
// tree: every node is plain JSON-able data, so `tsx codegen/build-app.ts --model` can dump it. Names in it are already
// Python names; calls to `_js_*` shims (codegen/shims/js_shims.py) stand for the JavaScript behaviour Python lacks.

/** A Python type hint. */
export type PyType =
  | { k: "str" }
  | { k: "float" }
  | { k: "bool" }
  | { k: "none" }
  | { k: "any" }
  | { k: "object" }
  | { k: "list"; of: PyType }
  | { k: "dict"; key: PyType; value: PyType }
  | { k: "ref"; name: string }
  | { k: "literal"; values: string[] }
  | { k: "union"; of: PyType[] }
  | { k: "callable"; params: PyType[]; returns: PyType };

export type PyBinOp = "+" | "-" | "*" | "/" | "**";
export type PyCmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "is" | "is not" | "in" | "not in";

/** A Python expression. */
export type PyExpr =
  | { k: "name"; id: string }
  | { k: "str"; value: string }
  | { k: "num"; text: string }
  | { k: "bool"; value: boolean }
  | { k: "none" }
  | { k: "bin"; op: PyBinOp; left: PyExpr; right: PyExpr }
  | { k: "cmp"; op: PyCmpOp; left: PyExpr; right: PyExpr }
  | { k: "boolop"; op: "and" | "or"; values: PyExpr[] }
  | { k: "not"; operand: PyExpr }
  | { k: "neg"; operand: PyExpr }
  | { k: "ifexp"; test: PyExpr; body: PyExpr; orelse: PyExpr }
  | { k: "call"; func: PyExpr; args: PyExpr[]; kwargs: PyKeyword[] }
  | { k: "attr"; value: PyExpr; attr: string }
  | { k: "index"; value: PyExpr; index: PyExpr }
  | { k: "slice"; value: PyExpr; lower: PyExpr | null; upper: PyExpr | null }
  | { k: "list"; items: PyExpr[] }
  | { k: "tuple"; items: PyExpr[] }
  | { k: "star"; value: PyExpr }
  | { k: "dict"; entries: PyDictEntry[] }
  | { k: "lambda"; params: string[]; body: PyExpr }
  | { k: "fstring"; parts: PyFPart[] }
  | { k: "comp"; kind: "list" | "gen"; elt: PyExpr; targets: string[]; iter: PyExpr; cond: PyExpr | null };

export interface PyKeyword {
  name: string;
  value: PyExpr;
}

/** `key: null` is a `**value` spread. */
export interface PyDictEntry {
  key: PyExpr | null;
  value: PyExpr;
}

/** Literal text or an embedded expression of an f-string. */
export type PyFPart = { text: string } | { expr: PyExpr };

export interface PyParam {
  name: string;
  type: PyType;
  /** `name: T | None = None`: optional in TypeScript, or given a default (assigned at the top of the body). */
  optional: boolean;
  /** `*name`. */
  rest: boolean;
  /** `name=name`: a loop variable bound when the function is made (see translate-body.ts boundLoopVariables). */
  bound: boolean;
}

/** A Python statement. */
export type PyStmt =
  | { k: "assign"; targets: PyExpr[]; value: PyExpr }
  | { k: "augassign"; target: PyExpr; op: PyBinOp; value: PyExpr }
  | { k: "expr"; value: PyExpr }
  | { k: "if"; test: PyExpr; body: PyStmt[]; orelse: PyStmt[] }
  | { k: "for"; targets: string[]; iter: PyExpr; body: PyStmt[] }
  | { k: "while"; test: PyExpr; body: PyStmt[] }
  | { k: "return"; value: PyExpr | null }
  | { k: "break" }
  | { k: "continue" }
  | { k: "pass" }
  | { k: "raise"; exc: PyExpr }
  | { k: "nonlocal"; names: string[] }
  | { k: "comment"; lines: string[] }
  | PyDef;

export interface PyDef {
  k: "def";
  name: string;
  params: PyParam[];
  returns: PyType;
  /** The docstring (from the JSDoc), without quotes; "" for none. */
  doc: string;
  body: PyStmt[];
}

/** A module-level declaration, with where it came from (for section comments and error messages). */
export type PyDecl = (
  | { k: "literal-alias"; name: string; values: string[]; valuesName: string; doc: string }
  | { k: "typeddict"; name: string; bases: string[]; doc: string; fields: PyField[] }
  | { k: "alias"; name: string; type: PyType; doc: string }
  | { k: "const"; name: string; type: PyType | null; value: PyExpr; doc: string; callsFunctions: boolean }
  | { k: "function"; def: PyDef }
) & {
  file: string;
  line: number;
  /** Plain comments written before the declaration (its JSDoc is in `doc`). */
  comments: string[];
};

export interface PyField {
  /** The dictionary key: the TypeScript property name, unchanged. */
  name: string;
  type: PyType;
  optional: boolean;
  doc: string;
}

/** One translated TypeScript file. */
export interface SourceFileModel {
  /** Relative to the repository root, with "/" separators. */
  file: string;
  /** The file's leading comment, one entry a line, without the comment markers. */
  header: string[];
  decls: PyDecl[];
}

/** How one exported TypeScript name is reached in Python. */
export interface ExportedName {
  file: string;
  ts: string;
  py: string;
  kind: "function" | "const" | "type";
}

/** Everything codegen/emit-core.ts needs: the translated files in dependency order and the shims they use. */
export interface CoreModel {
  files: SourceFileModel[];
  /** Names of the `_js_*` shims referenced anywhere, sorted (their own dependencies not included). */
  shims: string[];
  /** Modules the translated code imports besides the shims' (e.g. "math"), sorted. */
  imports: string[];
  exports: ExportedName[];
}
