// Runs the project's Python (the .venv made by scripts/setup-python.sh) from Node tests.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const venvPython = join(repoRoot, ".venv", "bin", "python");

export function requireVenv(): string {
  if (!existsSync(venvPython)) {
    throw new Error(`${venvPython} is missing: run \`npm run setup:python\` (npm install normally does it)`);
  }
  return venvPython;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output (also echoed when LAKE2OCI_TEST_VERBOSE=1). */
export function runCommand(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const verbose = process.env.LAKE2OCI_TEST_VERBOSE === "1";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (verbose) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      if (verbose) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
