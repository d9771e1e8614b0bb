// The Python wheels archive.zip is made of: the pinned requirements (opt/dataflow/requirements.txt for Python 3.11,
// opt/dataflow/requirements-py36.txt for the original Python 3.6 runtime) and their dependencies, for the Data Flow
// platform (Linux x86_64, CPython), downloaded once with `pip download --only-binary=:all: --platform ...` into a
// git-ignored cache, .cache/dataflow-wheels/py<version>-<key>/, where <key> hashes the requirements and the platform.
// A manifest there lists every wheel with its SHA-256, so a rebuild uses exactly the same bytes without the network;
// a cache that does not match its manifest is refused (fetch again).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { PackagingError } from "./packaging-error.ts";

export type DataflowPython = "3.11" | "3.6";

export interface PythonRuntime {
  python: DataflowPython;
  /** The requirements file, relative to the repository root. */
  requirements: string;
  /** The Data Flow Spark version that runs this Python. */
  sparkVersion: string;
}

/** The Data Flow runtimes an archive can be built for: 3.11 (Spark 3.5.0, the default) and the original 3.6. */
export const PYTHON_RUNTIMES: Record<DataflowPython, PythonRuntime> = {
  "3.11": { python: "3.11", requirements: "opt/dataflow/requirements.txt", sparkVersion: "3.5.0" },
  "3.6": { python: "3.6", requirements: "opt/dataflow/requirements-py36.txt", sparkVersion: "2.4.4" },
};

/** Linux x86_64 with glibc 2.17 or newer, as Oracle's dependency packager targets (pip adds the older manylinux tags). */
export const WHEEL_PLATFORMS = ["manylinux2014_x86_64", "manylinux_2_17_x86_64"];

export interface CachedWheel {
  file: string;
  size: number;
  sha256: string;
}

export interface WheelSet {
  python: DataflowPython;
  requirementsFile: string;
  /** The cache directory holding the wheels and manifest.json. */
  dir: string;
  /** Sorted by file name. */
  wheels: CachedWheel[];
}

interface Manifest {
  python: DataflowPython;
  platforms: string[];
  requirements: string;
  requirementsSha256: string;
  wheels: CachedWheel[];
}

export function parsePython(value: string): DataflowPython {
  if (value === "3.11" || value === "3.6") return value;
  throw new PackagingError(`--python must be 3.11 (Spark 3.5.0, the default) or 3.6 (the original runtime), got ${JSON.stringify(value)}`, {
    exitCode: 2,
  });
}

/** The requirement lines that matter (comments, blank lines and surrounding spaces dropped). */
function requirementLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter((l) => l !== "");
}

function readRequirements(root: string, python: DataflowPython): { file: string; text: string } {
  const file = join(root, PYTHON_RUNTIMES[python].requirements);
  if (!existsSync(file)) {
    throw new PackagingError(`${PYTHON_RUNTIMES[python].requirements} is missing: it lists the pinned packages for Python ${python}`);
  }
  return { file, text: readFileSync(file, "utf8") };
}

