// Prints the plain model (codegen/model.ts) as Python 3.11 source. No decisions about JavaScript semantics are made
// here: those are in the model already. This file only knows Python syntax: operator precedence, string escapes,
// f-string limits, indentation, and breaking a long bracketed expression over several lines.
import type { PyDef, PyExpr, PyStmt, PyType } from "./model.ts";

/** Lines longer than this are broken at brackets (calls, lists, dicts) and, for whole tests, at and/or. */
export const LINE_LIMIT = 110;
const INDENT = "    ";

// Python operator precedence, low to high.
const P_LAMBDA = 0;
const P_IFEXP = 1;
const P_OR = 2;
const P_AND = 3;
const P_NOT = 4;
const P_CMP = 5;
const P_BITOR = 6;
const P_ADD = 9;
const P_MUL = 10;
const P_UNARY = 11;
const P_POW = 12;
const P_PRIMARY = 14;
const P_ATOM = 15;

/** Typing names used by the printed hints, collected while printing ("Any", "Literal", "Callable", ...). */
export type TypingUse = Set<string>;

// ---------------------------------------------------------------------------------------------------------------
// Strings

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** A code point that may stay literal in Python source: printable letters, digits, punctuation and symbols. */
function printable(ch: string): boolean {
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch);
}

function escapeChar(ch: string, quote: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === "\\") return "\\\\";
  if (ch === quote) return `\\${quote}`;
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return `\\x${hex(cp, 2)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return `\\u${hex(cp, 4)}`;
  if (printable(ch)) return ch;
  return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
}

/** Iterates a JavaScript string by code point; an unpaired surrogate comes out alone (Python keeps it as is). */
function codePoints(value: string): string[] {
  return Array.from(value);
}

/** A Python string literal for `value` (a JavaScript string: surrogate pairs become one code point). */
export function pyString(value: string, quote: '"' | "'" = '"'): string {
  return quote + codePoints(value).map((c) => escapeChar(c, quote)).join("") + quote;
}

function fText(value: string): string {
  return codePoints(value)
    .map((c) => (c === "{" ? "{{" : c === "}" ? "}}" : escapeChar(c, '"')))
    .join("");
}

// ---------------------------------------------------------------------------------------------------------------
// Documents: flat text plus the brackets that may be broken over lines.

type Doc = string | Doc[] | Group;

interface Group {
  open: string;
  close: string;
  items: Doc[];
  /** "," breaks one item a line with a trailing comma; "and"/"or" break before the operator. */
  sep: "," | "and" | "or";
}

function flat(d: Doc): string {
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map(flat).join("");
  if (d.sep === ",") return d.open + d.items.map(flat).join(", ") + d.close;
  return d.items.map(flat).join(` ${d.sep} `);
}

function layout(d: Doc, indent: string, col: number): { text: string; col: number } {
  if (typeof d === "string") return { text: d, col: col + d.length };
  if (Array.isArray(d)) {
    let text = "";
    let c = col;
    for (const part of d) {
      const r = layout(part, indent, c);
      text += r.text;
      c = r.col;
    }
    return { text: text, col: c };
  }
  const f = flat(d);
  if (col + f.length <= LINE_LIMIT || d.items.length === 0) return { text: f, col: col + f.length };
  const inner = indent + INDENT;
  let text: string;
  if (d.sep === ",") {
    text = d.open;
    for (const item of d.items) {
      const r = layout(item, inner, inner.length);
      text += `\n${inner}${r.text},`;
    }
    text += `\n${indent}${d.close}`;
  } else {
    text = "(";
    d.items.forEach((item, i) => {
      const prefix = i === 0 ? "" : `${d.sep} `;
      const r = layout(item, inner, inner.length + prefix.length);
      text += `\n${inner}${prefix}${r.text}`;
    });
    text += `\n${indent})`;
  }
  const lastLine = text.slice(text.lastIndexOf("\n") + 1);
  return { text: text, col: lastLine.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions

function precedence(e: PyExpr): number {
  switch (e.k) {
    case "lambda":
      return P_LAMBDA;
    case "ifexp":
      return P_IFEXP;
    case "boolop":
      return e.op === "or" ? P_OR : P_AND;
    case "not":
      return P_NOT;
    case "cmp":
      return P_CMP;
    case "bin":
      if (e.op === "+" || e.op === "-") return P_ADD;
      if (e.op === "**") return P_POW;
      return P_MUL;
    case "neg":
      return P_UNARY;
    case "star":
      return P_BITOR;
    case "call":
    case "attr":
    case "index":
    case "slice":
      return P_PRIMARY;
    case "num":
      // `-1` as a literal is a unary minus in Python's grammar.
      return e.text.startsWith("-") ? P_UNARY : P_ATOM;
    default:
      return P_ATOM;
  }
}

class ExprPrinter {
  constructor(private readonly quote: '"' | "'") {}

  doc(e: PyExpr, min: number): Doc {
    const d = this.bare(e);
    return precedence(e) < min ? ["(", d, ")"] : d;
  }

  private bare(e: PyExpr): Doc {
    switch (e.k) {
      case "name":
        return e.id;
      case "str":
        return pyString(e.value, this.quote);
      case "num":
        return e.text;
      case "bool":
        return e.value ? "True" : "False";
      case "none":
        return "None";
      case "bin": {
        const p = precedence(e);
        if (e.op === "**") return [this.doc(e.left, P_POW + 1), " ** ", this.doc(e.right, P_UNARY)];
        return [this.doc(e.left, p), ` ${e.op} `, this.doc(e.right, p + 1)];
      }
      case "cmp":
        return [this.doc(e.left, P_CMP + 1), ` ${e.op} `, this.doc(e.right, P_CMP + 1)];
      case "boolop": {
        const p = precedence(e);
        const parts: Doc[] = [];
        e.values.forEach((v, i) => {
          if (i > 0) parts.push(` ${e.op} `);
          parts.push(this.doc(v, p + 1));
        });
        return parts;
      }
      case "not":
        return ["not ", this.doc(e.operand, P_NOT)];
      case "neg":
        return ["-", this.doc(e.operand, P_UNARY)];
      case "ifexp":
        return [
          this.doc(e.body, P_OR),
          " if ",
          this.doc(e.test, P_OR),
          " else ",
          this.doc(e.orelse, P_IFEXP),
        ];
      case "call": {
        // A generator expression as the only argument needs no parentheses of its own: f(x for x in xs).
        const only = e.args.length === 1 && e.kwargs.length === 0 ? e.args[0] : null;
        if (only !== null && only.k === "comp" && only.kind === "gen") {
          const inner = flat(this.doc({ ...only, kind: "list" }, P_LAMBDA)).slice(1, -1);
          return [this.doc(e.func, P_PRIMARY), "(", inner, ")"];
        }
        const items: Doc[] = e.args.map((a) => this.doc(a, P_LAMBDA));
        for (const kw of e.kwargs) items.push([kw.name, "=", this.doc(kw.value, P_LAMBDA)]);
        return [this.doc(e.func, P_PRIMARY), { open: "(", close: ")", items: items, sep: "," }];
      }
      case "attr":
        return [this.doc(e.value, P_PRIMARY), ".", e.attr];
      case "index":
        return [this.doc(e.value, P_PRIMARY), "[", this.doc(e.index, P_LAMBDA), "]"];
      case "slice": {
        const value = this.doc(e.value, P_PRIMARY);
        const lower = e.lower === null ? "" : this.doc(e.lower, P_LAMBDA);
        const upper = e.upper === null ? "" : this.doc(e.upper, P_LAMBDA);
        const complex = (x: PyExpr | null) =>
          x !== null && x.k !== "name" && x.k !== "num" && !(x.k === "neg" && x.operand.k === "num");
        // PEP 8 (and ruff's formatter) treat the colon of a slice with a complex bound like a binary operator.
        if (!complex(e.lower) && !complex(e.upper)) return [value, "[", lower, ":", upper, "]"];
        return [value, "[", lower, e.lower === null ? ":" : " :", e.upper === null ? "" : " ", upper, "]"];
      }
      case "list":
        return { open: "[", close: "]", items: e.items.map((x) => this.doc(x, P_LAMBDA)), sep: "," };
      case "tuple":
        if (e.items.length === 1) return ["(", this.doc(e.items[0], P_LAMBDA), ",)"];
        return { open: "(", close: ")", items: e.items.map((x) => this.doc(x, P_LAMBDA)), sep: "," };
      case "star":
        return ["*", this.doc(e.value, P_BITOR)];
      case "dict":
        return {
          open: "{",
          close: "}",
          items: e.entries.map((en) =>
            en.key === null ? ["**", this.doc(en.value, P_BITOR)] : [this.doc(en.key, P_LAMBDA), ": ", this.doc(en.value, P_LAMBDA)],
          ),
          sep: ",",
        };
      case "lambda":
        return [e.params.length === 0 ? "lambda" : `lambda ${e.params.join(", ")}`, ": ", this.doc(e.body, P_LAMBDA)];
      case "fstring":
        return this.fstring(e.parts);
      case "comp": {
        const open = e.kind === "list" ? "[" : "(";
        const close = e.kind === "list" ? "]" : ")";
        const parts: Doc[] = [open, this.doc(e.elt, P_IFEXP), " for ", e.targets.join(", "), " in ", this.doc(e.iter, P_OR)];
        if (e.cond !== null) parts.push(" if ", this.doc(e.cond, P_OR));
        parts.push(close);
        return parts;
      }
    }
  }

  private fstring(parts: ({ text: string } | { expr: PyExpr })[]): Doc {
    // Python 3.11 f-strings may not hold backslashes or the enclosing quote inside {}: such an expression makes
    // the whole string a concatenation instead.
    const inner = new ExprPrinter("'");
    let body = "";
    let ok = this.quote === '"';
    for (const p of parts) {
      if ("text" in p) {
        body += fText(p.text);
        continue;
      }
      // f"{x}" formats an int like str(x).
      const shown = p.expr.k === "call" && p.expr.func.k === "name" && p.expr.func.id === "str" && p.expr.args.length === 1 ? p.expr.args[0] : p.expr;
      const text = flat(inner.doc(shown, P_LAMBDA));
      if (/[\\"\n{}]/.test(text) || text.startsWith("lambda") || text.includes("!") || text.includes(":")) ok = false;
      body += `{${text}}`;
    }
    if (ok && parts.some((p) => "expr" in p)) return `f"${body}"`;
    const pieces: Doc[] = [];
    for (const p of parts) {
      if (pieces.length > 0) pieces.push(" + ");
      pieces.push("text" in p ? pyString(p.text, this.quote) : this.doc(p.expr, P_ADD + 1));
    }
    return pieces.length === 0 ? pyString("", this.quote) : pieces;
  }
}

const PRINTER = new ExprPrinter('"');

/** `e` on one line. */
export function exprText(e: PyExpr): string {
  return flat(PRINTER.doc(e, P_LAMBDA));
}

/** `prefix + e`, broken over lines when longer than LINE_LIMIT (e.g. `NAME = [...]` at module level). */
export function assignmentText(prefix: string, e: PyExpr): string {
  return exprLines(prefix, e, "", "", false);
}

/** `prefix + e + suffix`, broken over lines when longer than LINE_LIMIT; `asTest`: the top-level and/or may break. */
function exprLines(prefix: string, e: PyExpr, suffix: string, indent: string, asTest: boolean): string {
  let d: Doc = PRINTER.doc(e, P_LAMBDA);
  if (asTest && e.k === "boolop") {
    d = { open: "(", close: ")", items: e.values.map((v) => PRINTER.doc(v, precedence(e) + 1)), sep: e.op };
  }
  const r = layout(d, indent, indent.length + prefix.length);
  return `${indent}${prefix}${r.text}${suffix}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Types

