// Local variables that always hold whole numbers: initialised with an integer and only ever assigned integers (int
// literals, lengths, Math.floor/ceil, +, -, * of those, other such variables). Python keeps them as ints, which
// print like JavaScript numbers with str(); other numbers may be floats and need _js_num to print as JavaScript does.
import { Node, SyntaxKind, type TypeChecker } from "ts-morph";
import { resolveDeclaration } from "./translate-body.ts";

function unwrap(n: Node): Node {
  let x = n;
  while (Node.isParenthesizedExpression(x) || Node.isAsExpression(x) || Node.isNonNullExpression(x)) x = x.getExpression();
  return x;
}

/** The `let`/`const` declarations inside `fn` (any depth; ++ and -- keep whole numbers whole) that hold only whole numbers. */
export function integerLocals(fn: Node, checker: TypeChecker): Set<Node> {
  const candidates = new Set<Node>();
  const sources = new Map<Node, Node[]>();
  const add = (decl: Node, value: Node) => sources.set(decl, [...(sources.get(decl) ?? []), value]);
  for (const d of fn.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const init = d.getInitializer();
    if (init !== undefined && Node.isIdentifier(d.getNameNode())) {
      candidates.add(d);
      add(d, init);
    }
  }
  const bad = new Set<Node>();
  for (const n of fn.getDescendants()) {
    if (Node.isBinaryExpression(n)) {
      const op = n.getOperatorToken().getKind();
      const left = unwrap(n.getLeft());
      if (!Node.isIdentifier(left)) continue;
      const d = resolveDeclaration(left, checker);
      if (d === undefined || !candidates.has(d)) continue;
      if (op === SyntaxKind.EqualsToken || op === SyntaxKind.PlusEqualsToken || op === SyntaxKind.MinusEqualsToken || op === SyntaxKind.AsteriskEqualsToken) {
        add(d, n.getRight());
      } else if (op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment) {
        bad.add(d);
      }
    }
  }
  const ints = new Set([...candidates].filter((d) => !bad.has(d)));
  const isInt = (e: Node): boolean => {
    const x = unwrap(e);
    if (Node.isNumericLiteral(x)) return /^[0-9][0-9_]*$|^0[xXbBoO]/.test(x.getText());
    if (Node.isIdentifier(x)) {
      const d = resolveDeclaration(x, checker);
      return d !== undefined && ints.has(d);
    }
    if (Node.isPrefixUnaryExpression(x)) return x.getOperatorToken() === SyntaxKind.MinusToken && isInt(x.getOperand());
    if (Node.isPropertyAccessExpression(x)) {
      if (x.getName() !== "length" && x.getName() !== "size") return false;
      const t = x.getExpression().getType();
      return t.isArray() || t.isString() || (t.getSymbol()?.getName() ?? "").endsWith("Map") || (t.getSymbol()?.getName() ?? "").endsWith("Set");
    }
    if (Node.isBinaryExpression(x)) {
      const op = x.getOperatorToken().getKind();
      const arithmetic = op === SyntaxKind.PlusToken || op === SyntaxKind.MinusToken || op === SyntaxKind.AsteriskToken;
      return arithmetic && isInt(x.getLeft()) && isInt(x.getRight());
    }
    if (Node.isCallExpression(x)) {
      const callee = unwrap(x.getExpression());
      return Node.isPropertyAccessExpression(callee) && callee.getExpression().getText() === "Math" && (callee.getName() === "floor" || callee.getName() === "ceil");
    }
    return false;
  };
  // Greatest fixed point: drop variables with a non-integer source until none changes.
  let changed = true;
  while (changed) {
    changed = false;
    for (const d of [...ints]) {
      if (!(sources.get(d) ?? []).every(isInt)) {
        ints.delete(d);
        changed = true;
      }
    }
  }
  return ints;
}
