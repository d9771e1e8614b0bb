// src/core is translated to Python later, so it must stay inside the plain subset the brief defines: no I/O, no
// imports outside src/core, no classes, closures, async, generators, exceptions, regular expressions, bitwise
// operators (32-bit in JavaScript, unbounded in Python), optional chaining or spread; only a short list of methods.
// This walks the TypeScript syntax tree of every src/core file and names each violation.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const coreDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "core");

const forbiddenKinds = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.ClassDeclaration, "class"],
  [ts.SyntaxKind.ClassExpression, "class"],
  [ts.SyntaxKind.ArrowFunction, "arrow function (closure)"],
  [ts.SyntaxKind.FunctionExpression, "function expression (closure)"],
  [ts.SyntaxKind.RegularExpressionLiteral, "regular expression"],
  [ts.SyntaxKind.AwaitExpression, "await"],
  [ts.SyntaxKind.YieldExpression, "yield"],
  [ts.SyntaxKind.ThrowStatement, "throw"],
  [ts.SyntaxKind.TryStatement, "try"],
  [ts.SyntaxKind.SpreadElement, "spread"],
  [ts.SyntaxKind.SpreadAssignment, "spread"],
  [ts.SyntaxKind.ForInStatement, "for-in"],
  [ts.SyntaxKind.DoStatement, "do-while"],
  [ts.SyntaxKind.SwitchStatement, "switch"],
  [ts.SyntaxKind.LabeledStatement, "label"],
  [ts.SyntaxKind.DeleteExpression, "delete operator"],
  [ts.SyntaxKind.TypeOfExpression, "typeof"],
  [ts.SyntaxKind.VoidExpression, "void"],
  [ts.SyntaxKind.TaggedTemplateExpression, "tagged template"],
  [ts.SyntaxKind.NonNullExpression, "non-null assertion"],
  [ts.SyntaxKind.EnumDeclaration, "enum"],
  [ts.SyntaxKind.ThisKeyword, "this"],
  [ts.SyntaxKind.QuestionDotToken, "optional chaining"],
  [ts.SyntaxKind.QuestionQuestionToken, "?? operator"],
  [ts.SyntaxKind.InstanceOfKeyword, "instanceof"],
  [ts.SyntaxKind.AmpersandToken, "bitwise &"],
  [ts.SyntaxKind.BarToken, "bitwise |"],
  [ts.SyntaxKind.CaretToken, "bitwise ^"],
  [ts.SyntaxKind.TildeToken, "bitwise ~"],
  [ts.SyntaxKind.LessThanLessThanToken, "shift <<"],
  [ts.SyntaxKind.GreaterThanGreaterThanToken, "shift >>"],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken, "shift >>>"],
  [ts.SyntaxKind.AmpersandEqualsToken, "bitwise &="],
  [ts.SyntaxKind.BarEqualsToken, "bitwise |="],
  [ts.SyntaxKind.CaretEqualsToken, "bitwise ^="],
  [ts.SyntaxKind.LessThanLessThanEqualsToken, "shift <<="],
  [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken, "shift >>="],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken, "shift >>>="],
  [ts.SyntaxKind.AsyncKeyword, "async"],
  [ts.SyntaxKind.CommaToken, "comma operator"],
]);

/** Methods the subset maps to Python. */
const allowedMethods = new Set([
  "push",
  "slice",
  "join",
  "indexOf",
  "startsWith",
  "endsWith",
  "charCodeAt",
  "codePointAt",
  "split",
  "toLowerCase",
  "get",
  "set",
  "has",
  "delete",
  "keys",
  "values",
]);
const allowedMath = new Set(["floor", "min", "max", "ceil"]);
const forbiddenGlobals = new Set([
  "Buffer",
  "TextEncoder",
  "TextDecoder",
  "process",
  "require",
  "console",
  "Date",
  "JSON",
  "Symbol",
  "Promise",
  "globalThis",
  "Number",
  "String",
  "Object",
  "Array",
  "RegExp",
  "parseInt",
  "parseFloat",
  "setTimeout",
  "performance",
  "crypto",
]);

function violations(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const where = (node: ts.Node): string => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${file}:${line + 1}`;
  };
  const visit = (node: ts.Node): void => {
    const kind = forbiddenKinds.get(node.kind);
    // A comma inside lists (arguments, parameters, literals) is a separate token only in a BinaryExpression.
    if (kind !== undefined && !(node.kind === ts.SyntaxKind.CommaToken && !ts.isBinaryExpression(node.parent))) {
      found.push(`${where(node)}: ${kind}`);
    }
    if (ts.isImportDeclaration(node)) {
      const spec = (node.moduleSpecifier as ts.StringLiteral).text;
      if (!spec.startsWith("./") || !spec.endsWith(".ts") || spec.includes("/", 2)) {
        found.push(`${where(node)}: import from "${spec}" (only ./*.ts inside src/core)`);
      }
    }
    if (ts.isFunctionDeclaration(node) && node.asteriskToken !== undefined) found.push(`${where(node)}: generator`);
    if (ts.isNewExpression(node)) {
      const callee = node.expression.getText(source);
      if (callee !== "Map" && callee !== "Set") found.push(`${where(node)}: new ${callee}`);
    }
    if (ts.isVariableDeclarationList(node) && (node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
      found.push(`${where(node)}: var`);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const target = node.expression.expression.getText(source);
      const name = node.expression.name.text;
      if (target === "Math") {
        if (!allowedMath.has(name)) found.push(`${where(node)}: Math.${name}`);
      } else if (!allowedMethods.has(name)) {
        found.push(`${where(node)}: method .${name}()`);
      }
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword) {
      found.push(`${where(node)}: in operator`);
    }
    if (ts.isIdentifier(node) && forbiddenGlobals.has(node.text)) found.push(`${where(node)}: ${node.text}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("src/core stays in the translatable subset", () => {
  const files = readdirSync(coreDir).filter((f) => f.endsWith(".ts"));
  it("has files to check", () => assert.ok(files.length >= 10, `only ${files.length} files in ${coreDir}`));
  for (const file of files) {
    it(file, () => assert.deepEqual(violations(file, readFileSync(join(coreDir, file), "utf8")), []));
  }
  it("the checker catches violations", () => {
    const text = [
      'import { x } from "../config/y.ts";',
      "export class A {}",
      "export const f = (a: number) => a >> 1;",
      "export function g(s: string) { return s?.padStart(3) ?? /re/.test(s); }",
      "export async function* h() { throw new Error(Buffer.from(x)); }",
      "var v = [...[1]];",
    ].join("\n");
    const got = violations("bad.ts", text);
    const want = [
      'bad.ts:1: import from "../config/y.ts" (only ./*.ts inside src/core)',
      "bad.ts:2: class",
      "bad.ts:3: arrow function (closure)",
      "bad.ts:3: shift >>",
      "bad.ts:4: ?? operator",
      "bad.ts:4: optional chaining",
      "bad.ts:4: method .padStart()",
      "bad.ts:4: regular expression",
      "bad.ts:4: method .test()",
      "bad.ts:5: async",
      "bad.ts:5: generator",
      "bad.ts:5: throw",
      "bad.ts:5: new Error",
      "bad.ts:5: method .from()",
      "bad.ts:5: Buffer",
      "bad.ts:6: var",
      "bad.ts:6: spread",
    ];
    assert.deepEqual([...got].sort(), [...want].sort());
  });
});
