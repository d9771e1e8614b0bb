// Inspection: reads the pure core (src/core/*.ts, and src/config/defaults.ts when it exists) with ts-morph and
// the TypeScript checker, and translates it into the plain model of codegen/model.ts. Module-level declarations are
// handled here (imports, naming, interfaces, type aliases, constants, functions); function bodies by
// codegen/translate-body.ts. Every construct outside the subset is collected and thrown as one
// UnsupportedConstructError naming file, line, what and what to write instead.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type InterfaceDeclaration,
  ModuleKind,
  ModuleResolutionKind,
  Node,
  Project,
  type PropertySignature,
  ScriptTarget,
  type SourceFile,
  type Type,
  type TypeElementTypes,
  ts,
} from "ts-morph";
import { nameLocals } from "./local-names.ts";
import type { CoreModel, ExportedName, PyDecl, PyField, PyType, SourceFileModel } from "./model.ts";
import { isPlainIdentifier, snakeCase, unreserved, upperSnakeCase } from "./python-names.ts";
import { BodyTranslator, type TranslationContext, resolveDeclaration } from "./translate-body.ts";
import { type Problem, UnsupportedConstructError } from "./unsupported.ts";

/** The repository root (the folder holding codegen/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface InspectOptions {
  /** The repository root; file paths in the model and in messages are relative to it. */
  root?: string;
  /** The files to translate, relative to root; default: defaultCoreFiles(root). */
  files?: string[];
}

/** src/core/*.ts (sorted) and src/config/defaults.ts when it exists. */
export function defaultCoreFiles(root: string = repoRoot): string[] {
  const core = join(root, "src", "core");
  const files = existsSync(core)
    ? readdirSync(core)
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"))
        .sort()
        .map((f) => `src/core/${f}`)
    : [];
  if (existsSync(join(root, "src", "config", "defaults.ts"))) files.push("src/config/defaults.ts");
  return files;
}

function relPath(root: string, file: string): string {
  return relative(root, file).split(sep).join("/");
}

/** Comment text without its markers, one entry a line. */
function commentText(raw: string): string[] {
  if (raw.startsWith("//")) return [raw.slice(2).replace(/^ /, "").trimEnd()];
  const inner = raw.replace(/^\/\*+/, "").replace(/\*+\/$/, "");
  const lines = inner.split("\n").map((l) => l.replace(/^\s*\* ?/, "").trimEnd());
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  return lines;
}

// Tool directives are not documentation.
const DIRECTIVE = /^\s*(biome-ignore|@ts-|eslint-|prettier-ignore)/;

function leadingComments(node: Node): string[] {
  const out: string[] = [];
  for (const r of node.getLeadingCommentRanges()) {
    const text = r.getText();
    if (text.startsWith("/**")) continue;
    const lines = commentText(text);
    if (lines.length > 0 && DIRECTIVE.test(lines[0])) continue;
    out.push(...lines);
  }
  return out;
}

function docOf(node: Node): string {
  let holder: Node = node;
  if (Node.isVariableDeclaration(node)) holder = node.getVariableStatement() ?? node;
  const docs = (holder as unknown as { getJsDocs?(): Node[] }).getJsDocs?.() ?? [];
  const text = docs.map((d) => commentText(d.getText()).join("\n")).join("\n");
  return text.trim();
}

function isNullishType(t: Type): boolean {
  return t.isNull() || t.isUndefined() || t.isVoid();
}

function typeKey(t: PyType): string {
  return JSON.stringify(t);
}

interface ModuleName {
  file: string;
  ts: string;
  py: string;
  kind: ExportedName["kind"];
  exported: boolean;
  node: Node;
}

