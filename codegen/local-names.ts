// Python names for the parameters and variables of one top-level function and the functions nested in it.
//
// JavaScript scopes `let`/`const` to blocks, Python scopes variables to functions. Two declarations of the same
// name in one Python function are fine when their blocks do not nest (sibling blocks: the second simply reuses the
// name); when one block holds the other (shadowing), the inner one is renamed `name_2`. A local is also renamed when
// its name is taken by a module-level name (Python would make the global invisible in the whole function) or by a
// variable of an enclosing function (which a nested function may read).
import { Node, type TypeChecker, type ts } from "ts-morph";
import { isReservedPythonName, snakeCase, unreserved } from "./python-names.ts";
import { blockScopeOf } from "./translate-body.ts";

// Names the translation generates inside functions.
const GENERATED_LOCALS = new Set(["_item", "_index"]);

function isFunctionLike(n: Node): boolean {
  return Node.isFunctionDeclaration(n) || Node.isArrowFunction(n) || Node.isFunctionExpression(n);
}

function contains(outer: Node, inner: Node): boolean {
  return outer.getPos() <= inner.getPos() && inner.getEnd() <= outer.getEnd();
}

/** Declarations of the Python scope of `fn`, in source order, and the function-likes nested in it. */
function scopeDeclarations(fn: Node): { decls: Node[]; nested: Node[] } {
  const decls: Node[] = [];
  const nested: Node[] = [];
  if (Node.isFunctionDeclaration(fn) || Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) {
    for (const p of fn.getParameters()) decls.push(p);
  }
  const body = (fn as unknown as { getBody(): Node | undefined }).getBody();
  if (body === undefined) return { decls: decls, nested: nested };
  const visit = (n: Node) => {
    n.forEachChild((c) => {
      if (isFunctionLike(c)) {
        if (Node.isFunctionDeclaration(c)) decls.push(c);
        nested.push(c);
        return;
      }
      if (Node.isVariableDeclaration(c) && Node.isIdentifier(c.getNameNode())) decls.push(c);
      if (Node.isBindingElement(c) && Node.isIdentifier(c.getNameNode())) decls.push(c);
      visit(c);
    });
  };
  visit(body);
  return { decls: decls, nested: nested };
}

function jsName(decl: Node): string {
  const n = (decl as unknown as { getNameNode?(): Node }).getNameNode?.();
  return n !== undefined ? n.getText() : ((decl as unknown as { getName(): string }).getName() ?? "_");
}

/**
 * Assigns Python names to every local of `fn` (a top-level function) into `names`, keyed by compiler node.
 * `moduleNames` are the module-level Python names locals must not take.
 */
export function nameLocals(fn: Node, moduleNames: Set<string>, names: Map<ts.Node, string>, _checker: TypeChecker): void {
  const visitScope = (scopeFn: Node, outer: Set<string>) => {
    const { decls, nested } = scopeDeclarations(scopeFn);
    const taken: { name: string; block: Node }[] = [];
    for (const decl of decls) {
      let base = unreserved(snakeCase(jsName(decl)));
      if (moduleNames.has(base) || GENERATED_LOCALS.has(base) || isReservedPythonName(base)) base = `${base}_`;
      const block = Node.isFunctionDeclaration(decl) && decl !== scopeFn ? decl.getParentOrThrow() : blockScopeOf(decl);
      let candidate = base;
      let n = 2;
      while (outer.has(candidate) || taken.some((t) => t.name === candidate && (contains(t.block, block) || contains(block, t.block)))) {
        candidate = `${base}_${n}`;
        n += 1;
      }
      taken.push({ name: candidate, block: block });
      names.set(decl.compilerNode, candidate);
    }
    const visible = new Set([...outer, ...taken.map((t) => t.name)]);
    for (const inner of nested) visitScope(inner, visible);
  };
  visitScope(fn, new Set());
}
