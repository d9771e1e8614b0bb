// Runs the test suite on Node's test runner through tsx: every test/**/*.test.ts (Node 20's --test takes no globs),
// one file at a time, the slow end-to-end files last. Arguments narrow the run to files whose path contains one of
// them: `npm test -- planner codegen`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}
const filters = process.argv.slice(2);
const slow = (f) => (f.startsWith(join("test", "e2e")) ? 2 : f.startsWith(join("test", "packaging")) ? 1 : 0);
const files = walk(join(root, "test"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort((a, b) => slow(a) - slow(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`run-tests: no test file matches ${filters.join(", ")}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