/** The cache directory for the current requirements of `python`. */
export function wheelCacheDir(root: string, python: DataflowPython): string {
  const { text } = readRequirements(root, python);
  const key = createHash("sha256")
    .update(JSON.stringify({ python, platforms: WHEEL_PLATFORMS, implementation: "cp", requirements: requirementLines(text) }))
    .digest("hex")
    .slice(0, 16);
  return join(root, ".cache", "dataflow-wheels", `py${python}-${key}`);
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * The cached wheels for `python`, checked against the cache's manifest. Throws a PackagingError saying how to fetch
 * them when there are none, or when a file differs from the manifest.
 */
export function cachedWheels(root: string, python: DataflowPython): WheelSet {
  const dir = wheelCacheDir(root, python);
  const requirements = PYTHON_RUNTIMES[python].requirements;
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) {
    throw new PackagingError(
      `no wheels cached for Python ${python} (${requirements}, Linux x86_64) in ${relative(root, dir)}: ` +
        `fetch them once with \`npx tsx scripts/build-archive.ts --fetch-only --python ${python}\` (pip download from PyPI)`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
  for (const w of manifest.wheels) {
    const path = join(dir, w.file);
    if (!existsSync(path) || statSync(path).size !== w.size || sha256File(path) !== w.sha256) {
      throw new PackagingError(
        `the wheel cache ${relative(root, dir)} is damaged (${w.file} differs from its manifest): remove that directory and ` +
          `fetch again with \`npx tsx scripts/build-archive.ts --fetch-only --python ${python}\``,
      );
    }
  }
  return { python, requirementsFile: requirements, dir, wheels: manifest.wheels };
}

export interface FetchOptions {
  /** The Python that runs pip (default: LAKE2OCI_PIP_PYTHON, then .venv/bin/python, then python3). */
  pipPython?: string;
  log?: (line: string) => void;
}

function defaultPipPython(root: string): string {
  const fromEnv = process.env.LAKE2OCI_PIP_PYTHON;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const venv = join(root, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/**
 * The wheels for `python`: the cached ones when the cache matches the requirements, otherwise downloaded with pip
 * (network: PyPI) into a fresh cache directory, which replaces the old one only once complete.
 */
export async function fetchWheels(root: string, python: DataflowPython, options: FetchOptions = {}): Promise<WheelSet> {
  const log = options.log ?? (() => {});
  const dir = wheelCacheDir(root, python);
  if (existsSync(join(dir, "manifest.json"))) {
    try {
      return cachedWheels(root, python);
    } catch {
      log(`wheel cache ${relative(root, dir)} is damaged: fetching again`);
    }
  }
  const { file: requirementsFile, text } = readRequirements(root, python);
  const requirements = PYTHON_RUNTIMES[python].requirements;
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const pip = options.pipPython ?? defaultPipPython(root);
  const args = [
    "-m",
    "pip",
    "download",
    "--disable-pip-version-check",
    "--no-input",
    "--only-binary=:all:",
    ...WHEEL_PLATFORMS.flatMap((p) => ["--platform", p]),
    "--python-version",
    python,
    "--implementation",
    "cp",
    "-d",
    partial,
    "-r",
    requirementsFile,
  ];
  log(`downloading the wheels of ${requirements} for Python ${python}, Linux x86_64 (pip download)`);
  let result: { code: number | null; output: string };
  try {
    result = await run(pip, args, root);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw new PackagingError(`cannot run pip with ${pip} (${(err as Error).message}): run npm run setup:python, or set LAKE2OCI_PIP_PYTHON`, {
      cause: err,
    });
  }
  if (result.code !== 0) {
    await rm(partial, { recursive: true, force: true });
    const tail = result.output.trim().split("\n").slice(-15).join("\n");
    throw new PackagingError(
      `pip download failed for ${requirements} (Python ${python}, Linux x86_64, binary wheels only):\n${tail}\n` +
        "Check the pins in that file (each must have a wheel for this Python and platform) and the network access to PyPI.",
    );
  }
  const files = readdirSync(partial).sort();
  const notWheels = files.filter((f) => !f.endsWith(".whl"));
  if (notWheels.length > 0) {
    await rm(partial, { recursive: true, force: true });
    throw new PackagingError(`pip download left non-wheel files for ${requirements}: ${notWheels.join(", ")}`);
  }
  const wheels = files.map((f) => {
    const path = join(partial, f);
    return { file: f, size: statSync(path).size, sha256: sha256File(path) };
  });
  const manifest: Manifest = {
    python,
    platforms: WHEEL_PLATFORMS,
    requirements,
    requirementsSha256: createHash("sha256").update(text).digest("hex"),
    wheels,
  };
  await writeFile(join(partial, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  log(`cached ${wheels.length} wheels in ${relative(root, dir)}`);
  return { python, requirementsFile: requirements, dir, wheels };
}