class CoreInspector implements TranslationContext {
  readonly checker;
  private readonly problems: Problem[] = [];
  private readonly shims = new Set<string>();
  private readonly imports = new Set<string>();
  /** Python names of declarations, keyed by compiler node (module level and locals). */
  private readonly names = new Map<ts.Node, string>();
  /** Python names of the translated interfaces and type aliases, keyed by compiler node. */
  private readonly typeNames = new Map<ts.Node, string>();
  private readonly moduleNames = new Set<string>();
  /** Python names of the value tuples of string-literal union types, keyed by the type alias's compiler node. */
  private readonly valuesNames = new Map<ts.Node, string>();
  private fresh = 0;
  private readonly sources: SourceFile[];

  constructor(
    private readonly root: string,
    private readonly project: Project,
    files: string[],
  ) {
    this.checker = project.getTypeChecker();
    this.sources = files.map((f) => project.getSourceFileOrThrow(resolve(root, f)));
  }

  // ---- TranslationContext

  refuse(node: Node, what: string, instead: string): void {
    this.problems.push({
      file: relPath(this.root, node.getSourceFile().getFilePath()),
      line: node.getStartLineNumber(),
      message: `${what} does not translate to Python; ${instead}`,
    });
  }

  private problem(node: Node, message: string): void {
    this.problems.push({ file: relPath(this.root, node.getSourceFile().getFilePath()), line: node.getStartLineNumber(), message });
  }

  useShim(name: string): void {
    this.shims.add(name);
  }

  useImport(module: string): void {
    this.imports.add(module);
  }

  declName(decl: Node): string | undefined {
    return this.names.get(decl.compilerNode);
  }

  freshName(prefix: string): string {
    this.fresh += 1;
    return `${prefix}_${this.fresh}`;
  }

  leadingComments(node: Node): string[] {
    return leadingComments(node);
  }

  docOf(node: Node): string {
    return docOf(node);
  }

  pyType(t: Type): PyType {
    return this.typeOf(t, false);
  }

  private typeOf(t: Type, expandAlias: boolean): PyType {
    const alias = t.getAliasSymbol();
    if (!expandAlias && alias !== undefined) {
      const decl = alias.getDeclarations()[0];
      const n = decl === undefined ? undefined : this.typeNames.get(decl.compilerNode);
      if (n !== undefined) return { k: "ref", name: n };
    }
    if (t.isBoolean() || t.isBooleanLiteral()) return { k: "bool" };
    if (t.isUnion()) {
      const members = t.getUnionTypes();
      const nullable = members.some(isNullishType);
      let rest = members.filter((m) => !isNullishType(m));
      const out: PyType[] = [];
      if (rest.some((m) => m.isBooleanLiteral())) {
        out.push({ k: "bool" });
        rest = rest.filter((m) => !m.isBooleanLiteral());
      }
      if (rest.length > 0 && rest.every((m) => m.isStringLiteral())) {
        out.push({ k: "literal", values: rest.map((m) => String(m.getLiteralValue())) });
      } else {
        for (const m of rest) out.push(this.typeOf(m, false));
      }
      const unique: PyType[] = [];
      for (const o of out) if (!unique.some((u) => typeKey(u) === typeKey(o))) unique.push(o);
      if (nullable) unique.push({ k: "none" });
      return unique.length === 1 ? unique[0] : { k: "union", of: unique };
    }
    if (t.isStringLiteral()) return { k: "literal", values: [String(t.getLiteralValue())] };
    if (t.isString() || t.isTemplateLiteral()) return { k: "str" };
    if (t.isNumber() || t.isNumberLiteral()) return { k: "float" };
    if (isNullishType(t)) return { k: "none" };
    if (t.isAny() || t.isUnknown() || t.isTypeParameter()) return { k: "any" };
    if (t.isArray() || t.isReadonlyArray()) {
      const el = t.getArrayElementType() ?? t.getTypeArguments()[0];
      return { k: "list", of: el === undefined ? { k: "any" } : this.typeOf(el, false) };
    }
    if (t.isTuple()) {
      const els = t.getTupleElements().map((e) => this.typeOf(e, false));
      const unique: PyType[] = [];
      for (const o of els) if (!unique.some((u) => typeKey(u) === typeKey(o))) unique.push(o);
      return { k: "list", of: unique.length === 1 ? unique[0] : unique.length === 0 ? { k: "any" } : { k: "union", of: unique } };
    }
    const sym = t.getSymbol();
    const symName = sym?.getName();
    if (symName === "Map" || symName === "ReadonlyMap") {
      const [k, v] = t.getTypeArguments();
      return { k: "dict", key: k ? this.typeOf(k, false) : { k: "any" }, value: v ? this.typeOf(v, false) : { k: "any" } };
    }
    if (symName === "Set" || symName === "ReadonlySet") {
      const [k] = t.getTypeArguments();
      return { k: "dict", key: k ? this.typeOf(k, false) : { k: "any" }, value: { k: "none" } };
    }
    if (sym !== undefined) {
      for (const d of sym.getDeclarations()) {
        const n = this.typeNames.get(d.compilerNode);
        if (n !== undefined) return { k: "ref", name: n };
      }
    }
    const sigs = t.getCallSignatures();
    if (sigs.length === 1) {
      const sig = sigs[0];
      const decl = sig.getDeclaration();
      return {
        k: "callable",
        params: sig.getParameters().map((p) => this.typeOf(this.checker.getTypeOfSymbolAtLocation(p, decl), false)),
        returns: sig.getReturnType().isVoid() ? { k: "none" } : this.typeOf(sig.getReturnType(), false),
      };
    }
    const indexType = t.getStringIndexType();
    if (indexType !== undefined) return { k: "dict", key: { k: "str" }, value: this.typeOf(indexType, false) };
    if (t.isObject()) return { k: "dict", key: { k: "str" }, value: { k: "any" } };
    return { k: "any" };
  }

