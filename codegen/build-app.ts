// Builds dist/app.py, the PySpark job: the generated header, the imports of every part (merged, at the top), the
// translated core (codegen/inspect-core.ts -> codegen/emit-core.ts), then the job's runtime, the Python package
// src/job flattened: its modules in dependency order, the entry module (driver.py) last.
//
// Each module of src/job starts with comments (or a docstring) and its imports; the rest is copied as it is. Imports
// of other modules of the package (`from .retry import call_with_retry`) give the order and are dropped, as are
// imports of the translated core (`from lake2oci_core import ...`, the module `--core-module` writes): in app.py
// both are in the same file. The other imports move to the top of app.py, merged. app.py is one namespace, so a name
// defined at the top level of two modules (or of a module and the core) fails the build.
//
//   tsx codegen/build-app.ts                     write dist/app.py                       (npm run build:app)
//   tsx codegen/build-app.ts --check             exit 1 when dist/app.py is not what would be written (CI)
//   tsx codegen/build-app.ts --core-module FILE  also write the translated core as an importable module
//   tsx codegen/build-app.ts --model             print the plain model (JSON) instead
//   tsx codegen/build-app.ts --native-pins       print each native equivalent's pin and the translation's current one
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GENERATED_HEADER, emitCore, emitCoreModule, loadNatives, nativePin } from "./emit-core.ts";
import { inspectCore, repoRoot } from "./inspect-core.ts";
import type { CoreModel } from "./model.ts";
import { UnsupportedConstructError } from "./unsupported.ts";

export const APP_FILE = "dist/app.py";
export const RUNTIME_DIR = "src/job";
/** The stores' Python modules (src/stores/<name>/<name>_store.py and what they share): a module of src/job imports
 * them as `from stores.s3.s3_store import S3Store`; app.py holds those it imports (and theirs), before src/job's. */
export const STORES_PACKAGE = "stores";
/** The package's entry module: last in app.py, whatever it imports. */
export const ENTRY_MODULE = "driver.py";
/** The module name runtime files import the core from when they run on their own. */
export const CORE_MODULE_NAME = "lake2oci_core";

export interface RuntimeFile {
  name: string;
  /** The imports that move to the top of app.py (not the package's own, nor the core's). */
  imports: string[];
  /** The modules of the package this one imports from, as file names (`retry.py`). */
  uses: string[];
  body: string;
}

/** Where a module is, for messages and banners: `src/job/copy.py`, `src/stores/s3/s3_store.py`. */
export function modulePath(name: string): string {
  return name.startsWith(`${STORES_PACKAGE}/`) ? `src/${name}` : `${RUNTIME_DIR}/${name}`;
}

/**
 * The module an import names, as a module name (`retry.py`, `stores/store.py`), or null when it is not one of the
 * package's or the stores' (it then moves to the top of app.py). `from .retry` in src/job is `retry.py`; in
 * src/stores/s3, `from ..store` is `stores/store.py`; `from stores.s3.s3_store`, anywhere, `stores/s3/s3_store.py`.
 */
function ownModule(name: string, imp: string): string | null {
  const relative = /^from\s+(\.+)([\w.]*)\s+import\s/.exec(imp);
  if (relative !== null) {
    if (relative[2] === "") throw new Error(`codegen: ${modulePath(name)}: \`${imp}\`: import names from a module (from .retry import ...)`);
    const dir = name.split("/").slice(0, -1);
    const up = relative[1].length - 1;
    if (up > dir.length) throw new Error(`codegen: ${modulePath(name)}: \`${imp}\` goes above the package`);
    return [...dir.slice(0, dir.length - up), ...relative[2].split(".")].join("/") + ".py";
  }
  const stores = new RegExp(`^from\\s+(${STORES_PACKAGE}(?:\\.\\w+)+)\\s+import\\s`).exec(imp);
  if (stores !== null) return `${stores[1].split(".").join("/")}.py`;
  return null;
}

