// The lake2oci checkout this code runs from: the nearest directory above this module (or above the bundled CLI,
// dist/cli.js) whose package.json is lake2oci's. Build inputs (opt/dataflow/, codegen/) and the wheel cache (.cache/)
// are found there.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function findRepoRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "lake2oci") return dir;
      } catch {
        // not a readable package.json: keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the lake2oci checkout (its package.json) above ${from}`);
    dir = parent;
  }
}
