// `npm run bench`: runs every benchmark script in its own process (so peak memory and CPU are per benchmark), in
// order, and prints their figures. A benchmark prints its own table, then one JSON line with its results last.
// Usage: npm run bench [-- NAME ...]   (NAME = a script name without .ts, e.g. emulator-throughput)
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const benches = readdirSync(here)
  .filter((f) => f.endsWith("-bench.ts") || f === "emulator-throughput.ts")
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const w of wanted) {
  if (!benches.includes(w)) {
    console.error(`bench: no benchmark '${w}' (have: ${benches.join(", ")})`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : benches) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