/** Splits a module of the package into its leading comments, its import block and the rest. */
export function splitRuntimeFile(name: string, text: string): RuntimeFile {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const head: string[] = [];
  const imports: string[] = [];
  let i = 0;
  // A module docstring becomes comments: in the middle of app.py it would be a stray expression.
  if (/^("""|''')/.test(lines[0] ?? "")) {
    const quote = lines[0].slice(0, 3);
    const first = lines[0].slice(3);
    if (first.endsWith(quote) && first.length >= 3) {
      head.push(`# ${first.slice(0, -3)}`.trimEnd());
      i = 1;
    } else {
      if (first !== "") head.push(`# ${first}`);
      i = 1;
      while (i < lines.length && !lines[i].includes(quote)) {
        head.push(`# ${lines[i]}`.trimEnd());
        i += 1;
      }
      const last = (lines[i] ?? "").replace(quote, "");
      if (last.trim() !== "") head.push(`# ${last}`.trimEnd());
      i += 1;
    }
  }
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith("#") || line.trim() === "") {
      head.push(line);
      i += 1;
      continue;
    }
    if (/^(import|from)\s/.test(line)) {
      let statement = line;
      if (line.includes("(") && !line.includes(")")) {
        while (i + 1 < lines.length && !lines[i].includes(")")) {
          i += 1;
          statement += ` ${lines[i].trim()}`;
        }
        statement = statement.replace(/\(\s*/, "").replace(/,?\s*\)/, "");
      }
      imports.push(statement.trim());
      i += 1;
      continue;
    }
    break;
  }
  // Comments right above the import block stay with the file; blank lines around it go.
  while (head.length > 0 && head[head.length - 1].trim() === "") head.pop();
  const rest = lines.slice(i);
  while (rest.length > 0 && rest[rest.length - 1].trim() === "") rest.pop();
  const body = [...head, ...(head.length > 0 ? ["", ""] : []), ...rest].join("\n");
  const uses: string[] = [];
  const kept: string[] = [];
  for (const imp of imports) {
    const own = ownModule(name, imp);
    if (own !== null) {
      if (!uses.includes(own)) uses.push(own);
      continue;
    }
    if (new RegExp(`^(from ${CORE_MODULE_NAME} import|import ${CORE_MODULE_NAME}\\b)`).test(imp)) continue;
    kept.push(imp);
  }
  // The package's modules are one file in app.py: an import of one of them anywhere else would fail there.
  const inner = rest.findIndex((l) => new RegExp(`^\\s*(from\\s+\\.|import\\s+\\.|from\\s+${STORES_PACKAGE}\\.|import\\s+${STORES_PACKAGE}\\b)`).test(l));
  if (inner >= 0) {
    throw new Error(
      `codegen: ${modulePath(name)}:${i + inner + 1}: an import of the package's own modules below the import block; ` +
        "import at the top of the module (app.py has no package to import from)",
    );
  }
  return { name: name, imports: kept, uses: uses, body: body };
}

/** The names a Python text binds at its top level: def, class, assignments (chained too), and what the blocks at the
 * top level (try/except, if) bind one level in. */
export function topLevelNames(text: string): string[] {
  const names = new Set<string>();
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) inBlock = /^(try|except|else|finally|if|elif|with|for|while)\b.*:\s*(#.*)?$/.test(line);
    if (indent !== 0 && !(inBlock && indent === 4)) continue;
    const code = line.trimStart();
    const def = /^(?:async\s+)?(?:def|class)\s+(\w+)/.exec(code);
    if (def !== null) {
      names.add(def[1]);
      continue;
    }
    const assign = /^((?:[A-Za-z_]\w*\s*(?::[^=]+)?=(?!=)\s*)+)/.exec(code);
    if (assign !== null) {
      for (const n of assign[1].split("=").slice(0, -1)) names.add(n.split(":")[0].trim());
      continue;
    }
    const as = /^(?:from\s+\S+\s+)?import\s+(.+)$/.exec(code);
    if (as !== null && indent === 4) {
      for (const part of as[1].replace(/[()]/g, "").split(",")) {
        const bound = part.trim().split(/\s+as\s+/).pop()?.split(".")[0];
        if (bound) names.add(bound);
      }
    }
  }
  return [...names];
}

/** The modules in the order app.py holds them: each after the modules it imports (ties by name), the entry last. */
export function orderModules(files: RuntimeFile[]): RuntimeFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const f of files) {
    for (const u of f.uses) {
      if (!byName.has(u)) throw new Error(`codegen: ${modulePath(f.name)} imports from .${u.slice(0, -3)}, which is not a module of ${RUNTIME_DIR}`);
      if (u === ENTRY_MODULE) throw new Error(`codegen: ${modulePath(f.name)} imports from the entry module ${ENTRY_MODULE}, which comes last in app.py`);
    }
  }
  const done = new Set<string>();
  const out: RuntimeFile[] = [];
  const rest = files.filter((f) => f.name !== ENTRY_MODULE).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  while (out.length < rest.length) {
    const next = rest.find((f) => !done.has(f.name) && f.uses.every((u) => done.has(u)));
    if (next === undefined) {
      const left = rest.filter((f) => !done.has(f.name)).map((f) => f.name);
      throw new Error(
        `codegen: the modules ${left.join(", ")} of ${RUNTIME_DIR} import each other in a cycle; ` +
          "move what two of them share into a module of its own",
      );
    }
    out.push(next);
    done.add(next.name);
  }
  const entry = byName.get(ENTRY_MODULE);
  if (entry !== undefined) out.push(entry);
  return out;
}

/** Fails when two modules (or a module and the translated core) define the same top-level name. */
export function checkNames(files: RuntimeFile[], coreBody: string): void {
  const owner = new Map<string, string>();
  for (const n of topLevelNames(coreBody)) owner.set(n, "the translated core");
  const problems: string[] = [];
  for (const f of files) {
    for (const n of topLevelNames(f.body)) {
      const other = owner.get(n);
      if (other !== undefined) problems.push(`codegen: ${modulePath(f.name)} defines ${n}, which ${other} defines too`);
      else owner.set(n, modulePath(f.name));
    }
  }
  if (problems.length > 0) {
    throw new Error(`${problems.join("\n")}\n(dist/app.py is one namespace: one would replace the other; rename one)`);
  }
}

/** One import block: `from __future__` first, then plain imports, then from-imports, names merged per module. */
export function mergeImports(statements: string[]): string[] {
  const plain = new Set<string>();
  const from = new Map<string, Set<string>>();
  for (const s of statements) {
    const m = /^from\s+(\S+)\s+import\s+(.+)$/.exec(s);
    if (m !== null) {
      const names = from.get(m[1]) ?? new Set<string>();
      for (const n of m[2].split(",")) if (n.trim() !== "") names.add(n.trim().replace(/\s+/g, " "));
      from.set(m[1], names);
      continue;
    }
    const p = /^import\s+(.+)$/.exec(s);
    if (p !== null) for (const n of p[1].split(",")) plain.add(n.trim().replace(/\s+/g, " "));
  }
  const out: string[] = [];
  const future = from.get("__future__");
  if (future !== undefined) out.push(`from __future__ import ${[...future].sort().join(", ")}`);
  for (const p of [...plain].sort()) out.push(`import ${p}`);
  for (const mod of [...from.keys()].filter((k) => k !== "__future__").sort()) {
    out.push(`from ${mod} import ${[...(from.get(mod) ?? [])].sort().join(", ")}`);
  }
  return out;
}

/** The modules of the package (not its __init__.py) and the stores' modules they import, split, in app.py's order. */
export function runtimeFiles(root: string): RuntimeFile[] {
  const dir = join(root, RUNTIME_DIR);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((f) => f.endsWith(".py") && f !== "__init__.py");
  const files = names.map((n) => splitRuntimeFile(n, readFileSync(join(dir, n), "utf8")));
  const have = new Set(names);
  for (let i = 0; i < files.length; i += 1) {
    for (const u of files[i].uses) {
      if (have.has(u) || !u.startsWith(`${STORES_PACKAGE}/`)) continue;
      const path = join(root, "src", u);
      if (!existsSync(path)) throw new Error(`codegen: ${modulePath(files[i].name)} imports ${u.slice(0, -3).split("/").join(".")}, which is not a file (${modulePath(u)})`);
      have.add(u);
      files.push(splitRuntimeFile(u, readFileSync(path, "utf8")));
    }
  }
  return orderModules(files);
}

function banner(text: string): string {
  return `# ${"-".repeat(4)} ${text} ${"-".repeat(Math.max(4, 110 - text.length - 8))}`;
}

/** The text of dist/app.py for the sources under `root` (or for an already inspected `model`). */
export function buildApp(options: { root?: string; model?: CoreModel } = {}): string {
  const root = options.root ?? repoRoot;
  const model = options.model ?? inspectCore({ root: root });
  const core = emitCore(model, root);
  // Every native must replace its function in the app: one whose source file is gone would silently stop applying.
  for (const b of loadNatives(root)) {
    if (b.kind === "native" && !core.natives.includes(b.name)) {
      throw new Error(
        `codegen: ${b.at}: the native ${b.name} replaces a function of ${b.file}, which is not among the translated files: ` +
          "fix the file name in its header, or remove the block",
      );
    }
  }
  const runtime = runtimeFiles(root);
  checkNames(runtime, core.body);
  const imports = mergeImports([...core.imports, ...runtime.flatMap((r) => r.imports)]);
  const parts = [
    [
      GENERATED_HEADER,
      "# lake2oci's Spark job (OCI Data Flow, or spark-submit locally): the planning core translated from TypeScript,",
      "# then the Python runtime. Sources: src/core/*.ts, src/config/defaults.ts, codegen/shims, src/job/*.py and the",
      "# src/stores/**/*.py modules they import.",
      "",
      ...imports,
    ].join("\n"),
    core.body.trimEnd(),
    ...runtime.map((r) => `${banner(modulePath(r.name))}\n${r.body}`),
  ];
  return `${parts.join("\n\n\n")}\n`;
}

/** Whether the app file under `root` is what buildApp would write; `message` says how to fix it when not. */
export function checkApp(root: string = repoRoot, file: string = APP_FILE): { stale: boolean; message: string } {
  const want = buildApp({ root: root });
  const path = join(root, file);
  if (!existsSync(path)) {
    return { stale: true, message: `${file} is missing: run \`npm run build:app\` and commit it` };
  }
  const got = readFileSync(path, "utf8");
  if (got === want) return { stale: false, message: `${file} is up to date` };
  const a = got.split("\n");
  const b = want.split("\n");
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
  return {
    stale: true,
    message:
      `${file} is stale: it differs from what codegen/build-app.ts generates from src/core and codegen/ ` +
      `(first difference at line ${line + 1}). Run \`npm run build:app\` and commit ${file}.`,
  };
}

function main(argv: string[]): number {
  try {
    if (argv.includes("--model")) {
      process.stdout.write(`${JSON.stringify(inspectCore(), null, 1)}\n`);
      return 0;
    }
    if (argv.includes("--native-pins")) {
      const model = inspectCore();
      for (const b of loadNatives()) {
        if (b.kind !== "native") continue;
        const now = nativePin(model, b.name);
        process.stdout.write(`${b.name} pin: ${b.pin}  translation: ${now}${now === b.pin ? "" : "  (changed: check the native, then update its pin)"}\n`);
      }
      return 0;
    }
    if (argv.includes("--check")) {
      const result = checkApp();
      (result.stale ? process.stderr : process.stdout).write(`${result.message}\n`);
      return result.stale ? 1 : 0;
    }
    const known = new Set(["--core-module"]);
    const unknown = argv.find((a, i) => a.startsWith("-") && !known.has(a) && argv[i - 1] !== "--core-module");
    if (unknown !== undefined) {
      process.stderr.write(`build-app: unknown option ${unknown} (use --check, --model, --native-pins or --core-module FILE)\n`);
      return 2;
    }
    const model = inspectCore();
    const at = argv.indexOf("--core-module");
    if (at >= 0) {
      const target = argv[at + 1];
      if (target === undefined) {
        process.stderr.write("build-app: --core-module needs a file name, e.g. --core-module /tmp/lake2oci_core.py\n");
        return 2;
      }
      writeFileSync(resolve(target), emitCoreModule(model));
    }
    const out = join(repoRoot, APP_FILE);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, buildApp({ model: model }));
    process.stdout.write(`wrote ${APP_FILE}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UnsupportedConstructError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
