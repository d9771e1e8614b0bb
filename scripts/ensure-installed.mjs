// Makes `npm test` and `npm run demo` work straight after a clone: when node_modules is missing or older than
// package-lock.json, runs `npm ci` (whose postinstall also bundles the CLI and sets up the Python venv).
// Uses nothing but Node itself, since it runs before any package is installed.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
const fresh = existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
if (!fresh) {
  console.log("lake2oci: installing npm packages (npm ci) first…");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("lake2oci: npm ci failed (see above)");
    process.exit(r.status ?? 1);
  }
}
