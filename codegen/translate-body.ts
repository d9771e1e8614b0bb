// Translates the statements and expressions of one function to the Python model, deciding every JavaScript semantic
// question from the TypeScript types: `+` (concatenation or addition), `===` (equality or identity), truthiness,
// UTF-16 string indexes, number formatting. Whatever has no exact Python counterpart is reported (file:line, what,
// what to write instead) through the context, never approximated; translation goes on to report every problem.
import {
  type ArrowFunction,
  type BinaryExpression,
  type CallExpression,
  type ElementAccessExpression,
  type Expression,
  type ForOfStatement,
  type ForStatement,
  type FunctionDeclaration,
  type FunctionExpression,
  Node,
  type ObjectLiteralExpression,
  type PropertyAccessExpression,
  type Statement,
  SymbolFlags,
  SyntaxKind,
  type TemplateExpression,
  type Type,
  type TypeChecker,
  type VariableDeclaration,
  VariableDeclarationKind,
  type ts,
} from "ts-morph";
import { integerLocals } from "./integer-locals.ts";
import type { PyBinOp, PyCmpOp, PyDef, PyExpr, PyParam, PyStmt, PyType } from "./model.ts";
import { type KindInfo, elementType, isPrimitiveKind, isReferenceKind, kindOf } from "./type-kinds.ts";

export type FunctionLike = FunctionDeclaration | ArrowFunction | FunctionExpression;

/** What the body translator needs from the module-level translation (codegen/inspect-core.ts). */
export interface TranslationContext {
  checker: TypeChecker;
  /** Records a construct outside the subset: `what` does not translate; `instead` says what to write. */
  refuse(node: Node, what: string, instead: string): void;
  useShim(name: string): void;
  useImport(module: string): void;
  /** The Python name of a declaration in the translated files (module level or local), if it has one. */
  declName(decl: Node): string | undefined;
  /** A fresh module-unique name for a hoisted callback. */
  freshName(prefix: string): string;
  pyType(t: Type): PyType;
  /** Comment lines written before a statement (`//` and `/* *\/`), without markers. */
  leadingComments(node: Node): string[];
  /** The JSDoc of a declaration as docstring text, "" for none. */
  docOf(node: Node): string;
}

// Placeholder for an expression that was refused (the build fails anyway; this keeps the translation going).
const REFUSED: PyExpr = { k: "name", id: "__refused__" };

const name = (id: string): PyExpr => ({ k: "name", id: id });
const str = (value: string): PyExpr => ({ k: "str", value: value });
const num = (text: string): PyExpr => ({ k: "num", text: text });
const NONE: PyExpr = { k: "none" };
const call = (func: PyExpr, args: PyExpr[]): PyExpr => ({ k: "call", func: func, args: args, kwargs: [] });
const attr = (value: PyExpr, a: string): PyExpr => ({ k: "attr", value: value, attr: a });
const method = (value: PyExpr, m: string, args: PyExpr[]): PyExpr => call(attr(value, m), args);
const cmp = (op: PyCmpOp, left: PyExpr, right: PyExpr): PyExpr => ({ k: "cmp", op: op, left: left, right: right });
const index = (value: PyExpr, i: PyExpr): PyExpr => ({ k: "index", value: value, index: i });
const comp = (kind: "list" | "gen", elt: PyExpr, targets: string[], iter: PyExpr, cond: PyExpr | null): PyExpr => ({
  k: "comp",
  kind: kind,
  elt: elt,
  targets: targets,
  iter: iter,
  cond: cond,
});

// Whole-number variables per source file (computed once per file).
const INTEGER_CACHE = new WeakMap<ts.SourceFile, Set<Node>>();

// Array methods that call their callback at once and keep no reference to it.
const CONSUMING_METHODS = new Set(["map", "filter", "some", "every", "find", "findIndex", "sort"]);

// Keys JavaScript orders before all others in an object (array-index-like), whatever the insertion order.
const INTEGER_LIKE = /^(0|[1-9][0-9]*)$/;
const USE_A_MAP = "use a Map: JavaScript puts integer-like keys of an object first, Python keeps insertion order";

// Methods that change an array in place: a loop bound `i < xs.length` is not invariant when the body calls them.
const ARRAY_MUTATORS = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"]);

function unwrap(node: Node): Node {
  let n = node;
  while (
    Node.isParenthesizedExpression(n) ||
    Node.isAsExpression(n) ||
    Node.isSatisfiesExpression(n) ||
    Node.isNonNullExpression(n) ||
    Node.isTypeAssertion(n)
  ) {
    n = n.getExpression();
  }
  return n;
}

function isAssignmentOperator(kind: SyntaxKind): boolean {
  return kind >= SyntaxKind.FirstAssignment && kind <= SyntaxKind.LastAssignment;
}

/** The declaration an identifier refers to, through import aliases. */
export function resolveDeclaration(id: Node, checker: TypeChecker): Node | undefined {
  let sym = Node.isShorthandPropertyAssignment(id) ? checker.getShorthandAssignmentValueSymbol(id) : id.getSymbol();
  if (sym === undefined) return undefined;
  if (sym.isAlias()) sym = sym.getAliasedSymbol() ?? sym;
  return sym.getValueDeclaration() ?? sym.getDeclarations()[0];
}

function isLibDeclaration(decl: Node | undefined): boolean {
  return decl?.getSourceFile().isDeclarationFile() === true;
}

/** The block a `let`/`const`/parameter/nested function is visible in. */
export function blockScopeOf(decl: Node): Node {
  let d: Node = decl;
  while (Node.isBindingElement(d) || Node.isObjectBindingPattern(d) || Node.isArrayBindingPattern(d)) {
    d = d.getParentOrThrow();
  }
  if (Node.isParameterDeclaration(d)) return d.getParentOrThrow();
  if (Node.isVariableDeclaration(d)) {
    const list = d.getParentOrThrow();
    const holder = list.getParentOrThrow();
    return Node.isVariableStatement(holder) ? holder.getParentOrThrow() : holder;
  }
  return d.getParentOrThrow();
}

/** Names assigned (=, op=, ++, --) anywhere inside `node`, as their declarations. */
function assignedDeclarations(node: Node, checker: TypeChecker): Set<Node> {
  const out = new Set<Node>();
  const note = (target: Node) => {
    const t = unwrap(target);
    if (Node.isIdentifier(t)) {
      const d = resolveDeclaration(t, checker);
      if (d !== undefined) out.add(d);
    }
  };
  node.forEachDescendant((n) => {
    if (Node.isBinaryExpression(n) && isAssignmentOperator(n.getOperatorToken().getKind())) note(n.getLeft());
    if (Node.isPrefixUnaryExpression(n) || Node.isPostfixUnaryExpression(n)) {
      const op = n.getOperatorToken();
      if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) note(n.getOperand());
    }
  });
  return out;
}

function isConstDeclaration(decl: Node): boolean {
  if (!Node.isVariableDeclaration(decl)) return false;
  const list = decl.getParent();
  return Node.isVariableDeclarationList(list) && list.getDeclarationKind() === VariableDeclarationKind.Const;
}

/** An expression that can be evaluated twice without a difference (no calls): names, property reads, literals. */
function isSimple(node: Node): boolean {
  const n = unwrap(node);
  if (Node.isIdentifier(n) || Node.isStringLiteral(n) || Node.isNumericLiteral(n)) return true;
  if (Node.isPropertyAccessExpression(n)) return !n.hasQuestionDotToken() && isSimple(n.getExpression());
  if (Node.isElementAccessExpression(n)) {
    return !n.hasQuestionDotToken() && isSimple(n.getExpression()) && isSimple(n.getArgumentExpressionOrThrow());
  }
  return n.getKind() === SyntaxKind.ThisKeyword;
}

/** Flattens nested and/or of the same operator. */
function boolop(op: "and" | "or", values: PyExpr[]): PyExpr {
  const flat: PyExpr[] = [];
  for (const v of values) {
    if (v.k === "boolop" && v.op === op) flat.push(...v.values);
    else flat.push(v);
  }
  return { k: "boolop", op: op, values: flat };
}

/** Expressions whose Python value is always a bool. */
function isBoolValued(e: PyExpr): boolean {
  if (e.k === "cmp" || e.k === "not" || e.k === "bool") return true;
  if (e.k === "boolop") return e.values.every(isBoolValued);
  return e.k === "call" && e.func.k === "name" && (e.func.id === "isinstance" || e.func.id === "any" || e.func.id === "all");
}

/** `not e`, simplified where that keeps the value (a double `not` stays unless `e` is a bool already). */
function negate(e: PyExpr): PyExpr {
  if (e.k === "not") return isBoolValued(e.operand) ? e.operand : call(name("bool"), [e.operand]);
  if (e.k === "bool") return { k: "bool", value: !e.value };
  if (e.k === "cmp") {
    const flip: Partial<Record<PyCmpOp, PyCmpOp>> = {
      is: "is not",
      "is not": "is",
      "==": "!=",
      "!=": "==",
      in: "not in",
      "not in": "in",
    };
    const op = flip[e.op];
    if (op !== undefined) return cmp(op, e.left, e.right);
  }
  return { k: "not", operand: e };
}

interface LoopFrame {
  /** Statements a `continue` must run first (the update of a `for (;;)` loop lowered to `while`). */
  beforeContinue: PyStmt[];
}

export class BodyTranslator {
  private readonly loops: LoopFrame[] = [];
  /** Callback functions hoisted out of the expression being translated; emitted before its statement. */
  private prelude: PyStmt[] = [];

  constructor(
    private readonly ctx: TranslationContext,
    /** The function being translated (its own scope for `nonlocal`). */
    private readonly fn: FunctionLike | null,
  ) {}

  // -------------------------------------------------------------------------------------------------------------
  // Functions

  /** A `def` for `fn` named `pyName`. */
  translateFunction(fn: FunctionLike, pyName: string, doc: string): PyDef {
    const inner = new BodyTranslator(this.ctx, fn);
    return inner.functionDef(pyName, doc);
  }