/** A type hint; records the typing names it needs in `uses`. */
export function typeText(t: PyType, uses: TypingUse): string {
  switch (t.k) {
    case "str":
      return "str";
    case "float":
      return "float";
    case "bool":
      return "bool";
    case "none":
      return "None";
    case "object":
      return "object";
    case "any":
      uses.add("Any");
      return "Any";
    case "list":
      return `list[${typeText(t.of, uses)}]`;
    case "dict":
      return `dict[${typeText(t.key, uses)}, ${typeText(t.value, uses)}]`;
    case "ref":
      return t.name;
    case "literal":
      uses.add("Literal");
      return `Literal[${t.values.map((v) => pyString(v)).join(", ")}]`;
    case "union":
      return t.of.map((m) => typeText(m, uses)).join(" | ");
    case "callable":
      uses.add("Callable");
      return `Callable[[${t.params.map((p) => typeText(p, uses)).join(", ")}], ${typeText(t.returns, uses)}]`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Statements

/** A docstring's lines at `indent` (PEP 257: one line when it fits, else the summary line then the rest). */
export function docstringLines(doc: string, indent: string): string[] {
  const text = doc.replace(/\\/g, "\\\\").replace(/"""/g, '\\"\\"\\"');
  const lines = text.split("\n");
  if (lines.length === 1) {
    const one = `${indent}"""${lines[0]}${lines[0].endsWith('"') ? " " : ""}"""`;
    return [one];
  }
  return [`${indent}"""${lines[0]}`, ...lines.slice(1).map((l) => (l === "" ? "" : indent + l)), `${indent}"""`];
}

/** `# ` comment lines. */
export function commentLines(lines: string[], indent: string): string[] {
  return lines.map((l) => (l === "" ? `${indent}#` : `${indent}# ${l}`));
}

function paramText(def: PyDef, uses: TypingUse): string[] {
  return def.params.map((p) => {
      if (p.bound) return `${p.name}=${p.name}`;
      const hint = typeText(p.type, uses);
      if (p.rest) return `*${p.name}: ${hint}`;
      if (p.optional) return `${p.name}: ${hint}${hint.endsWith("| None") || hint === "None" ? "" : " | None"} = None`;
      return `${p.name}: ${hint}`;
  });
}

/** The lines of a `def`, at `indent`. */
export function defLines(def: PyDef, indent: string, uses: TypingUse): string[] {
  const returns = typeText(def.returns, uses);
  let head = `${indent}def ${def.name}(${paramText(def, uses).join(", ")}) -> ${returns}:`;
  if (head.length > LINE_LIMIT) {
    const params = paramText(def, uses).map((p) => `${indent}${INDENT}${p},`);
    head = [`${indent}def ${def.name}(`, ...params, `${indent}) -> ${returns}:`].join("\n");
  }
  const inner = indent + INDENT;
  const out = [head];
  if (def.doc !== "") out.push(...docstringLines(def.doc, inner));
  const body = stmtLines(def.body, inner, uses);
  if (body.length === 0 && def.doc === "") out.push(`${inner}pass`);
  out.push(...body);
  return out;
}

function blockLines(body: PyStmt[], indent: string, uses: TypingUse): string[] {
  const lines = stmtLines(body, indent, uses);
  const hasCode = body.some((s) => s.k !== "comment");
  return hasCode ? lines : [...lines, `${indent}pass`];
}

/** The lines of `stmts` at `indent`. */
export function stmtLines(stmts: PyStmt[], indent: string, uses: TypingUse): string[] {
  const out: string[] = [];
  stmts.forEach((s, i) => {
    if (s.k === "def") {
      if (out.length > 0 && out[out.length - 1] !== "") out.push("");
      out.push(...defLines(s, indent, uses));
      if (i < stmts.length - 1) out.push("");
      return;
    }
    out.push(...oneStmt(s, indent, uses));
  });
  return out;
}

function oneStmt(s: PyStmt, indent: string, uses: TypingUse): string[] {
  switch (s.k) {
    case "assign": {
      const target = s.targets.map(exprText).join(", ");
      return [exprLines(`${target} = `, s.value, "", indent, false)];
    }
    case "augassign":
      return [exprLines(`${exprText(s.target)} ${s.op}= `, s.value, "", indent, false)];
    case "expr":
      return [exprLines("", s.value, "", indent, false)];
    case "if": {
      const out = [exprLines("if ", s.test, ":", indent, true), ...blockLines(s.body, indent + INDENT, uses)];
      let orelse = s.orelse;
      while (orelse.length === 1 && orelse[0].k === "if") {
        const e = orelse[0];
        out.push(exprLines("elif ", e.test, ":", indent, true), ...blockLines(e.body, indent + INDENT, uses));
        orelse = e.orelse;
      }
      if (orelse.length > 0) out.push(`${indent}else:`, ...blockLines(orelse, indent + INDENT, uses));
      return out;
    }
    case "for":
      return [
        exprLines(`for ${s.targets.join(", ")} in `, s.iter, ":", indent, false),
        ...blockLines(s.body, indent + INDENT, uses),
      ];
    case "while":
      return [exprLines("while ", s.test, ":", indent, true), ...blockLines(s.body, indent + INDENT, uses)];
    case "return":
      return [s.value === null ? `${indent}return` : exprLines("return ", s.value, "", indent, false)];
    case "break":
      return [`${indent}break`];
    case "continue":
      return [`${indent}continue`];
    case "pass":
      return [`${indent}pass`];
    case "raise":
      return [exprLines("raise ", s.exc, "", indent, false)];
    case "nonlocal":
      return [`${indent}nonlocal ${s.names.join(", ")}`];
    case "comment":
      return commentLines(s.lines, indent);
    case "def":
      return defLines(s, indent, uses);
  }
}
