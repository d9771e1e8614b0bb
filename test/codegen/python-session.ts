// Test support for the codegen tests: generating a Python module from TypeScript files into a temporary folder, one
// long-lived Python process that calls its functions (test/codegen/parity_runner.py), and the canonical JSON form
// in which results of both languages are compared.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { emitCoreModule } from "../../codegen/emit-core.ts";
import { inspectCore, repoRoot } from "../../codegen/inspect-core.ts";
import type { CoreModel } from "../../codegen/model.ts";
import { requireVenv } from "../helpers/python.ts";

export const runnerScript = join(dirname(fileURLToPath(import.meta.url)), "parity_runner.py");

/** ruff rules for the translated core (stricter than ruff's defaults, which dist/app.py as a whole must pass). */
export const CORE_RUFF_ARGS = ["--no-cache", "--target-version", "py311", "--select", "E4,E7,E9,F,W,B,UP"];
export const APP_RUFF_ARGS = ["--no-cache", "--target-version", "py311"];

export interface GeneratedModule {
  dir: string;
  name: string;
  file: string;
  model: CoreModel;
  /** The Python name of the exported TypeScript name `ts` of `file` (relative to the repository root). */
  pyName(file: string, ts: string): string;
  remove(): void;
}

/** Translates `files` (relative to the repository root) into `<tmp>/<name>.py`. */
export function generateModule(files: string[], name: string): GeneratedModule {
  const model = inspectCore({ root: repoRoot, files: files });
  const dir = mkdtempSync(join(tmpdir(), "lake2oci-codegen-"));
  const file = join(dir, `${name}.py`);
  writeFileSync(file, emitCoreModule(model));
  return {
    dir,
    name,
    file,
    model,
    pyName(f: string, ts: string): string {
      const hit = model.exports.find((e) => e.file === f && e.ts === ts);
      if (hit === undefined) throw new Error(`${f} exports no ${ts} (or it was not translated)`);
      return hit.py;
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Outcome = { ok: unknown } | { error: string; type?: string };

/** JSON with undefined as null and NaN/±Infinity as "$NaN"/"$Infinity"/"$-Infinity", as parity_runner.py writes. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === undefined) return null;
    if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "$NaN" : v > 0 ? "$Infinity" : "$-Infinity";
    return v;
  });
}

/** The outcome of a TypeScript call, in the form compared with Python's. */
export function tsOutcome(call: () => unknown): Outcome {
  try {
    return { ok: JSON.parse(canonical(call()) ?? "null") };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The part of an outcome both languages must agree on: the value, or that it failed and with which message. */
export function comparable(outcome: Outcome): string {
  return "ok" in outcome ? `ok ${canonical(outcome.ok)}` : `error ${outcome.error}`;
}

export interface PythonCall {
  fn: string;
  args: unknown[];
}

/** One Python process answering calls of a generated module, in order. */
export class PythonSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (o: Outcome) => void; reject: (e: Error) => void }[] = [];
  private stderr = "";
  private exited: Error | null = null;

  constructor(module: GeneratedModule) {
    this.child = spawn(requireVenv(), [runnerScript, module.dir, module.name], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d) => {
      this.stderr += d;
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const next = this.waiting.shift();
      if (next !== undefined) next.resolve(JSON.parse(line) as Outcome);
    });
    this.child.on("exit", (code) => {
      this.exited = new Error(`the Python runner exited (${code}): ${this.stderr.trim()}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  /** Sends every call at once and waits for all answers. */
  callAll(calls: PythonCall[]): Promise<Outcome[]> {
    if (this.exited !== null) return Promise.reject(this.exited);
    const answers = calls.map(
      () =>
        new Promise<Outcome>((resolve, reject) => {
          this.waiting.push({ resolve, reject });
        }),
    );
    this.child.stdin.write(calls.map((c) => `${JSON.stringify({ fn: c.fn, args: c.args })}\n`).join(""));
    return Promise.all(answers);
  }

  async call(fn: string, args: unknown[]): Promise<Outcome> {
    const [answer] = await this.callAll([{ fn, args }]);
    return answer;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited !== null || this.child.exitCode !== null) {
        resolve();
        return;
      }
      this.child.once("exit", () => resolve());
      this.child.stdin.end();
      setTimeout(() => this.child.kill("SIGKILL"), 5000).unref();
    });
  }
}
