// Runs after `npm install` / `npm ci`: bundles the CLI and sets up the Python environment (.venv with pyspark and
// the SDKs). A missing Java or Python is reported but does not fail the install; `npm test` and the commands that
// need Spark run the Python set-up again and stop there with the same message.
// LAKE2OCI_SKIP_PYTHON_SETUP=1 skips the Python part.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (existsSync(join(root, "node_modules", "esbuild"))) {
  const b = spawnSync(process.execPath, [join(root, "scripts", "build-cli.mjs")], { stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
if (process.env.LAKE2OCI_SKIP_PYTHON_SETUP !== "1" && existsSync(join(root, "scripts", "setup-python.sh"))) {
  const p = spawnSync("bash", [join(root, "scripts", "setup-python.sh")], { stdio: "inherit" });
  if (p.status !== 0) {
    console.warn("lake2oci: the Python environment is not ready (see above); the Spark job and its tests need it.");
  }
}
