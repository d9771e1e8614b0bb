// The local cloud in a process of its own, for benchmarks whose clients must not share the emulators' event loop or
// have their CPU time mixed with the emulators'. Started by job-bench.ts (not a benchmark itself).
//
// Protocol: prints one JSON line with what clients need (endpoints, the ADLS dev account, Azurite's own port for
// fast seeding through its Blob API, the OCI config file, the pids whose CPU time is the emulators'), then reads
// commands as JSON lines on stdin and answers each with one JSON line:
//   {"latencyMs": N}  both emulators wait N ms before every request from now on (0: off)  -> {"ok": true}
//   {"cpu": true}     CPU seconds used so far by the emulator processes                   -> {"ok": true, "cpuSeconds"}
// Stops the cloud and exits when stdin closes, so it never outlives the benchmark that started it.
// --dir PATH keeps the cloud's data there (reused by a later start: listing-bench.ts caches its seeded lake so).
// --s3 also starts S3 (moto's server, signatures checked): its endpoint and keys are in the first line, and the
// latency command applies to it too.
import { createInterface } from "node:readline";
import { startLocalCloud } from "../../src/emulators/local-cloud.ts";
import { cpuSeconds, descendants } from "./proc-tree.ts";

const LATENCY_RULE_ID = "bench-latency";

function emulatorCpuSeconds(): number {
  return [process.pid, ...descendants(process.pid)].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

const dirFlag = process.argv.indexOf("--dir");
const cloud = await startLocalCloud({ ...(dirFlag >= 0 ? { dir: process.argv[dirFlag + 1] } : {}), s3: process.argv.includes("--s3") });
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
say({
  ociEndpoint: cloud.oci.url,
  ociNamespace: cloud.oci.namespace,
  ociConfigFile: cloud.credentials.configFile,
  ociProfile: cloud.credentials.profile,
  ociTenancy: cloud.credentials.tenancy,
  adlsAccountUrl: cloud.adls.accountUrl,
  adlsAccountName: cloud.adls.accountName,
  adlsAccountKey: cloud.adls.accountKey,
  azuriteUrl: `http://127.0.0.1:${cloud.adls.azuritePort}/${cloud.adls.accountName}`,
  dataDir: cloud.dir,
  ...(cloud.s3
    ? { s3Url: cloud.s3.url, s3Region: cloud.s3.region, s3Bucket: cloud.s3.bucket, s3AccessKeyId: cloud.s3.keys.accessKeyId, s3SecretAccessKey: cloud.s3.keys.secretAccessKey }
    : {}),
  pid: process.pid,
});

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "") return;
  try {
    const command = JSON.parse(line) as { latencyMs?: unknown; cpu?: unknown };
    if (command.latencyMs !== undefined) {
      const ms = command.latencyMs;
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new Error(`latencyMs must be a number >= 0, got ${String(ms)}`);
      cloud.adls.setLatencyMs(ms);
      cloud.s3?.setLatencyMs(ms);
      cloud.oci.faults.remove(LATENCY_RULE_ID);
      if (ms > 0) cloud.oci.faults.add({ id: LATENCY_RULE_ID, effect: { kind: "latency", ms } });
      say({ ok: true });
    } else if (command.cpu === true) {
      say({ ok: true, cpuSeconds: emulatorCpuSeconds() });
    } else {
      throw new Error(`unknown command ${line}`);
    }
  } catch (error) {
    say({ ok: false, error: (error as Error).message });
  }
});
lines.on("close", () => {
  cloud.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
