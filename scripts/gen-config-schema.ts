// Writes src/config/lake2oci.schema.json (the JSON Schema editors use for lake2oci config files) from the config
// schema in src/config/schema.ts. With --check it writes nothing and exits 1 when the committed file differs from
// what it would write (for CI and the tests). --file PATH reads or writes another file instead (for the tests).
//
//   npx tsx scripts/gen-config-schema.ts           regenerate
//   npx tsx scripts/gen-config-schema.ts --check   verify

import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_SCHEMA_REGENERATE, configJsonSchema } from "../src/config/config-json-schema.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(root, "src", "config", "lake2oci.schema.json");

async function main(args: string[]): Promise<number> {
  let check = false;
  let target = committed;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--check") check = true;
    else if (args[i] === "--file" && i + 1 < args.length) target = args[++i];
    else {
      console.error(`gen-config-schema: unknown argument ${args[i]}; options: --check, --file PATH`);
      return 2;
    }
  }
  const shown = relative(process.cwd(), target) || target;
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (check) {
    const current = await readFile(target, "utf8").catch(() => undefined);
    if (current === text) {
      console.log(`${shown} is up to date`);
      return 0;
    }
    const why = current === undefined ? "is missing" : "is stale (src/config/schema.ts changed)";
    console.error(`${shown} ${why}. Regenerate it with: ${CONFIG_SCHEMA_REGENERATE}`);
    return 1;
  }
  await writeFile(target, text);
  console.log(`wrote ${shown}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