  private functionDef(pyName: string, doc: string): PyDef {
    const fn = this.fn as FunctionLike;
    if (fn.isAsync()) this.ctx.refuse(fn, "an async function", "the core is synchronous: make it a plain function");
    if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) {
      if (fn.isGenerator()) this.ctx.refuse(fn, "a generator function", "return an array instead");
    }
    const params: PyParam[] = [];
    const prologue: PyStmt[] = [];
    for (const p of fn.getParameters()) {
      const nameNode = p.getNameNode();
      if (!Node.isIdentifier(nameNode)) {
        this.ctx.refuse(p, "a destructured parameter", "take the object as one parameter and read its fields");
        continue;
      }
      const pyParam = this.ctx.declName(p) ?? nameNode.getText();
      const init = p.getInitializer();
      const rest = p.isRestParameter();
      let type = this.ctx.pyType(p.getType());
      if (rest) {
        const el = elementType(p.getType());
        type = el === undefined ? { k: "any" } : this.ctx.pyType(el);
      }
      params.push({ name: pyParam, type: type, optional: p.hasQuestionToken() || init !== undefined, rest: rest, bound: false });
      // Python passes *args as a tuple; JavaScript's rest parameter is an array.
      if (rest) prologue.push({ k: "assign", targets: [name(pyParam)], value: call(name("list"), [name(pyParam)]) });
      if (init !== undefined) {
        // JavaScript applies the default whenever the argument is undefined, also when passed explicitly.
        prologue.push({
          k: "if",
          test: cmp("is", name(pyParam), NONE),
          body: [{ k: "assign", targets: [name(pyParam)], value: this.valueWithPrelude(init, prologue) }],
          orelse: [],
        });
      }
    }
    const body: PyStmt[] = [];
    const nonlocals = this.nonlocalNames(fn);
    if (nonlocals.length > 0) body.push({ k: "nonlocal", names: nonlocals });
    body.push(...prologue);
    const fnBody = fn.getBody();
    if (fnBody === undefined) {
      this.ctx.refuse(fn, "a function without a body (an overload)", "declare one function with one signature");
    } else if (Node.isBlock(fnBody)) {
      body.push(...this.stmts(fnBody.getStatements()));
    } else {
      const value = this.expr(fnBody);
      body.push(...this.takePrelude(), { k: "return", value: value });
    }
    const returnType = fn.getReturnType();
    const returns: PyType = returnType.isVoid() ? { k: "none" } : this.ctx.pyType(returnType);
    return { k: "def", name: pyName, params: params, returns: returns, doc: doc, body: body };
  }

  private valueWithPrelude(node: Node, into: PyStmt[]): PyExpr {
    const v = this.expr(node);
    into.push(...this.takePrelude());
    return v;
  }

  /** Callback functions hoisted out of the expressions translated so far (module-level initializers). */
  takeHoisted(): PyStmt[] {
    return this.takePrelude();
  }

  private takePrelude(): PyStmt[] {
    const p = this.prelude;
    this.prelude = [];
    return p;
  }

  /** Variables of enclosing functions that `fn` assigns: Python needs them declared `nonlocal`. */
  private nonlocalNames(fn: FunctionLike): string[] {
    if (fn.getParentOrThrow().getKind() === SyntaxKind.SourceFile) return [];
    const out = new Set<string>();
    for (const decl of assignedDeclarations(fn, this.ctx.checker)) {
      const inside = decl.getPos() >= fn.getPos() && decl.getEnd() <= fn.getEnd();
      const moduleLevel = Node.isVariableDeclaration(decl) && Node.isSourceFile(blockScopeOf(decl));
      if (!inside && !moduleLevel) {
        const n = this.ctx.declName(decl);
        if (n !== undefined) out.add(n);
      }
    }
    return [...out].sort();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Statements

  stmts(list: Statement[]): PyStmt[] {
    const out: PyStmt[] = [];
    // Function declarations are hoisted in JavaScript: define them first.
    for (const s of list) {
      if (Node.isFunctionDeclaration(s)) {
        this.checkLoopClosure(s);
        const comments = this.ctx.leadingComments(s);
        if (comments.length > 0) out.push({ k: "comment", lines: comments });
        out.push(this.translateFunction(s, this.ctx.declName(s) ?? s.getName() ?? "_", this.ctx.docOf(s)));
      }
    }
    for (const s of list) {
      if (Node.isFunctionDeclaration(s)) continue;
      const comments = this.ctx.leadingComments(s);
      if (comments.length > 0) out.push({ k: "comment", lines: comments });
      const saved = this.prelude;
      this.prelude = [];
      const translated = this.stmt(s);
      out.push(...this.prelude, ...translated);
      this.prelude = saved;
    }
    return out;
  }

  private block(s: Statement): PyStmt[] {
    return Node.isBlock(s) ? this.stmts(s.getStatements()) : this.stmts([s]);
  }

  private stmt(s: Statement): PyStmt[] {
    if (Node.isVariableStatement(s)) {
      const list = s.getDeclarationList();
      if (list.getDeclarationKind() === VariableDeclarationKind.Var) {
        this.ctx.refuse(s, "a var declaration", "use const or let");
        return [];
      }
      return list.getDeclarations().flatMap((d) => this.varDecl(d));
    }
    if (Node.isExpressionStatement(s)) return this.exprStmt(s.getExpression());
    if (Node.isIfStatement(s)) {
      const test = this.test(s.getExpression());
      const then = this.block(s.getThenStatement());
      const otherwise = s.getElseStatement();
      let orelse: PyStmt[] = [];
      if (otherwise !== undefined) {
        orelse = Node.isIfStatement(otherwise) ? this.stmts([otherwise]) : this.block(otherwise);
      }
      return [{ k: "if", test: test, body: then, orelse: orelse }];
    }
    if (Node.isForOfStatement(s)) return this.forOf(s);
    if (Node.isForStatement(s)) return this.forLoop(s);
    if (Node.isWhileStatement(s)) {
      const test = this.test(s.getExpression());
      this.loops.push({ beforeContinue: [] });
      const body = this.block(s.getStatement());
      this.loops.pop();
      return [{ k: "while", test: test, body: body }];
    }
    if (Node.isReturnStatement(s)) {
      const e = s.getExpression();
      return [{ k: "return", value: e === undefined ? null : this.expr(e) }];
    }
    if (Node.isBreakStatement(s)) {
      if (s.getLabel() !== undefined) this.ctx.refuse(s, "a labelled break", "move the loop into a function and return");
      return [{ k: "break" }];
    }
    if (Node.isContinueStatement(s)) {
      if (s.getLabel() !== undefined) {
        this.ctx.refuse(s, "a labelled continue", "move the inner loop into a function");
      }
      const frame = this.loops[this.loops.length - 1];
      return [...(frame === undefined ? [] : structuredClone(frame.beforeContinue)), { k: "continue" }];
    }
    if (Node.isThrowStatement(s)) return this.throwStmt(s.getExpression(), s);
    if (Node.isBlock(s)) return this.stmts(s.getStatements());
    if (Node.isEmptyStatement(s)) return [];
    if (Node.isInterfaceDeclaration(s) || Node.isTypeAliasDeclaration(s)) return [];
    if (Node.isSwitchStatement(s)) {
      this.ctx.refuse(s, "a switch statement", "write if / else if / else");
    } else if (Node.isDoStatement(s)) {
      this.ctx.refuse(s, "a do...while loop", "write while (true) { ...; if (!(condition)) break; }");
    } else if (Node.isForInStatement(s)) {
      this.ctx.refuse(s, "a for...in loop", "write for (const key of Object.keys(obj))");
    } else if (Node.isTryStatement(s)) {
      this.ctx.refuse(s, "try/catch", "the core returns errors as values (see PlanError); check before acting");
    } else if (Node.isLabeledStatement(s)) {
      this.ctx.refuse(s, "a labelled statement", "move the inner loop into a function and return");
    } else if (Node.isClassDeclaration(s)) {
      this.ctx.refuse(s, "a class", "use an interface and plain functions");
    } else {
      this.ctx.refuse(s, `a ${s.getKindName()}`, "use the subset in codegen/README.md");
    }
    return [];
  }

  private throwStmt(e: Expression, at: Node): PyStmt[] {
    const n = unwrap(e);
    if (Node.isNewExpression(n)) {
      const ctor = n.getExpression().getText();
      const python: Record<string, string> = { Error: "RuntimeError", TypeError: "TypeError", RangeError: "ValueError" };
      const cls = python[ctor];
      const args = n.getArguments();
      if (cls !== undefined && args.length <= 1) {
        return [{ k: "raise", exc: call(name(cls), args.map((a) => this.expr(a))) }];
      }
    }
    this.ctx.refuse(at, "throwing anything but new Error(message)", "throw new Error(message), or return the error");
    return [];
  }

  private varDecl(d: VariableDeclaration): PyStmt[] {
    const nameNode = d.getNameNode();
    const init = d.getInitializer();
    if (Node.isIdentifier(nameNode)) {
      const py = this.ctx.declName(d) ?? nameNode.getText();
      if (init === undefined) return [{ k: "assign", targets: [name(py)], value: NONE }];
      const fn = unwrap(init);
      if (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) {
        this.checkLoopClosure(fn);
        return [this.translateFunction(fn, py, this.ctx.docOf(d))];
      }
      return [{ k: "assign", targets: [name(py)], value: this.expr(init) }];
    }
    if (init === undefined) {
      this.ctx.refuse(d, "destructuring without a value", "declare the names one by one");
      return [];
    }
    if (Node.isArrayBindingPattern(nameNode)) {
      const names: string[] = [];
      for (const el of nameNode.getElements()) {
        if (!Node.isBindingElement(el) || !Node.isIdentifier(el.getNameNode())) {
          this.ctx.refuse(el, "a hole or nested pattern in array destructuring", "read the elements by index");
          return [];
        }
        if (el.getDotDotDotToken() !== undefined || el.getInitializer() !== undefined) {
          this.ctx.refuse(el, "a rest element or default in array destructuring", "read the elements by index");
          return [];
        }
        names.push(this.ctx.declName(el) ?? el.getName());
      }
      const t = init.getType();
      if (t.isTuple() && t.getTupleElements().length === names.length) {
        return [{ k: "assign", targets: names.map(name), value: this.expr(init) }];
      }
      if (!isSimple(init)) {
        this.ctx.refuse(d, "destructuring an array that is not a tuple of that length", "assign it to a const first");
        return [];
      }
      const source = this.expr(init);
      return names.map((n, i) => ({ k: "assign", targets: [name(n)], value: index(source, num(String(i))) }));
    }
    // Object destructuring: one read per name, so the value must be safe to evaluate more than once.
    if (!isSimple(init)) {
      this.ctx.refuse(d, "destructuring a computed value", "assign the value to a const first, then destructure it");
      return [];
    }
    const out: PyStmt[] = [];
    const source = this.expr(init);
    for (const el of nameNode.getElements()) {
      if (el.getDotDotDotToken() !== undefined || el.getInitializer() !== undefined || !Node.isIdentifier(el.getNameNode())) {
        this.ctx.refuse(el, "a rest element, default or nested pattern in destructuring", "read the fields one by one");
        continue;
      }
      const prop = el.getPropertyNameNode()?.getText() ?? el.getName();
      const value = this.fieldRead(source, init.getType(), prop, el);
      out.push({ k: "assign", targets: [name(this.ctx.declName(el) ?? el.getName())], value: value });
    }
    return out;
  }

  private exprStmt(e: Expression): PyStmt[] {
    const n = unwrap(e);
    if (Node.isBinaryExpression(n) && isAssignmentOperator(n.getOperatorToken().getKind())) return this.assignment(n);
    if (Node.isPrefixUnaryExpression(n) || Node.isPostfixUnaryExpression(n)) {
      const op = n.getOperatorToken();
      if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
        return [
          { k: "augassign", target: this.lvalue(n.getOperand()), op: op === SyntaxKind.PlusPlusToken ? "+" : "-", value: num("1") },
        ];
      }
    }
    if (Node.isCallExpression(n)) return this.callStmt(n);
    if (Node.isDeleteExpression(n)) {
      const target = unwrap(n.getExpression());
      if (Node.isPropertyAccessExpression(target) && kindOf(target.getExpression().getType()).kind === "object") {
        return [{ k: "expr", value: method(this.expr(target.getExpression()), "pop", [str(target.getName()), NONE]) }];
      }
      this.ctx.refuse(n, "this delete", "delete only object fields (delete obj.field)");
      return [];
    }
    this.ctx.refuse(n, "an expression statement that neither calls nor assigns", "remove it");
    return [];
  }

  private assignment(n: BinaryExpression): PyStmt[] {
    const op = n.getOperatorToken().getKind();
    const left = n.getLeft();
    const right = n.getRight();
    if (Node.isBinaryExpression(unwrap(right)) && isAssignmentOperator((unwrap(right) as BinaryExpression).getOperatorToken().getKind())) {
      this.ctx.refuse(n, "a chained assignment", "assign each name in its own statement");
      return [];
    }
    if (Node.isArrayLiteralExpression(unwrap(left)) || Node.isObjectLiteralExpression(unwrap(left))) {
      this.ctx.refuse(n, "a destructuring assignment", "assign each name in its own statement");
      return [];
    }
    const target = this.lvalue(left);
    const lk = kindOf(left.getType());
    switch (op) {
      case SyntaxKind.EqualsToken:
        return [{ k: "assign", targets: [target], value: this.expr(right) }];
      case SyntaxKind.PlusEqualsToken:
        if (lk.kind === "string") return [{ k: "augassign", target: target, op: "+", value: this.toText(right) }];
        if (lk.kind === "number" && kindOf(right.getType()).kind === "number" && !lk.nullable) {
          return [{ k: "augassign", target: target, op: "+", value: this.expr(right) }];
        }
        break;
      case SyntaxKind.MinusEqualsToken:
      case SyntaxKind.AsteriskEqualsToken:
      case SyntaxKind.SlashEqualsToken:
      case SyntaxKind.AsteriskAsteriskEqualsToken: {
        const ops: Partial<Record<SyntaxKind, PyBinOp>> = {
          [SyntaxKind.MinusEqualsToken]: "-",
          [SyntaxKind.AsteriskEqualsToken]: "*",
          [SyntaxKind.SlashEqualsToken]: "/",
          [SyntaxKind.AsteriskAsteriskEqualsToken]: "**",
        };
        if (this.numeric(left) && this.numeric(right)) {
          return [{ k: "augassign", target: target, op: ops[op] as PyBinOp, value: this.expr(right) }];
        }
        break;
      }
      case SyntaxKind.PercentEqualsToken:
        if (this.numeric(left) && this.numeric(right)) {
          this.ctx.useShim("_js_rem");
          return [{ k: "assign", targets: [target], value: call(name("_js_rem"), [target, this.expr(right)]) }];
        }
        break;
      default:
        this.ctx.refuse(
          n,
          `the ${n.getOperatorToken().getText()} assignment`,
          "write the operation out: x = x + y, or if (x === null) { x = y; }",
        );
        return [];
    }
    this.ctx.refuse(n, `${n.getOperatorToken().getText()} on these types`, "use numbers on both sides (or a string on the left of +=)");
    return [];
  }

  private numeric(node: Node): boolean {
    const k = kindOf(node.getType());
    return k.kind === "number" && !k.nullable;
  }

  /** An assignment target. */
  private lvalue(node: Node): PyExpr {
    const n = unwrap(node);
    if (Node.isIdentifier(n)) return this.identifier(n);
    if (Node.isPropertyAccessExpression(n) && !n.hasQuestionDotToken()) {
      const k = kindOf(n.getExpression().getType());
      if (k.kind === "object" && !k.nullable) return index(this.expr(n.getExpression()), str(n.getName()));
      this.ctx.refuse(n, `assigning to .${n.getName()} of this value`, "assign only to fields of objects");
      return REFUSED;
    }
    if (Node.isElementAccessExpression(n) && !n.hasQuestionDotToken()) {
      const recv = n.getExpression();
      const k = kindOf(recv.getType());
      const arg = n.getArgumentExpressionOrThrow();
      if (k.kind === "array" && !k.nullable && this.numeric(arg)) return index(this.expr(recv), this.expr(arg));
      if (k.kind === "object" && !k.nullable && kindOf(arg.getType()).kind === "string") {
        const a = unwrap(arg);
        if ((Node.isStringLiteral(a) || Node.isNoSubstitutionTemplateLiteral(a)) && !INTEGER_LIKE.test(a.getLiteralValue())) {
          return index(this.expr(recv), this.expr(arg));
        }
        this.ctx.refuse(n, "writing a computed key into an object", USE_A_MAP);
        return REFUSED;
      }
    }
    this.ctx.refuse(n, "this assignment target", "assign to a variable, an object field or an array element");
    return REFUSED;
  }

  /** Calls used as statements: the mutating methods whose value is never used. */
  private callStmt(n: CallExpression): PyStmt[] {
    const callee = unwrap(n.getExpression());
    if (Node.isPropertyAccessExpression(callee) && !callee.hasQuestionDotToken() && !n.hasQuestionDotToken()) {
      const recv = callee.getExpression();
      const k = kindOf(recv.getType());
      const m = callee.getName();
      const args = n.getArguments();
      if (k.kind === "array" && !k.nullable) {
        const a = this.expr(recv);
        if (m === "push") {
          if (args.length === 1 && !Node.isSpreadElement(args[0])) return [{ k: "expr", value: method(a, "append", [this.expr(args[0])]) }];
          return [{ k: "expr", value: method(a, "extend", [this.listOf(args)]) }];
        }
        if (m === "unshift" && args.length === 1 && !Node.isSpreadElement(args[0])) {
          return [{ k: "expr", value: method(a, "insert", [num("0"), this.expr(args[0])]) }];
        }
        if (m === "reverse" && args.length === 0) return [{ k: "expr", value: method(a, "reverse", []) }];
      }
      if (k.kind === "map" && !k.nullable) {
        if (m === "set" && args.length === 2) {
          this.checkKey(recv, n);
          return [{ k: "assign", targets: [index(this.expr(recv), this.expr(args[0]))], value: this.expr(args[1]) }];
        }
        if (m === "delete" && args.length === 1) {
          return [{ k: "expr", value: method(this.expr(recv), "pop", [this.expr(args[0]), NONE]) }];
        }
      }
      if (k.kind === "set" && !k.nullable) {
        if (m === "add" && args.length === 1) {
          this.checkKey(recv, n);
          return [{ k: "assign", targets: [index(this.expr(recv), this.expr(args[0]))], value: NONE }];
        }
        if (m === "delete" && args.length === 1) {
          return [{ k: "expr", value: method(this.expr(recv), "pop", [this.expr(args[0]), NONE]) }];
        }
      }
    }
    return [{ k: "expr", value: this.expr(n) }];
  }

  /** Map keys and Set members must be strings or numbers: Python dict keys compare by value, JavaScript's by identity. */
  private checkKey(recv: Node, at: Node): void {
    const args = recv.getType().getTypeArguments();
    const key = args[0];
    if (key === undefined) return;
    const k = kindOf(key);
    if (k.kind !== "string" && k.kind !== "number") {
      this.ctx.refuse(at, `a Map or Set keyed by ${key.getText()}`, "key it by a string or a number (an id or a name)");
    }
  }

  private forOf(s: ForOfStatement): PyStmt[] {
    if (s.isAwaited()) {
      this.ctx.refuse(s, "for await", "the core is synchronous");
      return [];
    }
    const init = s.getInitializer();
    let targets: string[] = [];
    if (Node.isVariableDeclarationList(init) && init.getDeclarations().length === 1) {
      const d = init.getDeclarations()[0];
      const nn = d.getNameNode();
      if (Node.isIdentifier(nn)) {
        targets = [this.loopTarget(d, s.getStatement())];
      } else if (Node.isArrayBindingPattern(nn)) {
        for (const el of nn.getElements()) {
          if (!Node.isBindingElement(el) || !Node.isIdentifier(el.getNameNode()) || el.getInitializer() !== undefined || el.getDotDotDotToken() !== undefined) {
            this.ctx.refuse(el, "this loop variable pattern", "use const [a, b] of pairs with plain names");
            return [];
          }
          targets.push(this.loopTarget(el, s.getStatement()));
        }
      } else {
        this.ctx.refuse(nn, "destructuring an object in a for-of", "loop over the objects and read their fields");
        return [];
      }
    } else {
      this.ctx.refuse(s, "a for-of loop without a declaration", "write for (const x of items)");
      return [];
    }
    const iterNode = s.getExpression();
    const k = kindOf(iterNode.getType());
    let iter: PyExpr;
    if (k.nullable) {
      this.ctx.refuse(iterNode, "looping over a value that may be null or undefined", "check it first");
      return [];
    }
    if (k.kind === "map") iter = method(this.expr(iterNode), "items", []);
    else if (k.kind === "array" || k.kind === "string" || k.kind === "set") iter = this.expr(iterNode);
    else if (this.isIterator(iterNode.getType())) iter = this.expr(iterNode);
    else {
      this.ctx.refuse(iterNode, `looping over a ${iterNode.getType().getText()}`, "loop over an array, a string, a Map or a Set");
      return [];
    }
    this.loops.push({ beforeContinue: [] });
    const body = this.block(s.getStatement());
    this.loops.pop();
    return [{ k: "for", targets: targets, iter: iter, body: body }];
  }

  /** The Python name of a loop variable, or "_" when the body never reads it (ruff B007). */
  private loopTarget(decl: Node, body: Node): string {
    let used = false;
    body.forEachDescendant((n, traversal) => {
      if (Node.isIdentifier(n) && resolveDeclaration(n, this.ctx.checker) === decl) {
        used = true;
        traversal.stop();
      }
    });
    return used ? (this.ctx.declName(decl) ?? decl.getText()) : "_";
  }

  private isIterator(t: Type): boolean {
    const n = t.getSymbol()?.getName() ?? "";
    return /Iterator$/.test(n);
  }

  private forLoop(s: ForStatement): PyStmt[] {
    const range = this.rangeLoop(s);
    if (range !== null) return range;
    const out: PyStmt[] = [];
    const init = s.getInitializer();
    if (init !== undefined) {
      if (Node.isVariableDeclarationList(init)) {
        if (init.getDeclarationKind() === VariableDeclarationKind.Var) this.ctx.refuse(init, "a var declaration", "use let");
        for (const d of init.getDeclarations()) out.push(...this.varDecl(d));
      } else {
        out.push(...this.exprStmt(init));
      }
    }
    const cond = s.getCondition();
    const test: PyExpr = cond === undefined ? { k: "bool", value: true } : this.test(cond);
    const inc = s.getIncrementor();
    const update: PyStmt[] = inc === undefined ? [] : this.exprStmt(inc);
    this.loops.push({ beforeContinue: update });
    const body = this.block(s.getStatement());
    this.loops.pop();
    const last = body[body.length - 1];
    const ends = last !== undefined && (last.k === "return" || last.k === "break" || last.k === "continue" || last.k === "raise");
    out.push({ k: "while", test: test, body: ends ? body : [...body, ...structuredClone(update)] });
    return out;
  }

  /** `for (let i = a; i < n; i++)` as `for i in range(a, n)`, when the body leaves `i` and `n` alone. */
  private rangeLoop(s: ForStatement): PyStmt[] | null {
    const init = s.getInitializer();
    const cond = s.getCondition();
    const inc = s.getIncrementor();
    if (!Node.isVariableDeclarationList(init) || init.getDeclarations().length !== 1 || cond === undefined || inc === undefined) {
      return null;
    }
    const decl = init.getDeclarations()[0];
    const start = decl.getInitializer();
    if (!Node.isIdentifier(decl.getNameNode()) || start === undefined || !this.numeric(start)) return null;
    const c = unwrap(cond);
    if (!Node.isBinaryExpression(c)) return null;
    const op = c.getOperatorToken().getKind();
    if (op !== SyntaxKind.LessThanToken && op !== SyntaxKind.LessThanEqualsToken) return null;
    const isVar = (n: Node) => Node.isIdentifier(unwrap(n)) && resolveDeclaration(unwrap(n), this.ctx.checker) === decl;
    if (!isVar(c.getLeft())) return null;
    const step = unwrap(inc);
    const stepOk =
      ((Node.isPostfixUnaryExpression(step) || Node.isPrefixUnaryExpression(step)) &&
        step.getOperatorToken() === SyntaxKind.PlusPlusToken &&
        isVar(step.getOperand())) ||
      (Node.isBinaryExpression(step) &&
        step.getOperatorToken().getKind() === SyntaxKind.PlusEqualsToken &&
        isVar(step.getLeft()) &&
        unwrap(step.getRight()).getText() === "1");
    if (!stepOk) return null;
    const body = s.getStatement();
    const assigned = assignedDeclarations(body, this.ctx.checker);
    if (assigned.has(decl)) return null;
    const bound = c.getRight();
    if (!this.invariant(bound, body, assigned)) return null;
    const i = this.loopTarget(decl, body);
    const startExpr = this.expr(start);
    let stop = this.expr(bound);
    if (op === SyntaxKind.LessThanEqualsToken) stop = { k: "bin", op: "+", left: stop, right: num("1") };
    const args = startExpr.k === "num" && startExpr.text === "0" ? [stop] : [startExpr, stop];
    this.loops.push({ beforeContinue: [] });
    const pyBody = this.block(body);
    this.loops.pop();
    return [{ k: "for", targets: [i], iter: call(name("range"), args), body: pyBody }];
  }

  /** True when `bound` has the same value on every iteration of `body` (Python's range() evaluates it once). */
  private invariant(bound: Node, body: Node, assigned: Set<Node>): boolean {
    const b = unwrap(bound);
    if (Node.isNumericLiteral(b)) return true;
    if (Node.isIdentifier(b)) {
      const d = resolveDeclaration(b, this.ctx.checker);
      return d !== undefined && (isConstDeclaration(d) || !assigned.has(d)) && this.numeric(b);
    }
    if (Node.isBinaryExpression(b)) {
      const op = b.getOperatorToken().getKind();
      const arithmetic = [SyntaxKind.PlusToken, SyntaxKind.MinusToken, SyntaxKind.AsteriskToken].includes(op);
      return arithmetic && this.numeric(b) && this.invariant(b.getLeft(), body, assigned) && this.invariant(b.getRight(), body, assigned);
    }
    if (Node.isPropertyAccessExpression(b) && b.getName() === "length") {
      const recv = unwrap(b.getExpression());
      if (!Node.isIdentifier(recv)) return false;
      const d = resolveDeclaration(recv, this.ctx.checker);
      if (d === undefined || assigned.has(d)) return false;
      const k = kindOf(recv.getType()).kind;
      if (k === "string") return true;
      if (k !== "array") return false;
      let mutated = false;
      body.forEachDescendant((n) => {
        if (Node.isIdentifier(n) && resolveDeclaration(n, this.ctx.checker) === d) {
          const parent = n.getParentOrThrow();
          if (Node.isPropertyAccessExpression(parent) && ARRAY_MUTATORS.has(parent.getName())) mutated = true;
          if (Node.isCallExpression(parent) && parent.getArguments().includes(n)) mutated = true;
          if (Node.isPropertyAccessExpression(parent) && parent.getName() === "length") {
            const gp = parent.getParent();
            if (Node.isBinaryExpression(gp) && gp.getLeft() === parent && isAssignmentOperator(gp.getOperatorToken().getKind())) {
              mutated = true;
            }
          }
        }
      });
      return !mutated;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Expressions in a boolean context (if, while, !, && and || operands there)

  test(node: Node): PyExpr {
    const n = unwrap(node);
    if (Node.isPrefixUnaryExpression(n) && n.getOperatorToken() === SyntaxKind.ExclamationToken) {
      return negate(this.test(n.getOperand()));
    }
    if (Node.isBinaryExpression(n)) {
      const op = n.getOperatorToken().getKind();
      if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken) {
        return boolop(op === SyntaxKind.AmpersandAmpersandToken ? "and" : "or", [this.test(n.getLeft()), this.test(n.getRight())]);
      }
    }
    return this.truthy(n, this.expr(n));
  }

  /** `e` (the translation of `node`) as a Python condition with JavaScript's truthiness. */
  private truthy(node: Node, e: PyExpr): PyExpr {
    const k = kindOf(node.getType());
    if (isPrimitiveKind(k.kind)) return e;
    if (isReferenceKind(k.kind) && k.nullable) return cmp("is not", e, NONE);
    if (isReferenceKind(k.kind)) {
      this.ctx.refuse(
        node,
        "testing an object or array for truth (always true in JavaScript, false when empty in Python)",
        "compare explicitly, e.g. items.length > 0 or x !== null",
      );
      return REFUSED;
    }
    this.ctx.refuse(
      node,
      `testing a value of type ${node.getType().getText()} for truth`,
      'compare explicitly: x !== null, s !== "", n !== 0',
    );
    return REFUSED;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Expressions

  expr(node: Node): PyExpr {
    const n = unwrap(node);
    // The compiler's text is the normalised literal ("1e+21"); ts-morph's getLiteralValue() misreads exponents.
    if (Node.isNumericLiteral(n)) return this.numberLiteral(n.getText(), Number(n.compilerNode.text));
    if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n)) return str(n.getLiteralValue());
    if (Node.isTemplateExpression(n)) return this.template(n);
    if (Node.isTrueLiteral(n)) return { k: "bool", value: true };
    if (Node.isFalseLiteral(n)) return { k: "bool", value: false };
    if (Node.isNullLiteral(n)) return NONE;
    if (Node.isIdentifier(n)) return this.identifier(n);
    if (Node.isArrayLiteralExpression(n)) {
      for (const el of n.getElements()) {
        if (Node.isOmittedExpression(el)) this.ctx.refuse(el, "a hole in an array literal", "write undefined (None) explicitly");
      }
      return { k: "list", items: n.getElements().filter((el) => !Node.isOmittedExpression(el)).map((el) => this.element(el)) };
    }
    if (Node.isObjectLiteralExpression(n)) return this.objectLiteral(n);
    if (Node.isPropertyAccessExpression(n)) return this.member(n);
    if (Node.isElementAccessExpression(n)) return this.elementAccess(n);
    if (Node.isCallExpression(n)) return this.callExpr(n);
    if (Node.isNewExpression(n)) return this.newExpr(n);
    if (Node.isBinaryExpression(n)) return this.binary(n);
    if (Node.isPrefixUnaryExpression(n)) return this.prefix(n);
    if (Node.isConditionalExpression(n)) {
      return { k: "ifexp", test: this.test(n.getCondition()), body: this.expr(n.getWhenTrue()), orelse: this.expr(n.getWhenFalse()) };
    }
    if (Node.isArrowFunction(n) || Node.isFunctionExpression(n)) return this.functionValue(n);
    if (Node.isPostfixUnaryExpression(n)) {
      this.ctx.refuse(n, `${n.getText()} inside an expression`, "increment in a statement of its own (i += 1;)");
      return REFUSED;
    }
    if (Node.isRegularExpressionLiteral(n)) {
      this.ctx.refuse(n, "a regular expression", "match by hand with string methods (as glob.ts does)");
      return REFUSED;
    }
    if (n.getKind() === SyntaxKind.ThisKeyword) {
      this.ctx.refuse(n, "this", "use plain functions that take the object as a parameter");
      return REFUSED;
    }
    if (Node.isTypeOfExpression(n)) {
      this.ctx.refuse(n, "typeof outside a comparison with a string", 'write typeof x === "string"');
      return REFUSED;
    }
    this.ctx.refuse(n, `a ${n.getKindName()} expression`, "use the subset in codegen/README.md");
    return REFUSED;
  }

  private numberLiteral(text: string, value: number): PyExpr {
    if (/^0[xX][0-9a-fA-F_]+$/.test(text)) return num(`0x${text.slice(2).toUpperCase()}`);
    if (/^0[bBoO][0-7_]+$/.test(text)) return num(text.toLowerCase());
    if (/^[0-9][0-9_]*$/.test(text)) return num(text);
    // A fraction or exponent form: an integer value stays a Python int (usable as an index), others a float.
    return num(Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : String(value));
  }

  private identifier(n: Node): PyExpr {
    const text = n.getText();
    const decl = resolveDeclaration(n, this.ctx.checker);
    if (decl === undefined || isLibDeclaration(decl)) {
      if (text === "undefined") return NONE;
      if (text === "NaN" || text === "Infinity") {
        this.ctx.useImport("math");
        return attr(name("math"), text === "NaN" ? "nan" : "inf");
      }
      this.ctx.refuse(n, `the global ${text} used as a value`, "call its functions directly (Math.floor(x)), or use the subset");
      return REFUSED;
    }
    const py = this.ctx.declName(decl);
    if (py === undefined) {
      this.ctx.refuse(n, `${text}, declared outside the translated files`, "import only from the translated files (./name.ts)");
      return REFUSED;
    }
    return name(py);
  }

  private element(el: Node): PyExpr {
    if (Node.isSpreadElement(el)) {
      const inner = el.getExpression();
      const k = kindOf(inner.getType());
      if (k.kind === "map") return { k: "star", value: method(this.expr(inner), "items", []) };
      if ((k.kind === "array" || k.kind === "set" || k.kind === "string" || this.isIterator(inner.getType())) && !k.nullable) {
        return { k: "star", value: this.expr(inner) };
      }
      this.ctx.refuse(el, `spreading a ${inner.getType().getText()}`, "spread arrays, strings, Maps and Sets only");
      return REFUSED;
    }
    return this.expr(el);
  }

  private listOf(args: Node[]): PyExpr {
    return { k: "list", items: args.map((a) => this.element(a)) };
  }

  private objectLiteral(n: ObjectLiteralExpression): PyExpr {
    const entries: { key: PyExpr | null; value: PyExpr }[] = [];
    for (const p of n.getProperties()) {
      if (Node.isPropertyAssignment(p)) {
        const nameNode = p.getNameNode();
        let key: PyExpr;
        if (Node.isComputedPropertyName(nameNode) || Node.isNumericLiteral(nameNode)) {
          this.ctx.refuse(nameNode, "a computed or numeric key in an object literal", USE_A_MAP);
          key = REFUSED;
        } else if (Node.isStringLiteral(nameNode)) {
          if (INTEGER_LIKE.test(nameNode.getLiteralValue())) {
            this.ctx.refuse(nameNode, "an integer-like key in an object literal", USE_A_MAP);
          }
          key = str(nameNode.getLiteralValue());
        } else {
          key = str(nameNode.getText());
        }
        entries.push({ key: key, value: this.expr(p.getInitializerOrThrow()) });
      } else if (Node.isShorthandPropertyAssignment(p)) {
        const decl = resolveDeclaration(p, this.ctx.checker);
        const py = decl === undefined ? undefined : this.ctx.declName(decl);
        if (py === undefined) this.ctx.refuse(p, `the shorthand property ${p.getName()}`, "write name: value");
        entries.push({ key: str(p.getName()), value: name(py ?? "__refused__") });
      } else if (Node.isSpreadAssignment(p)) {
        const k = kindOf(p.getExpression().getType());
        if (k.kind !== "object" || k.nullable) {
          this.ctx.refuse(p, "spreading something other than an object into an object", "spread objects only");
        }
        entries.push({ key: null, value: this.expr(p.getExpression()) });
      } else {
        this.ctx.refuse(p, "a method or accessor in an object literal", "use a field holding an arrow function, or a plain function");
      }
    }
    return { k: "dict", entries: entries };
  }

  /** Reading field `prop` of an object of type `recvType`: o["prop"], or o.get("prop") when it is optional. */
  private fieldRead(recv: PyExpr, recvType: Type, prop: string, at: Node): PyExpr {
    const k = kindOf(recvType);
    if (k.kind !== "object" || k.nullable) {
      this.ctx.refuse(at, `reading .${prop} of a ${recvType.getText()}`, "read fields of objects that cannot be null here");
      return REFUSED;
    }
    const members = recvType.isUnion() ? recvType.getUnionTypes() : [recvType];
    const optional = members.some((m) => {
      const s = m.getProperty(prop);
      return s === undefined || s.hasFlags(SymbolFlags.Optional);
    });
    return optional ? method(recv, "get", [str(prop)]) : index(recv, str(prop));
  }

  /** `a?.b`: only as the last link of a chain (a longer chain would need Python to stop the whole chain at None). */
  private optionalChain(node: PropertyAccessExpression | ElementAccessExpression, value: (recv: PyExpr) => PyExpr): PyExpr {
    const recvNode = node.getExpression();
    const parent = node.getParent();
    const continued =
      (Node.isPropertyAccessExpression(parent) || Node.isElementAccessExpression(parent) || Node.isCallExpression(parent)) &&
      parent.getExpression() === node;
    if (continued || !isSimple(recvNode)) {
      this.ctx.refuse(node, "an optional chain (?.) that goes on or starts from a computed value", "check for null with if, then read the fields");
      return REFUSED;
    }
    const recv = this.expr(recvNode);
    return { k: "ifexp", test: cmp("is not", recv, NONE), body: value(recv), orelse: NONE };
  }

  private member(n: PropertyAccessExpression): PyExpr {
    const recvNode = n.getExpression();
    const prop = n.getName();
    const globalName = this.libGlobal(recvNode);
    if (globalName !== null) return this.staticMember(n, globalName, prop);
    const recvType = recvNode.getType();
    if (n.hasQuestionDotToken()) {
      const nonNull = recvType.getNonNullableType();
      return this.optionalChain(n, (recv) => this.memberOf(n, recv, nonNull, prop));
    }
    return this.memberOf(n, this.expr(recvNode), recvType, prop);
  }

  /** A property of a built-in type (Date, RegExp, Promise, ...): not a field of a plain object. */
  private isLibMember(n: PropertyAccessExpression): boolean {
    const decls = n.getNameNode().getSymbol()?.getDeclarations() ?? [];
    return decls.some((d) => d.getSourceFile().isDeclarationFile());
  }

  /** True when `node` continues an optional chain already reported (`a?.b.c`: the `.c` part). */
  private inReportedChain(node: Node): boolean {
    const n = unwrap(node);
    return (Node.isPropertyAccessExpression(n) || Node.isElementAccessExpression(n)) && n.hasQuestionDotToken();
  }

  private memberOf(n: Node, recv: PyExpr, recvType: Type, prop: string): PyExpr {
    const k = kindOf(recvType);
    if (Node.isPropertyAccessExpression(n) && this.inReportedChain(n.getExpression())) return REFUSED;
    if (Node.isPropertyAccessExpression(n) && k.kind === "object" && this.isLibMember(n)) {
      this.ctx.refuse(n, `reading .${prop} of a ${recvType.getText()}`, "use plain objects (interfaces) only");
      return REFUSED;
    }
    if (!k.nullable) {
      if (k.kind === "string" && prop === "length") {
        this.ctx.useShim("_js_len");
        return call(name("_js_len"), [recv]);
      }
      if (k.kind === "array" && prop === "length") return call(name("len"), [recv]);
      if ((k.kind === "map" || k.kind === "set") && prop === "size") return call(name("len"), [recv]);
      if (k.kind === "object") return this.fieldRead(recv, recvType, prop, n);
    }
    this.ctx.refuse(n, `reading .${prop} of a ${recvType.getText()}`, "use the properties listed in codegen/README.md");
    return REFUSED;
  }

  /** The name of a JavaScript global object (Math, Number, ...) when `node` is one. */
  private libGlobal(node: Node): string | null {
    const n = unwrap(node);
    if (!Node.isIdentifier(n)) return null;
    const decl = resolveDeclaration(n, this.ctx.checker);
    return isLibDeclaration(decl) ? n.getText() : null;
  }

  private staticMember(n: Node, global: string, prop: string): PyExpr {
    const key = `${global}.${prop}`;
    const numbers: Record<string, string> = {
      "Number.MAX_SAFE_INTEGER": "9007199254740991",
      "Number.MIN_SAFE_INTEGER": "-9007199254740991",
      "Number.EPSILON": "2.220446049250313e-16",
      "Number.MAX_VALUE": "1.7976931348623157e+308",
      "Number.MIN_VALUE": "5e-324",
    };
    if (numbers[key] !== undefined) return num(numbers[key]);
    const mathConsts: Record<string, string> = {
      "Math.PI": "pi",
      "Math.E": "e",
      "Number.POSITIVE_INFINITY": "inf",
      "Number.NaN": "nan",
    };
    if (mathConsts[key] !== undefined) {
      this.ctx.useImport("math");
      return attr(name("math"), mathConsts[key]);
    }
    if (key === "Number.NEGATIVE_INFINITY") {
      this.ctx.useImport("math");
      return { k: "neg", operand: attr(name("math"), "inf") };
    }
    this.ctx.refuse(n, key, "use the globals listed in codegen/README.md");
    return REFUSED;
  }

  private elementAccess(n: ElementAccessExpression): PyExpr {
    const recvNode = n.getExpression();
    const arg = n.getArgumentExpressionOrThrow();
    if (n.hasQuestionDotToken()) {
      const nonNull = recvNode.getType().getNonNullableType();
      return this.optionalChain(n, (recv) => this.elementOf(n, recv, nonNull, arg));
    }
    return this.elementOf(n, this.expr(recvNode), recvNode.getType(), arg);
  }

  private elementOf(n: Node, recv: PyExpr, recvType: Type, arg: Node): PyExpr {
    const k = kindOf(recvType);
    const ak = kindOf(arg.getType());
    if (!k.nullable && !ak.nullable) {
      if (k.kind === "array" && ak.kind === "number") return index(recv, this.expr(arg));
      if (k.kind === "string" && ak.kind === "number") {
        this.ctx.useShim("_js_str_index");
        return call(name("_js_str_index"), [recv, this.expr(arg)]);
      }
      if (k.kind === "object" && ak.kind === "string") {
        const a = unwrap(arg);
        if (Node.isStringLiteral(a) || Node.isNoSubstitutionTemplateLiteral(a)) return this.fieldRead(recv, recvType, a.getLiteralValue(), n);
        if (recvType.getStringIndexType() !== undefined) return method(recv, "get", [this.expr(arg)]);
      }
    }
    this.ctx.refuse(n, `indexing a ${recvType.getText()} with a ${arg.getType().getText()}`, "index arrays by number and records by string");
    return REFUSED;
  }

  // ---- calls

  private args(n: CallExpression): Node[] {
    return n.getArguments();
  }

  private callExpr(n: CallExpression): PyExpr {
    if (n.hasQuestionDotToken()) {
      this.ctx.refuse(n, "an optional call (?.())", "check for null with if, then call");
      return REFUSED;
    }
    const callee = unwrap(n.getExpression());
    const args = this.args(n);
    if (Node.isPropertyAccessExpression(callee)) {
      if (callee.hasQuestionDotToken()) {
        this.ctx.refuse(n, "an optional method call (?.m())", "check for null with if, then call");
        return REFUSED;
      }
      const recv = callee.getExpression();
      const m = callee.getName();
      const global = this.libGlobal(recv);
      if (global !== null) return this.staticCall(n, global, m, args);
      // A regular expression or a constructed built-in is the problem, not its method.
      if (Node.isRegularExpressionLiteral(unwrap(recv)) || Node.isNewExpression(unwrap(recv))) return this.expr(recv);
      const k = kindOf(recv.getType());
      if (!k.nullable) {
        if (k.kind === "string") return this.stringMethod(n, recv, m, args);
        if (k.kind === "array") return this.arrayMethod(n, recv, m, args);
        if (k.kind === "map") return this.mapMethod(n, recv, m, args);
        if (k.kind === "set") return this.setMethod(n, recv, m, args);
        if (k.kind === "number" && m === "toString" && args.length === 0) return this.toText(recv);
        if (k.kind === "object" && !this.isLibMember(callee)) {
          const fieldType = callee.getType();
          if (fieldType.getCallSignatures().length > 0) {
            return call(this.fieldRead(this.expr(recv), recv.getType(), m, callee), args.map((a) => this.callArg(a)));
          }
        }
      }
      this.ctx.refuse(n, `the method ${m} on a ${recv.getType().getText()}`, "use the methods listed in codegen/README.md");
      return REFUSED;
    }
    if (Node.isIdentifier(callee)) {
      const global = this.libGlobal(callee);
      if (global !== null) return this.globalCall(n, global, args);
      const decl = resolveDeclaration(callee, this.ctx.checker);
      if (decl !== undefined && (Node.isFunctionDeclaration(decl) || Node.isArrowFunction(decl))) {
        this.checkArity(n, decl, args);
      }
      return call(this.identifier(callee), args.map((a) => this.callArg(a)));
    }
    this.ctx.refuse(n, "calling the result of an expression", "assign the function to a const first, then call it");
    return REFUSED;
  }

  private checkArity(n: Node, decl: FunctionDeclaration | ArrowFunction, args: Node[]): void {
    if (args.some((a) => Node.isSpreadElement(a))) return;
    const params = decl.getParameters();
    if (args.length > params.length && !params.some((p) => p.isRestParameter())) {
      this.ctx.refuse(n, "passing more arguments than the function declares", "pass only the declared parameters");
    }
  }

  private callArg(a: Node): PyExpr {
    if (Node.isSpreadElement(a)) return this.element(a);
    return this.expr(a);
  }

  private globalCall(n: CallExpression, global: string, args: Node[]): PyExpr {
    if (global === "String" && args.length === 1) return this.toText(args[0]);
    if (global === "Boolean" && args.length === 1) {
      const t = this.test(args[0]);
      return t.k === "cmp" || t.k === "not" || t.k === "bool" || kindOf(args[0].getType()).kind === "boolean" ? t : call(name("bool"), [t]);
    }
    if (global === "encodeURIComponent" && args.length === 1) return this.shimCall("_js_encode_uri_component", [this.expr(args[0])]);
    const instead: Record<string, string> = {
      Number: "parse numbers outside the core, or compare strings",
      parseInt: "parse numbers outside the core",
      parseFloat: "parse numbers outside the core",
      isNaN: "write Number.isNaN(x) on a number",
      isFinite: "write Number.isFinite(x) on a number",
    };
    this.ctx.refuse(n, `${global}(...)`, instead[global] ?? "use the functions listed in codegen/README.md");
    return REFUSED;
  }

  private shimCall(shim: string, args: PyExpr[]): PyExpr {
    this.ctx.useShim(shim);
    return call(name(shim), args);
  }

  private mathCall(fn: string, args: PyExpr[]): PyExpr {
    this.ctx.useImport("math");
    return call(attr(name("math"), fn), args);
  }

  private requireNumbers(n: Node, args: Node[]): boolean {
    for (const a of args) {
      const inner = Node.isSpreadElement(a) ? a.getExpression() : a;
      const k = kindOf(Node.isSpreadElement(a) ? (elementType(inner.getType()) ?? inner.getType()) : inner.getType());
      if (k.kind !== "number" || k.nullable) {
        this.ctx.refuse(n, `${n.getText().split("(")[0]} of a ${inner.getType().getText()}`, "pass numbers only");
        return false;
      }
    }
    return true;
  }

  private staticCall(n: CallExpression, global: string, m: string, args: Node[]): PyExpr {
    const key = `${global}.${m}`;
    const one = args.length === 1 && !Node.isSpreadElement(args[0]);
    if (global === "Math") {
      if (m === "random") {
        this.ctx.refuse(n, "Math.random()", "the core is deterministic: take the value as a parameter");
        return REFUSED;
      }
      if (!this.requireNumbers(n, args)) return REFUSED;
      const a = args.map((x) => this.callArg(x));
      if (one && (m === "floor" || m === "ceil" || m === "sqrt" || m === "log" || m === "log2" || m === "log10" || m === "exp")) {
        return this.mathCall(m, a);
      }
      if (one && m === "abs") return call(name("abs"), a);
      if (one && m === "trunc") return this.shimCall("_js_trunc", a);
      if (one && m === "round") return this.shimCall("_js_round", a);
      if (one && m === "sign") return this.shimCall("_js_sign", a);
      if (args.length === 2 && m === "pow") return { k: "bin", op: "**", left: a[0], right: a[1] };
      if (m === "min" || m === "max") {
        if (args.length >= 1 && !args.some((x) => Node.isSpreadElement(x))) return call(name(m), a);
        return this.shimCall(m === "min" ? "_js_min_of" : "_js_max_of", [this.listOf(args)]);
      }
    }
    if (global === "Number" && one) {
      const a = this.expr(args[0]);
      if (m === "isInteger") return this.shimCall("_js_is_integer", [a]);
      if (m === "isFinite") return this.shimCall("_js_is_finite", [a]);
      if (m === "isNaN" && this.requireNumbers(n, args)) return cmp("!=", a, a);
      if (m === "isSafeInteger" && isSimple(args[0])) {
        return boolop("and", [this.shimCall("_js_is_integer", [a]), cmp("<=", call(name("abs"), [a]), num("9007199254740991"))]);
      }
    }
    if (global === "String") {
      if (m === "fromCharCode" && this.requireNumbers(n, args)) return this.shimCall("_js_from_char_code", args.map((x) => this.callArg(x)));
      if (m === "fromCodePoint" && one && this.requireNumbers(n, args)) return call(name("chr"), [this.expr(args[0])]);
    }
    if (global === "Object" && one) {
      const k = kindOf(args[0].getType());
      const o = this.expr(args[0]);
      if (m === "freeze") return o;
      if (k.kind === "object" && !k.nullable && (m === "keys" || m === "values" || m === "entries")) {
        if (args[0].getType().getStringIndexType() !== undefined) {
          this.ctx.refuse(n, `Object.${m} of a record (an object used as a map)`, USE_A_MAP);
          return REFUSED;
        }
      }
      if (k.kind === "object" && !k.nullable) {
        if (m === "keys") return call(name("list"), [o]);
        if (m === "values") return call(name("list"), [method(o, "values", [])]);
        if (m === "entries") return call(name("list"), [method(o, "items", [])]);
      }
      if (m === "fromEntries" && k.kind === "array") return call(name("dict"), [o]);
    }
    if (global === "Array") {
      if (m === "isArray" && one) return call(name("isinstance"), [this.expr(args[0]), name("list")]);
      if (m === "from" && one) {
        const k = kindOf(args[0].getType());
        const a = this.expr(args[0]);
        if (k.kind === "map") return call(name("list"), [method(a, "items", [])]);
        return call(name("list"), [a]);
      }
      if (m === "of") return this.listOf(args);
    }
    const instead: Record<string, string> = {
      JSON: "the core has no I/O or serialisation: return plain objects",
      console: "the core has no I/O: return messages as values",
      Object: "use Object.keys / values / entries / freeze / fromEntries, or spread",
      Date: "the core has no clock: take times as parameters",
    };
    this.ctx.refuse(n, `${key}(...)`, instead[global] ?? "use the functions listed in codegen/README.md");
    return REFUSED;
  }

  /** `node` converted to a string the way JavaScript's String(x) and template literals do. */
  toText(node: Node): PyExpr {
    const k = kindOf(node.getType());
    const e = this.expr(node);
    if (!k.nullable) {
      if (k.kind === "string") return e;
      // Integers print alike in both languages; only floats need JavaScript's formatting.
      if (k.kind === "number") {
        return this.isInteger(e) || this.isIntegerVariable(node) ? call(name("str"), [e]) : this.shimCall("_js_num", [e]);
      }
      if (k.kind === "boolean") return this.shimCall("_js_bool", [e]);
    }
    this.ctx.refuse(
      node,
      `converting a ${node.getType().getText()} to text`,
      'convert strings, numbers and booleans only; for a possible null write x === null ? "null" : String(x)',
    );
    return REFUSED;
  }

  /** A variable that only ever holds whole numbers (codegen/integer-locals.ts). */
  private isIntegerVariable(node: Node): boolean {
    const n = unwrap(node);
    if (!Node.isIdentifier(n)) return false;
    const d = resolveDeclaration(n, this.ctx.checker);
    if (d === undefined || d.getSourceFile().isDeclarationFile()) return false;
    const sf = d.getSourceFile();
    let ints = INTEGER_CACHE.get(sf.compilerNode);
    if (ints === undefined) {
      ints = integerLocals(sf, this.ctx.checker);
      INTEGER_CACHE.set(sf.compilerNode, ints);
    }
    return ints.has(d);
  }

  /** True for expressions that are always Python ints: int literals, len(), math.floor/ceil, and +, -, * of those. */
  private isInteger(e: PyExpr): boolean {
    if (e.k === "num") return /^(0x[0-9A-F_]+|0[bo][0-7_]+|-?[0-9][0-9_]*)$/.test(e.text);
    if (e.k === "call" && e.func.k === "name") return e.func.id === "len" || e.func.id === "_js_len";
    if (e.k === "call" && e.func.k === "attr" && e.func.value.k === "name" && e.func.value.id === "math") {
      return e.func.attr === "floor" || e.func.attr === "ceil";
    }
    if (e.k === "bin" && (e.op === "+" || e.op === "-" || e.op === "*")) return this.isInteger(e.left) && this.isInteger(e.right);
    if (e.k === "neg") return this.isInteger(e.operand);
    return false;
  }

  /** A string literal without unpaired surrogates (its code units and code points match alike). */
  private wholeUnits(node: Node): boolean {
    const n = unwrap(node);
    if (!Node.isStringLiteral(n) && !Node.isNoSubstitutionTemplateLiteral(n)) return false;
    return !/[\ud800-\udfff]/.test(n.getLiteralValue().replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));
  }

  private template(n: TemplateExpression): PyExpr {
    const parts: ({ text: string } | { expr: PyExpr })[] = [];
    const headText = (n.getHead().compilerNode as ts.TemplateHead).text;
    if (headText !== "") parts.push({ text: headText });
    for (const span of n.getTemplateSpans()) {
      parts.push({ expr: this.toText(span.getExpression()) });
      const lit = (span.getLiteral().compilerNode as ts.TemplateMiddle | ts.TemplateTail).text;
      if (lit !== "") parts.push({ text: lit });
    }
    return { k: "fstring", parts: parts };
  }

  private stringMethod(n: CallExpression, recv: Node, m: string, args: Node[]): PyExpr {
    const s = this.expr(recv);
    const a = args.map((x) => this.callArg(x));
    const strArg = (i: number) => {
      const t = args[i]?.getType();
      const k = t === undefined ? null : kindOf(t);
      return k !== null && k.kind === "string" && !k.nullable;
    };
    const numArgs = args.every((x) => this.numeric(x));
    switch (m) {
      case "charCodeAt":
        if (args.length <= 1 && numArgs) return this.shimCall("_js_char_code_at", [s, a[0] ?? num("0")]);
        break;
      case "charAt":
        if (args.length <= 1 && numArgs) return this.shimCall("_js_char_at", [s, a[0] ?? num("0")]);
        break;
      case "codePointAt":
        if (args.length === 1 && numArgs) return this.shimCall("_js_code_point_at", [s, a[0]]);
        break;
      case "slice":
        if (args.length <= 2 && numArgs) return this.shimCall("_js_slice", [s, ...a]);
        break;
      case "substring":
        if (args.length >= 1 && args.length <= 2 && numArgs) return this.shimCall("_js_substring", [s, ...a]);
        break;
      case "indexOf":
        if (args.length >= 1 && args.length <= 2 && strArg(0) && (args.length === 1 || this.numeric(args[1]))) {
          return this.shimCall("_js_index_of", [s, ...a]);
        }
        break;
      case "lastIndexOf":
        if (args.length === 1 && strArg(0)) return this.shimCall("_js_last_index_of", [s, a[0]]);
        break;
      // With a literal free of lone surrogates, matching code points is matching code units; another string may
      // hold half of a surrogate pair, which only UTF-16 matching finds.
      case "includes":
        if (args.length === 1 && strArg(0)) return this.wholeUnits(args[0]) ? cmp("in", a[0], s) : this.shimCall("_js_includes", [s, a[0]]);
        break;
      case "startsWith":
        if (args.length === 1 && strArg(0)) {
          return this.wholeUnits(args[0]) ? method(s, "startswith", a) : this.shimCall("_js_starts_with", [s, a[0]]);
        }
        break;
      case "endsWith":
        if (args.length === 1 && strArg(0)) {
          return this.wholeUnits(args[0]) ? method(s, "endswith", a) : this.shimCall("_js_ends_with", [s, a[0]]);
        }
        break;
      case "toLowerCase":
        if (args.length === 0) return method(s, "lower", []);
        break;
      case "toUpperCase":
        if (args.length === 0) return method(s, "upper", []);
        break;
      case "trim":
      case "trimStart":
      case "trimEnd":
        if (args.length === 0) {
          this.ctx.useShim("_JS_SPACE");
          return method(s, m === "trim" ? "strip" : m === "trimStart" ? "lstrip" : "rstrip", [name("_JS_SPACE")]);
        }
        break;
      case "split": {
        if (args.length >= 1 && args.length <= 2 && strArg(0) && (args.length === 1 || this.numeric(args[1]))) {
          const sep = unwrap(args[0]);
          if (args.length === 1 && Node.isStringLiteral(sep) && sep.getLiteralValue() !== "") return method(s, "split", a);
          return this.shimCall("_js_split", [s, ...a]);
        }
        break;
      }
      case "replace":
      case "replaceAll": {
        if (args.length === 2 && strArg(0) && strArg(1)) {
          const search = unwrap(args[0]);
          const rep = unwrap(args[1]);
          const plainRep = Node.isStringLiteral(rep) && !rep.getLiteralValue().includes("$");
          const plainSearch = Node.isStringLiteral(search) && search.getLiteralValue() !== "";
          if (plainRep && plainSearch) return method(s, "replace", m === "replace" ? [...a, num("1")] : a);
          return this.shimCall(m === "replace" ? "_js_replace" : "_js_replace_all", [s, ...a]);
        }
        break;
      }
      case "repeat":
        if (args.length === 1 && numArgs) return { k: "bin", op: "*", left: s, right: a[0] };
        break;
      case "padStart":
      case "padEnd":
        if (args.length >= 1 && args.length <= 2 && this.numeric(args[0]) && (args.length === 1 || strArg(1))) {
          return this.shimCall(m === "padStart" ? "_js_pad_start" : "_js_pad_end", [s, ...a]);
        }
        break;
      case "concat":
        return args.reduce<PyExpr>((acc, x) => ({ k: "bin", op: "+", left: acc, right: this.toText(x) }), s);
      case "normalize":
        if (args.length <= 1 && (args.length === 0 || strArg(0))) return this.shimCall("_js_normalize", [s, ...a]);
        break;
      case "toString":
      case "valueOf":
        if (args.length === 0) return s;
        break;
      case "localeCompare":
        this.ctx.refuse(n, "localeCompare (its order depends on the locale)", "use compareNames (code point order)");
        return REFUSED;
      case "match":
      case "matchAll":
      case "search":
        this.ctx.refuse(n, `${m} (regular expressions)`, "match by hand with string methods (as glob.ts does)");
        return REFUSED;
    }
    this.ctx.refuse(n, `the string method ${m} with these arguments`, "use the string methods listed in codegen/README.md");
    return REFUSED;
  }

  /** A callback given to map/filter/some/every: the comprehension's targets and element for `params`. */
  private inlineCallback(
    cb: Node,
    items: PyExpr,
    build: (elt: (asTest: boolean) => PyExpr, targets: string[], iter: PyExpr) => PyExpr,
  ): PyExpr {
    const fn = unwrap(cb);
    if (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) {
      const params = fn.getParameters();
      const simple = params.every((p) => Node.isIdentifier(p.getNameNode()) && !p.isRestParameter() && p.getInitializer() === undefined);
      const body = fn.getBody();
      if (simple && params.length <= 2 && !Node.isBlock(body)) {
        const names = params.map((p) => this.ctx.declName(p) ?? p.getName());
        if (names.length === 0) names.push("_item");
        const targets = names.length === 2 ? [names[1], names[0]] : names;
        const iter = names.length === 2 ? call(name("enumerate"), [items]) : items;
        return build((asTest) => (asTest ? this.test(body) : this.expr(body)), targets, iter);
      }
      if (simple && params.length <= 2) {
        const f = this.functionValue(fn);
        const targets = params.length === 2 ? ["_index", "_item"] : ["_item"];
        const iter = params.length === 2 ? call(name("enumerate"), [items]) : items;
        const callArgs = params.length === 2 ? [name("_item"), name("_index")] : params.length === 1 ? [name("_item")] : [];
        const result = call(f, callArgs);
        return build((asTest) => (asTest ? this.truthyOfType(fn.getReturnType(), result, fn) : result), targets, iter);
      }
      this.ctx.refuse(cb, "this callback's parameters", "use (item) => ... or (item, index) => ... with plain names");
      return REFUSED;
    }
    // A function passed by name: JavaScript would also pass it the index and the array.
    const t = cb.getType();
    const sig = t.getCallSignatures()[0];
    if (sig === undefined || sig.getParameters().length > 1) {
      this.ctx.refuse(cb, "passing a function that takes more than one parameter as a callback", "pass an arrow function: (x) => f(x)");
      return REFUSED;
    }
    const result = call(this.expr(cb), [name("_item")]);
    return build((asTest) => (asTest ? this.truthyOfType(sig.getReturnType(), result, cb) : result), ["_item"], items);
  }

  private truthyOfType(t: Type, e: PyExpr, at: Node): PyExpr {
    const k = kindOf(t);
    if (isPrimitiveKind(k.kind)) return e;
    if (isReferenceKind(k.kind) && k.nullable) return cmp("is not", e, NONE);
    this.ctx.refuse(at, `a callback returning ${t.getText()} used as a condition`, "return a boolean");
    return REFUSED;
  }

  private arrayMethod(n: CallExpression, recv: Node, m: string, args: Node[]): PyExpr {
    const items = this.expr(recv);
    const recvType = recv.getType().getNonNullableType();
    let ek: KindInfo | null = null;
    if (recvType.isTuple()) {
      // A tuple's elements may differ in kind: merged, [string, number] is "mixed".
      for (const t of recvType.getTupleElements()) {
        const k = kindOf(t);
        ek = ek === null ? k : { kind: ek.kind === k.kind ? k.kind : "mixed", nullable: ek.nullable || k.nullable };
      }
    } else {
      const el = elementType(recv.getType());
      ek = el === undefined ? null : kindOf(el);
    }
    switch (m) {
      case "map":
        if (args.length === 1) return this.inlineCallback(args[0], items, (elt, t, iter) => comp("list", elt(false), t, iter, null));
        break;
      case "filter":
        if (args.length === 1) {
          return this.inlineCallback(args[0], items, (elt, t, iter) =>
            comp("list", name(t.length === 2 ? t[1] : t[0]), t, iter, elt(true)),
          );
        }
        break;
      case "some":
      case "every":
        if (args.length === 1) {
          return this.inlineCallback(args[0], items, (elt, t, iter) =>
            call(name(m === "some" ? "any" : "all"), [comp("gen", elt(true), t, iter, null)]),
          );
        }
        break;
      case "find":
      case "findIndex":
        if (args.length === 1) {
          // An arrow with an expression body becomes a generator: next((x for x in items if test), None).
          const cb = unwrap(args[0]);
          if ((Node.isArrowFunction(cb) || Node.isFunctionExpression(cb)) && !Node.isBlock(cb.getBody())) {
            const ps = cb.getParameters();
            if (ps.length === 1 && Node.isIdentifier(ps[0].getNameNode()) && !ps[0].isRestParameter() && ps[0].getInitializer() === undefined) {
              const x = this.ctx.declName(ps[0]) ?? ps[0].getName();
              const test = this.test(cb.getBody());
              const gen: PyExpr =
                m === "find"
                  ? comp("gen", name(x), [x], items, test)
                  : comp("gen", name("_index"), ["_index", x], call(name("enumerate"), [items]), test);
              return call(name("next"), [gen, m === "find" ? NONE : num("-1")]);
            }
          }
          const f = this.callbackValue(args[0], 1);
          return this.shimCall(m === "find" ? "_js_find" : "_js_find_index", [items, f]);
        }
        break;
      case "slice":
        if (args.length <= 2 && args.every((x) => this.numeric(x))) {
          const a = args.map((x) => this.expr(x));
          return { k: "slice", value: items, lower: a[0] ?? null, upper: a[1] ?? null };
        }
        break;
      case "concat":
        return args.reduce<PyExpr>((acc, x) => {
          const xk = kindOf(x.getType());
          const right = xk.kind === "array" && !xk.nullable ? this.expr(x) : { k: "list", items: [this.expr(x)] } as PyExpr;
          return { k: "bin", op: "+", left: acc, right: right };
        }, items);
      case "indexOf":
        if (args.length === 1 && ek !== null) {
          if (isPrimitiveKind(ek.kind) && !ek.nullable) return this.shimCall("_js_list_index", [items, this.expr(args[0])]);
          if (isReferenceKind(ek.kind)) return this.shimCall("_js_list_index_is", [items, this.expr(args[0])]);
        }
        break;
      case "includes":
        if (args.length === 1 && ek !== null) {
          if (isPrimitiveKind(ek.kind)) return cmp("in", this.expr(args[0]), items);
          if (isReferenceKind(ek.kind)) {
            return call(name("any"), [comp("gen", cmp("is", name("_item"), this.expr(args[0])), ["_item"], items, null)]);
          }
        }
        break;
      case "join":
        if (args.length <= 1 && (args.length === 0 || kindOf(args[0].getType()).kind === "string")) {
          const sep = args.length === 0 ? str(",") : this.expr(args[0]);
          if (ek !== null && ek.kind === "string" && !ek.nullable) return method(sep, "join", [items]);
          return this.shimCall("_js_join", [items, sep]);
        }
        break;
      case "sort":
        if (args.length === 1) return this.shimCall("_js_sort", [items, this.callbackValue(args[0], 2)]);
        this.ctx.refuse(n, "sort() without a comparator (it compares as strings)", "pass a comparator, e.g. compareNames");
        return REFUSED;
      case "reverse":
        if (args.length === 0) return this.shimCall("_js_reverse", [items]);
        break;
      case "pop":
        if (args.length === 0) return this.shimCall("_js_pop", [items]);
        break;
      case "shift":
        if (args.length === 0) return this.shimCall("_js_shift", [items]);
        break;
      case "at":
        if (args.length === 1 && this.numeric(args[0])) return this.shimCall("_js_at", [items, this.expr(args[0])]);
        break;
      case "entries":
        if (args.length === 0) return call(name("enumerate"), [items]);
        break;
      case "keys":
        if (args.length === 0) return call(name("range"), [call(name("len"), [items])]);
        break;
      case "values":
        if (args.length === 0) return items;
        break;
      case "push":
      case "unshift":
        this.ctx.refuse(n, `using the value of ${m}()`, `call ${m}() in a statement of its own`);
        return REFUSED;
      case "forEach":
        this.ctx.refuse(n, "forEach", "write for (const x of items) { ... }");
        return REFUSED;
      case "reduce":
      case "reduceRight":
        this.ctx.refuse(n, m, "write a for-of loop that accumulates into a let");
        return REFUSED;
      case "splice":
        this.ctx.refuse(n, "splice", "build a new array with slice() and concat()");
        return REFUSED;
    }
    this.ctx.refuse(n, `the array method ${m} with these arguments`, "use the array methods listed in codegen/README.md");
    return REFUSED;
  }

  private mapMethod(n: CallExpression, recv: Node, m: string, args: Node[]): PyExpr {
    const map = this.expr(recv);
    if (m === "get" && args.length === 1) return method(map, "get", [this.expr(args[0])]);
    if (m === "has" && args.length === 1) return cmp("in", this.expr(args[0]), map);
    if (m === "delete" && args.length === 1) return this.shimCall("_js_delete", [map, this.expr(args[0])]);
    if (m === "keys" && args.length === 0) return method(map, "keys", []);
    if (m === "values" && args.length === 0) return method(map, "values", []);
    if (m === "entries" && args.length === 0) return method(map, "items", []);
    if (m === "clear" && args.length === 0) return method(map, "clear", []);
    if (m === "set") {
      this.ctx.refuse(n, "using the value of Map.set()", "call map.set(k, v) in a statement of its own");
      return REFUSED;
    }
    this.ctx.refuse(n, `the Map method ${m}`, "use get, set, has, delete, keys, values, entries, clear, size");
    return REFUSED;
  }

  private setMethod(n: CallExpression, recv: Node, m: string, args: Node[]): PyExpr {
    const set = this.expr(recv);
    if (m === "has" && args.length === 1) return cmp("in", this.expr(args[0]), set);
    if (m === "delete" && args.length === 1) return this.shimCall("_js_delete", [set, this.expr(args[0])]);
    if ((m === "values" || m === "keys") && args.length === 0) return method(set, "keys", []);
    if (m === "clear" && args.length === 0) return method(set, "clear", []);
    if (m === "add") {
      this.ctx.refuse(n, "using the value of Set.add()", "call set.add(x) in a statement of its own");
      return REFUSED;
    }
    this.ctx.refuse(n, `the Set method ${m}`, "use add, has, delete, values, clear, size");
    return REFUSED;
  }

  private newExpr(n: Node): PyExpr {
    if (!Node.isNewExpression(n)) return REFUSED;
    const ctor = unwrap(n.getExpression()).getText();
    const args = n.getArguments();
    if ((ctor === "Map" || ctor === "Set") && args.length <= 1 && this.libGlobal(n.getExpression()) !== null) {
      const typeArgs = n.getType().getTypeArguments();
      const key = typeArgs[0];
      if (key !== undefined) {
        const k = kindOf(key);
        if (k.kind !== "string" && k.kind !== "number") {
          this.ctx.refuse(n, `a ${ctor} keyed by ${key.getText()}`, "key it by a string or a number (an id or a name)");
        }
      }
      if (args.length === 0) return { k: "dict", entries: [] };
      const a = this.expr(args[0]);
      return ctor === "Map" ? call(name("dict"), [a]) : method(name("dict"), "fromkeys", [a]);
    }
    this.ctx.refuse(n, `new ${ctor}(...)`, "the core has no classes: use object literals, [], new Map() or new Set()");
    return REFUSED;
  }

  // ---- operators

  private prefix(n: Node): PyExpr {
    if (!Node.isPrefixUnaryExpression(n)) return REFUSED;
    const op = n.getOperatorToken();
    const operand = n.getOperand();
    if (op === SyntaxKind.ExclamationToken) return negate(this.test(operand));
    if (op === SyntaxKind.MinusToken && this.numeric(operand)) return { k: "neg", operand: this.expr(operand) };
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
      this.ctx.refuse(n, `${n.getText()} inside an expression`, "increment in a statement of its own (i += 1;)");
      return REFUSED;
    }
    if (op === SyntaxKind.TildeToken) {
      this.ctx.refuse(n, "the bitwise operator ~", "use arithmetic");
      return REFUSED;
    }
    this.ctx.refuse(n, `the unary ${n.getText().slice(0, 1)} here`, "use - on numbers only, and no + coercion");
    return REFUSED;
  }

  private binary(n: BinaryExpression): PyExpr {
    const op = n.getOperatorToken().getKind();
    const left = n.getLeft();
    const right = n.getRight();
    switch (op) {
      case SyntaxKind.AmpersandAmpersandToken:
      case SyntaxKind.BarBarToken:
        return this.logical(n, op === SyntaxKind.AmpersandAmpersandToken ? "and" : "or");
      case SyntaxKind.QuestionQuestionToken:
        if (isSimple(left)) {
          return { k: "ifexp", test: cmp("is not", this.expr(left), NONE), body: this.expr(left), orelse: this.expr(right) };
        }
        // A computed left side is evaluated once by the shim; so is the right side, which must then be cheap and
        // free of effects for the short-circuit not to matter.
        if (isSimple(right) || Node.isNumericLiteral(unwrap(right)) || Node.isPrefixUnaryExpression(unwrap(right))) {
          return this.shimCall("_js_coalesce", [this.expr(left), this.expr(right)]);
        }
        this.ctx.refuse(n, "?? between two computed values", "assign the left value to a const first");
        return REFUSED;
      case SyntaxKind.EqualsEqualsEqualsToken:
      case SyntaxKind.ExclamationEqualsEqualsToken:
        return this.equality(n, op === SyntaxKind.ExclamationEqualsEqualsToken);
      case SyntaxKind.EqualsEqualsToken:
      case SyntaxKind.ExclamationEqualsToken: {
        const isNull = (x: Node) => Node.isNullLiteral(unwrap(x)) || unwrap(x).getText() === "undefined";
        if (isNull(left) || isNull(right)) return this.equality(n, op === SyntaxKind.ExclamationEqualsToken);
        this.ctx.refuse(n, `${n.getOperatorToken().getText()} (with type coercion)`, "use === or !==");
        return REFUSED;
      }
      case SyntaxKind.LessThanToken:
      case SyntaxKind.GreaterThanToken:
      case SyntaxKind.LessThanEqualsToken:
      case SyntaxKind.GreaterThanEqualsToken:
        return this.relational(n);
      case SyntaxKind.PlusToken:
        return this.plus(n);
      case SyntaxKind.MinusToken:
      case SyntaxKind.AsteriskToken:
      case SyntaxKind.SlashToken:
      case SyntaxKind.AsteriskAsteriskToken: {
        if (!this.numeric(left) || !this.numeric(right)) {
          this.ctx.refuse(n, `${n.getOperatorToken().getText()} on a non-number`, "use numbers on both sides");
          return REFUSED;
        }
        const pyOp: PyBinOp =
          op === SyntaxKind.MinusToken ? "-" : op === SyntaxKind.AsteriskToken ? "*" : op === SyntaxKind.SlashToken ? "/" : "**";
        return { k: "bin", op: pyOp, left: this.expr(left), right: this.expr(right) };
      }
      case SyntaxKind.PercentToken:
        if (!this.numeric(left) || !this.numeric(right)) {
          this.ctx.refuse(n, "% on a non-number", "use numbers on both sides");
          return REFUSED;
        }
        return this.shimCall("_js_rem", [this.expr(left), this.expr(right)]);
      case SyntaxKind.InKeyword: {
        const k = kindOf(right.getType());
        if (k.kind === "object" && !k.nullable && kindOf(left.getType()).kind === "string") {
          return cmp("in", this.expr(left), this.expr(right));
        }
        this.ctx.refuse(n, "in on something other than an object", "use includes() on arrays, has() on Maps and Sets");
        return REFUSED;
      }
      case SyntaxKind.InstanceOfKeyword:
        this.ctx.refuse(n, "instanceof", "tell objects apart by a kind field");
        return REFUSED;
      case SyntaxKind.CommaToken:
        this.ctx.refuse(n, "the comma operator", "write separate statements");
        return REFUSED;
      case SyntaxKind.AmpersandToken:
      case SyntaxKind.BarToken:
      case SyntaxKind.CaretToken:
      case SyntaxKind.LessThanLessThanToken:
      case SyntaxKind.GreaterThanGreaterThanToken:
      case SyntaxKind.GreaterThanGreaterThanGreaterThanToken:
        this.ctx.refuse(
          n,
          `the bitwise operator ${n.getOperatorToken().getText()} (32-bit in JavaScript, unbounded in Python)`,
          "use arithmetic: Math.floor(x / 2 ** k), x % m, x * 2 ** k",
        );
        return REFUSED;
    }
    if (isAssignmentOperator(op)) {
      this.ctx.refuse(n, "an assignment inside an expression", "assign in a statement of its own");
      return REFUSED;
    }
    this.ctx.refuse(n, `the operator ${n.getOperatorToken().getText()}`, "use the operators listed in codegen/README.md");
    return REFUSED;
  }

  private logical(n: BinaryExpression, op: "and" | "or"): PyExpr {
    const left = n.getLeft();
    const lk = kindOf(left.getType());
    if (isPrimitiveKind(lk.kind)) return boolop(op, [this.expr(left), this.expr(n.getRight())]);
    if (isReferenceKind(lk.kind) && lk.nullable && isSimple(left)) {
      const l = this.expr(left);
      const r = this.expr(n.getRight());
      return op === "or"
        ? { k: "ifexp", test: cmp("is not", l, NONE), body: l, orelse: r }
        : { k: "ifexp", test: cmp("is not", l, NONE), body: r, orelse: l };
    }
    this.ctx.refuse(
      n,
      `${op === "and" ? "&&" : "||"} on a ${left.getType().getText()} used as a value`,
      "use a condition (if) or a ternary with an explicit comparison",
    );
    return REFUSED;
  }

  private typeofCheck(n: Node, operand: Node, typeName: string, negated: boolean): PyExpr {
    const e = this.expr(operand);
    let check: PyExpr;
    if (typeName === "string") check = call(name("isinstance"), [e, name("str")]);
    else if (typeName === "boolean") check = call(name("isinstance"), [e, name("bool")]);
    else if (typeName === "undefined") check = cmp("is", e, NONE);
    else if (typeName === "number" && isSimple(operand)) {
      check = boolop("and", [
        call(name("isinstance"), [e, { k: "tuple", items: [name("int"), name("float")] }]),
        { k: "not", operand: call(name("isinstance"), [e, name("bool")]) },
      ]);
    } else {
      this.ctx.refuse(n, `typeof x === "${typeName}"`, 'test for "string", "number", "boolean" or "undefined" only');
      return REFUSED;
    }
    return negated ? negate(check) : check;
  }

  private equality(n: BinaryExpression, negated: boolean): PyExpr {
    const left = unwrap(n.getLeft());
    const right = unwrap(n.getRight());
    const lit = (x: Node) => Node.isStringLiteral(x) || Node.isNoSubstitutionTemplateLiteral(x);
    if (Node.isTypeOfExpression(left) && lit(right)) {
      return this.typeofCheck(n, left.getExpression(), (right as unknown as { getLiteralValue(): string }).getLiteralValue(), negated);
    }
    if (Node.isTypeOfExpression(right) && lit(left)) {
      return this.typeofCheck(n, right.getExpression(), (left as unknown as { getLiteralValue(): string }).getLiteralValue(), negated);
    }
    const isNull = (x: Node) => Node.isNullLiteral(x) || (Node.isIdentifier(x) && x.getText() === "undefined");
    if (isNull(right) || isNull(left)) {
      const other = isNull(right) ? left : right;
      return cmp(negated ? "is not" : "is", this.expr(other), NONE);
    }
    const isBool = (x: Node) => Node.isTrueLiteral(x) || Node.isFalseLiteral(x);
    if (isBool(right) || isBool(left)) {
      const other = isBool(right) ? left : right;
      const b = isBool(right) ? right : left;
      return cmp(negated ? "is not" : "is", this.expr(other), this.expr(b));
    }
    const lk = kindOf(left.getType());
    const rk = kindOf(right.getType());
    const prim = (k: KindInfo) => isPrimitiveKind(k.kind) || k.kind === "nullish";
    if (prim(lk) && prim(rk)) return cmp(negated ? "!=" : "==", this.expr(left), this.expr(right));
    const ref = (k: KindInfo) => isReferenceKind(k.kind) || k.kind === "nullish";
    if (ref(lk) && ref(rk)) return cmp(negated ? "is not" : "is", this.expr(left), this.expr(right));
    this.ctx.refuse(
      n,
      `comparing a ${left.getType().getText()} with a ${right.getType().getText()}`,
      "compare values of one kind (strings, numbers, booleans by value; objects by identity)",
    );
    return REFUSED;
  }

  private relational(n: BinaryExpression): PyExpr {
    const opText = n.getOperatorToken().getText() as "<" | ">" | "<=" | ">=";
    const left = n.getLeft();
    const right = n.getRight();
    const lk = kindOf(left.getType());
    const rk = kindOf(right.getType());
    if (!lk.nullable && !rk.nullable) {
      if (lk.kind === "number" && rk.kind === "number") return cmp(opText, this.expr(left), this.expr(right));
      if (lk.kind === "string" && rk.kind === "string") {
        // JavaScript orders strings by UTF-16 code units, Python by code points.
        return cmp(opText, this.shimCall("_js_str_cmp", [this.expr(left), this.expr(right)]), num("0"));
      }
    }
    this.ctx.refuse(
      n,
      `${opText} between a ${left.getType().getText()} and a ${right.getType().getText()}`,
      "compare two numbers or two strings that cannot be null",
    );
    return REFUSED;
  }

  private plus(n: BinaryExpression): PyExpr {
    const left = n.getLeft();
    const right = n.getRight();
    const lk = kindOf(left.getType());
    const rk = kindOf(right.getType());
    if ((lk.kind === "string" && !lk.nullable) || (rk.kind === "string" && !rk.nullable)) {
      return { k: "bin", op: "+", left: this.toText(left), right: this.toText(right) };
    }
    if (this.numeric(left) && this.numeric(right)) {
      return { k: "bin", op: "+", left: this.expr(left), right: this.expr(right) };
    }
    this.ctx.refuse(n, `+ between a ${left.getType().getText()} and a ${right.getType().getText()}`, "add numbers, or concatenate strings");
    return REFUSED;
  }

  // ---- functions as values

  /** A callback argument: a lambda for an expression-bodied arrow, else a hoisted def; names pass through. */
  private callbackValue(cb: Node, maxParams: number): PyExpr {
    const fn = unwrap(cb);
    if (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) return this.functionValue(fn);
    const sig = cb.getType().getCallSignatures()[0];
    if (sig === undefined) {
      this.ctx.refuse(cb, "a callback that is not a function", "pass a function");
      return REFUSED;
    }
    if (sig.getParameters().length > maxParams) {
      this.ctx.refuse(cb, "passing a function with more parameters than the callback receives", "pass an arrow function that calls it");
      return REFUSED;
    }
    return this.expr(cb);
  }

  /** True when `fn` is an argument of an array method that calls it at once and keeps no reference. */
  private consumedAtOnce(fn: Node): boolean {
    let arg: Node = fn;
    while (Node.isParenthesizedExpression(arg.getParentOrThrow())) arg = arg.getParentOrThrow();
    const parent = arg.getParentOrThrow();
    if (!Node.isCallExpression(parent) || !parent.getArguments().includes(arg)) return false;
    const callee = unwrap(parent.getExpression());
    if (!Node.isPropertyAccessExpression(callee) || !CONSUMING_METHODS.has(callee.getName())) return false;
    return kindOf(callee.getExpression().getType()).kind === "array";
  }

  /**
   * Refuses a function made inside a loop that reads the loop's variables, unless an array method consumes it at
   * once: JavaScript gives each iteration its own `let`/`const`, a Python closure sees the variable's last value.
   */
  private checkLoopClosure(fn: Node): void {
    if (this.consumedAtOnce(fn)) return;
    let loop: Node | undefined = fn.getParent();
    while (
      loop !== undefined &&
      !Node.isForStatement(loop) &&
      !Node.isForOfStatement(loop) &&
      !Node.isWhileStatement(loop) &&
      !Node.isFunctionDeclaration(loop) &&
      !Node.isArrowFunction(loop) &&
      !Node.isFunctionExpression(loop) &&
      !Node.isSourceFile(loop)
    ) {
      loop = loop.getParent();
    }
    if (loop === undefined || !(Node.isForStatement(loop) || Node.isForOfStatement(loop) || Node.isWhileStatement(loop))) return;
    const inside = (d: Node, outer: Node) => d.getPos() >= outer.getPos() && d.getEnd() <= outer.getEnd();
    const captures = fn.getDescendants().some((n) => {
      if (!Node.isIdentifier(n)) return false;
      const d = resolveDeclaration(n, this.ctx.checker);
      return d !== undefined && inside(d, loop) && !inside(d, fn) && !Node.isFunctionDeclaration(d);
    });
    if (captures) {
      this.ctx.refuse(
        fn,
        "a function made in a loop that reads the loop's variables (a Python closure sees their last value)",
        "define the function outside the loop and pass the values as arguments",
      );
    }
  }

  /**
   * Python names of the loop variables `fn` reads (fn made in a loop and consumed at once): bound as default
   * arguments (`x=x`), which is exact for a function called before the loop moves on, and what ruff's B023 asks.
   */
  private boundLoopVariables(fn: Node): string[] {
    let loop: Node | undefined = fn.getParent();
    while (loop !== undefined && !Node.isSourceFile(loop) && !Node.isFunctionDeclaration(loop) && !Node.isArrowFunction(loop) && !Node.isFunctionExpression(loop)) {
      if (Node.isForStatement(loop) || Node.isForOfStatement(loop) || Node.isWhileStatement(loop)) break;
      loop = loop.getParent();
    }
    if (loop === undefined || !(Node.isForStatement(loop) || Node.isForOfStatement(loop) || Node.isWhileStatement(loop))) return [];
    const outer = loop;
    const inside = (d: Node, o: Node) => d.getPos() >= o.getPos() && d.getEnd() <= o.getEnd();
    const names = new Set<string>();
    // A variable the function assigns is nonlocal there, and cannot also be a parameter.
    const assigned = assignedDeclarations(fn, this.ctx.checker);
    for (const n of fn.getDescendants()) {
      if (!Node.isIdentifier(n)) continue;
      const d = resolveDeclaration(n, this.ctx.checker);
      if (d !== undefined && inside(d, outer) && !inside(d, fn) && !Node.isFunctionDeclaration(d) && !assigned.has(d)) {
        const py = this.ctx.declName(d);
        if (py !== undefined) names.add(py);
      }
    }
    return [...names].sort();
  }

  functionValue(fn: ArrowFunction | FunctionExpression): PyExpr {
    this.checkLoopClosure(fn);
    const bound = this.boundLoopVariables(fn);
    const body = fn.getBody();
    const params = fn.getParameters();
    const simpleParams = params.every(
      (p) => Node.isIdentifier(p.getNameNode()) && !p.isRestParameter() && p.getInitializer() === undefined && !p.hasQuestionToken(),
    );
    if (!Node.isBlock(body) && simpleParams && !fn.isAsync()) {
      const names = params.map((p) => this.ctx.declName(p) ?? p.getName());
      return { k: "lambda", params: [...names, ...bound.map((b) => `${b}=${b}`)], body: this.expr(body) };
    }
    const pyName = this.ctx.freshName("_fn");
    const def = this.translateFunction(fn, pyName, "");
    for (const b of bound) def.params.push({ name: b, type: { k: "any" }, optional: false, rest: false, bound: true });
    this.prelude.push(def);
    return name(pyName);
  }
}
