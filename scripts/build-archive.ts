// Builds archive.zip alone (no app.py, no Data Flow settings), or only fills the wheel cache.
//
//   tsx scripts/build-archive.ts [--config FILE] [--python 3.11|3.6] [--out FILE] [--strict] [--offline]
//   tsx scripts/build-archive.ts --fetch-only [--python 3.11] [--python 3.6]
//
// --fetch-only downloads the wheels of opt/dataflow/requirements.txt (3.11) and requirements-py36.txt (3.6) for
// Linux x86_64 into .cache/dataflow-wheels/ (pip download; the network is needed only here), so that later builds
// and the tests run offline. With --config, the archive holds that config's job file (and its OCI key when the config
// ships one); without, the packages only. The same inputs always give a byte-identical zip.
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildArchive } from "../src/packaging/build-archive.ts";
import { readDataflowConfig } from "../src/packaging/dataflow-config.ts";
import { PackagingError } from "../src/packaging/packaging-error.ts";
import { findRepoRoot } from "../src/packaging/repo-root.ts";
import { cachedWheels, fetchWheels, parsePython } from "../src/packaging/wheels.ts";

const usage = "usage: tsx scripts/build-archive.ts [--config FILE] [--python 3.11|3.6] [--out FILE] [--strict] [--offline] | --fetch-only [--python V]...";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      python: { type: "string", multiple: true },
      out: { type: "string" },
      strict: { type: "boolean" },
      offline: { type: "boolean" },
      "fetch-only": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const root = findRepoRoot();
  const log = (line: string) => console.error(`build-archive: ${line}`);
  const pythons = (values.python ?? (values["fetch-only"] ? ["3.11", "3.6"] : ["3.11"])).map(parsePython);
  if (values["fetch-only"]) {
    for (const python of pythons) {
      const set = await fetchWheels(root, python, { log });
      console.log(`Python ${python}: ${set.wheels.length} wheels in ${relative(root, set.dir)}`);
    }
    return 0;
  }
  if (pythons.length !== 1) throw new PackagingError("give one --python when building an archive", { exitCode: 2 });
  const python = pythons[0];
  const config = values.config === undefined ? undefined : await readDataflowConfig(values.config, { python, strict: values.strict });
  for (const w of config?.warnings ?? []) console.error(`warning: ${w}`);
  const wheels = values.offline ? cachedWheels(root, python) : await fetchWheels(root, python, { log });
  const out = resolve(values.out ?? join(root, "dist", "archive.zip"));
  const result = await buildArchive({ python, wheels, out, jobFile: config?.job, shipped: config?.shipped });
  const shown = relative(process.cwd(), out);
  console.log(`${shown.startsWith("..") ? out : shown}: ${result.entries} entries, ${result.bytes} bytes, sha256 ${result.sha256}`);
  if (result.shippedEntries.length > 0) console.log(`with the OCI config and API private key: ${result.shippedEntries.join(", ")}`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof PackagingError) {
    console.error(`build-archive: ${err.message}`);
    process.exitCode = err.exitCode;
  } else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`build-archive: ${err.message}\n${usage}`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
