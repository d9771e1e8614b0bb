// Builds dist/app.py, the PySpark job: the generated header, the imports of every part (merged, at the top), the
// translated core (codegen/inspect-core.ts -> codegen/emit-core.ts), then the hand-written runtime, every
// codegen/python/*.py in name order with main.py last.
//
// Runtime files are ordinary Python modules: each starts with comments (or a docstring) and its imports, which move
// to the top of app.py; the rest is copied as it is. They may import the core as `from lake2oci_core import ...`
// (the module `--core-module` writes, for running them on their own); in app.py that import is dropped, since the
// core is in the same file.
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
export const RUNTIME_DIR = "codegen/python";
/** The module name runtime files import the core from when they run on their own. */
export const CORE_MODULE_NAME = "lake2oci_core";

interface RuntimeFile {
  name: string;
  imports: string[];
  body: string;
}

/** Splits a runtime file into its leading comments, its import block and the rest. */
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
  const kept = imports.filter((imp) => !new RegExp(`^(from ${CORE_MODULE_NAME} import|import ${CORE_MODULE_NAME}\\b)`).test(imp));
  return { name: name, imports: kept, body: body };
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

function runtimeFiles(root: string): RuntimeFile[] {
  const dir = join(root, RUNTIME_DIR);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .sort((a, b) => (a === "main.py" ? 1 : b === "main.py" ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => splitRuntimeFile(n, readFileSync(join(dir, n), "utf8")));
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
  const imports = mergeImports([...core.imports, ...runtime.flatMap((r) => r.imports)]);
  const parts = [
    [
      GENERATED_HEADER,
      "# lake2oci's Spark job (OCI Data Flow, or spark-submit locally): the planning core translated from TypeScript,",
      "# then the Python runtime. Sources: src/core/*.ts, src/config/defaults.ts, codegen/shims, codegen/python/*.py.",
      "",
      ...imports,
    ].join("\n"),
    core.body.trimEnd(),
    ...runtime.map((r) => `${banner(`${RUNTIME_DIR}/${r.name}`)}\n${r.body}`),
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