  // ---- inspection

  inspect(): CoreModel {
    this.checkTypeScript();
    if (this.problems.length > 0) throw new UnsupportedConstructError(this.problems);
    const ordered = this.dependencyOrder();
    const moduleNames = this.nameModule(ordered);
    for (const sf of ordered) this.nameFileLocals(sf);
    const files = ordered.map((sf) => this.translateFile(sf));
    if (this.problems.length > 0) throw new UnsupportedConstructError(this.problems);
    const exports: ExportedName[] = moduleNames
      .filter((m) => m.exported)
      .map((m) => ({ file: m.file, ts: m.ts, py: m.py, kind: m.kind }));
    return { files: files, shims: [...this.shims].sort(), imports: [...this.imports].sort(), exports: exports };
  }

  private checkTypeScript(): void {
    const ours = new Set(this.sources.map((s) => s.getFilePath()));
    for (const d of this.project.getPreEmitDiagnostics()) {
      const sf = d.getSourceFile();
      if (sf === undefined || !ours.has(sf.getFilePath())) continue;
      const message = ts.flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, " ");
      this.problems.push({
        file: relPath(this.root, sf.getFilePath()),
        line: d.getLineNumber() ?? 1,
        message: `TypeScript error TS${d.getCode()}: ${message.replace(/\.$/, "")}; the translation needs type-correct code`,
      });
    }
  }

  /** Files ordered so that each comes after the files it imports values from (Python runs module code in order). */
  private dependencyOrder(): SourceFile[] {
    const byPath = new Map(this.sources.map((s) => [s.getFilePath(), s]));
    const done = new Set<string>();
    const visiting = new Set<string>();
    const out: SourceFile[] = [];
    const visit = (sf: SourceFile) => {
      const p = sf.getFilePath();
      if (done.has(p) || visiting.has(p)) return;
      visiting.add(p);
      for (const imp of sf.getImportDeclarations()) {
        if (imp.isTypeOnly()) continue;
        const target = imp.getModuleSpecifierSourceFile();
        if (target !== undefined && byPath.has(target.getFilePath())) visit(target);
      }
      visiting.delete(p);
      done.add(p);
      out.push(sf);
    };
    for (const sf of this.sources) visit(sf);
    return out;
  }

  /** Python names of every module-level declaration of every file. */
  private nameModule(files: SourceFile[]): ModuleName[] {
    const all: ModuleName[] = [];
    for (const sf of files) {
      const file = relPath(this.root, sf.getFilePath());
      const add = (node: Node, tsName: string, kind: ExportedName["kind"], exported: boolean, py: string) => {
        if (!isPlainIdentifier(tsName)) this.refuse(node, `the name ${tsName}`, "use ASCII letters, digits and _ in names");
        all.push({ file, ts: tsName, py, kind, exported, node });
      };
      const privately = (exported: boolean, py: string) => unreserved((exported ? "" : "_") + py);
      for (const st of sf.getStatements()) {
        if (Node.isFunctionDeclaration(st)) {
          const n = st.getName() ?? "_";
          add(st, n, "function", st.isExported(), privately(st.isExported(), snakeCase(n)));
        } else if (Node.isVariableStatement(st)) {
          for (const d of st.getDeclarations()) {
            if (!Node.isIdentifier(d.getNameNode())) continue;
            const init = d.getInitializer();
            const fn = init !== undefined && (Node.isArrowFunction(init) || Node.isFunctionExpression(init));
            const base = fn ? snakeCase(d.getName()) : upperSnakeCase(d.getName());
            add(d, d.getName(), fn ? "function" : "const", st.isExported(), privately(st.isExported(), base));
          }
        } else if (Node.isInterfaceDeclaration(st) || Node.isTypeAliasDeclaration(st)) {
          add(st, st.getName(), "type", st.isExported(), unreserved(st.getName()));
          if (Node.isTypeAliasDeclaration(st) && this.literalValues(st) !== null) {
            const values = privately(st.isExported(), `${upperSnakeCase(st.getName())}_VALUES`);
            add(st.getNameNode(), `${st.getName()}Values`, "const", st.isExported(), values);
          }
        }
      }
    }
    // One Python namespace for all files: private names that collide are qualified by their file's name; an
    // exported name may not collide at all (callers use it).
    const byPy = new Map<string, ModuleName[]>();
    for (const m of all) byPy.set(m.py, [...(byPy.get(m.py) ?? []), m]);
    for (const [py, group] of byPy) {
      if (group.length < 2) continue;
      if (group.some((m) => m.exported)) {
        for (const m of group.slice(1)) {
          this.problem(
            m.node,
            `the name ${m.ts} becomes ${py} in Python, which ${group[0].file} also declares (${group[0].ts}); ` +
              "the translated files share one Python namespace: rename one of them",
          );
        }
        continue;
      }
      for (const m of group) {
        const stem = snakeCase(m.file.replace(/^.*\//, "").replace(/\.ts$/, ""));
        m.py = m.kind === "type" ? `_${stem}_${m.ts}` : `_${stem}${m.py}`;
      }
    }
    for (const m of all) {
      this.moduleNames.add(m.py);
      if (m.kind === "type") this.typeNames.set(m.node.compilerNode, m.py);
      else if (Node.isIdentifier(m.node)) this.valuesNames.set(m.node.getParentOrThrow().compilerNode, m.py);
      else this.names.set(m.node.compilerNode, m.py);
    }
    return all;
  }

  private nameFileLocals(sf: SourceFile): void {
    const roots: Node[] = [];
    for (const st of sf.getStatements()) {
      if (Node.isFunctionDeclaration(st)) roots.push(st);
      else if (Node.isVariableStatement(st)) {
        for (const d of st.getDeclarations()) {
          const init = d.getInitializer();
          if (init === undefined) continue;
          if (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) roots.push(init);
          else {
            // Callbacks inside a module-level initializer: the outermost function-likes.
            init.forEachDescendant((n, traversal) => {
              if (Node.isArrowFunction(n) || Node.isFunctionExpression(n)) {
                roots.push(n);
                traversal.skip();
              }
            });
          }
        }
      }
    }
    for (const r of roots) nameLocals(r, this.moduleNames, this.names, this.checker);
  }

  private literalValues(alias: Node): string[] | null {
    if (!Node.isTypeAliasDeclaration(alias)) return null;
    const tn = alias.getTypeNode();
    if (tn === undefined) return null;
    const parts = Node.isUnionTypeNode(tn) ? tn.getTypeNodes() : [tn];
    const values: string[] = [];
    for (const p of parts) {
      if (!Node.isLiteralTypeNode(p)) return null;
      const lit = p.getLiteral();
      if (!Node.isStringLiteral(lit)) return null;
      values.push(lit.getLiteralValue());
    }
    return values;
  }

  private translateFile(sf: SourceFile): SourceFileModel {
    const file = relPath(this.root, sf.getFilePath());
    const statements = sf.getStatements();
    const header = statements.length > 0 ? leadingComments(statements[0]) : [];
    const decls: PyDecl[] = [];
    const module = new BodyTranslator(this, null);
    statements.forEach((st, i) => {
      const base = { file: file, line: st.getStartLineNumber(), comments: i === 0 ? [] : leadingComments(st) };
      if (Node.isImportDeclaration(st)) {
        this.checkImport(st);
        return;
      }
      if (Node.isFunctionDeclaration(st)) {
        if (st.getOverloads().length > 0) {
          this.refuse(st, "an overloaded function", "declare one function with one signature");
        }
        const py = this.declName(st) ?? "_";
        decls.push({ ...base, k: "function", def: module.translateFunction(st, py, docOf(st)) });
        return;
      }
      if (Node.isVariableStatement(st)) {
        if (st.getDeclarationKind() !== "const") {
          this.refuse(st, `a module-level ${st.getDeclarationKind()}`, "the core keeps no module state: use const");
          return;
        }
        for (const d of st.getDeclarations()) {
          if (!Node.isIdentifier(d.getNameNode())) {
            this.refuse(d, "module-level destructuring", "declare each constant on its own");
            continue;
          }
          const init = d.getInitializer();
          const py = this.declName(d) ?? "_";
          if (init === undefined) {
            this.refuse(d, "a constant without a value", "give it a value");
            continue;
          }
          if (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) {
            decls.push({ ...base, k: "function", def: module.translateFunction(init, py, docOf(d)) });
            continue;
          }
          const value = module.expr(init);
          for (const h of module.takeHoisted()) if (h.k === "def") decls.push({ ...base, comments: [], k: "function", def: h });
          let callsFunctions = false;
          for (const n of [init, ...init.getDescendants()]) {
            if (Node.isCallExpression(n)) {
              const callee = n.getExpression();
              const decl = Node.isIdentifier(callee) ? resolveDeclaration(callee, this.checker) : undefined;
              if (decl !== undefined && this.names.has(decl.compilerNode)) callsFunctions = true;
            }
          }
          const type = d.getTypeNode() !== undefined ? this.pyType(d.getType()) : null;
          decls.push({ ...base, k: "const", name: py, type, value, doc: docOf(d), callsFunctions });
        }
        return;
      }
      if (Node.isInterfaceDeclaration(st)) {
        decls.push({ ...this.interfaceDecl(st), ...base });
        return;
      }
      if (Node.isTypeAliasDeclaration(st)) {
        const name = this.typeNames.get(st.compilerNode) ?? st.getName();
        if (st.getTypeParameters().length > 0) {
          this.refuse(st, "a generic type alias", "declare the concrete types");
          return;
        }
        const values = this.literalValues(st);
        if (values !== null) {
          decls.push({ ...base, k: "literal-alias", name, values, valuesName: this.valuesNames.get(st.compilerNode) ?? "_", doc: docOf(st) });
          return;
        }
        const tn = st.getTypeNodeOrThrow();
        if (Node.isTypeLiteral(tn)) {
          decls.push({ ...base, k: "typeddict", name, bases: [], doc: docOf(st), fields: this.fields(tn.getMembers()) });
          return;
        }
        decls.push({ ...base, k: "alias", name, type: this.typeOf(st.getType(), true), doc: docOf(st) });
        return;
      }
      if (Node.isEnumDeclaration(st)) {
        this.refuse(st, "an enum", 'use a string-literal union type (type Kind = "a" | "b") and constants');
      } else if (Node.isClassDeclaration(st)) {
        this.refuse(st, "a class", "use an interface and plain functions");
      } else if (Node.isExportDeclaration(st) || Node.isExportAssignment(st)) {
        this.refuse(st, "a re-export or default export", "export declarations where they are written (export function f)");
      } else if (Node.isModuleDeclaration(st)) {
        this.refuse(st, "a namespace", "use one file per module");
      } else {
        this.refuse(st, "module-level code other than declarations", "put it in a function; the core runs nothing on import");
      }
    });
    return { file: file, header: header, decls: decls };
  }

  private checkImport(imp: Node): void {
    if (!Node.isImportDeclaration(imp)) return;
    const spec = imp.getModuleSpecifierValue();
    const target = imp.getModuleSpecifierSourceFile();
    const ours = target !== undefined && this.sources.some((s) => s.getFilePath() === target.getFilePath());
    if (!spec.startsWith(".") || !ours) {
      this.refuse(imp, `importing "${spec}"`, "the core is pure: import only the other translated files (./name.ts)");
      return;
    }
    if (imp.getDefaultImport() !== undefined || imp.getNamespaceImport() !== undefined) {
      this.refuse(imp, "a default or namespace import", "import names: import { name } from \"./file.ts\"");
    }
    if (imp.getNamedImports().length === 0) {
      this.refuse(imp, "an import for its side effects", "the core has no side effects: import names");
    }
  }

  private interfaceDecl(st: InterfaceDeclaration): PyDecl {
    const name = this.typeNames.get(st.compilerNode) ?? st.getName();
    if (st.getTypeParameters().length > 0) this.refuse(st, "a generic interface", "declare the concrete types");
    const bases: string[] = [];
    for (const ext of st.getExtends()) {
      const sym = ext.getType().getSymbol();
      const decl = sym?.getDeclarations()[0];
      const n = decl === undefined ? undefined : this.typeNames.get(decl.compilerNode);
      if (n === undefined) this.refuse(ext, `extending ${ext.getText()}`, "extend only interfaces of the translated files");
      else bases.push(n);
    }
    return { k: "typeddict", name, bases, doc: docOf(st), fields: this.fields(st.getMembers()), file: "", line: 0, comments: [] };
  }

  private fields(members: TypeElementTypes[]): PyField[] {
    const out: PyField[] = [];
    for (const m of members) {
      if (!Node.isPropertySignature(m)) {
        this.refuse(m, "a method, index or call signature in an interface", "declare fields only (a field may hold a function type)");
        continue;
      }
      const p = m as PropertySignature;
      const nameNode = p.getNameNode();
      const key = Node.isStringLiteral(nameNode) ? nameNode.getLiteralValue() : nameNode.getText();
      const optional = p.hasQuestionToken();
      const typeNode = p.getTypeNode();
      const t = typeNode !== undefined ? typeNode.getType() : p.getType();
      const comments = leadingComments(p);
      const doc = [docOf(p), ...comments].filter((x) => x !== "").join("\n");
      out.push({ name: key, type: this.pyType(t), optional, doc });
    }
    return out;
  }
}

/** Reads and translates the core; throws UnsupportedConstructError listing every construct outside the subset. */
export function inspectCore(options: InspectOptions = {}): CoreModel {
  const root = options.root ?? repoRoot;
  const files = options.files ?? defaultCoreFiles(root);
  const project = new Project({
    compilerOptions: {
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      strict: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      lib: ["lib.es2022.d.ts"],
      types: [],
    },
    skipAddingFilesFromTsConfig: true,
  });
  for (const f of files) project.addSourceFileAtPath(resolve(root, f));
  project.resolveSourceFileDependencies();
  return new CoreInspector(root, project, files).inspect();
}
