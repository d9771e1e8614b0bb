// The OCI config file and API key that a DATAFLOW config with `target.configFile` ships inside archive.zip, as the
// original workflow did (src/.oci/ under site-packages). Only what the job reads goes in: the one section it uses
// (values inherited from [DEFAULT] filled in) and that section's private key; other sections, other keys and public
// keys stay behind. The shipped key_file names the key where Data Flow unpacks the archive
// (/opt/dataflow/python/lib/python3.X/site-packages/src/.oci/<key>); the job also looks for it beside the shipped
// config, wherever site-packages lands. Checked here, before anything is uploaded: the section exists and has what
// the OCI SDK requires, the key file exists, loads (with pass_phrase when set) and matches the fingerprint.
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { PackagingError } from "./packaging-error.ts";

/** Where the shipped files go, relative to site-packages (the job's ARCHIVE_CONFIG_PATH). */
export const SHIPPED_OCI_DIR = "src/.oci";

export interface ShippedOciConfig {
  /** The config file read, and its section. */
  configFile: string;
  section: string;
  /** The text of src/.oci/config in the archive. */
  configText: string;
  /** The private key file read and its bytes, shipped as src/.oci/<keyName>; undefined when the key is inline (key_content). */
  keyFile?: string;
  keyName?: string;
  key?: Buffer;
}

/** Parses the OCI config file dialect: [SECTION] lines, key=value lines, # and ; comments. */
function parseSections(text: string, file: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      const name = header[1].trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      return;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || current === undefined) {
      throw new PackagingError(`${file}:${i + 1}: expected [SECTION] or key=value; fix the OCI config file`);
    }
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  });
  return sections;
}

function fingerprintOf(pem: string, passphrase: string | undefined): string {
  const publicKey = createPublicKey(createPrivateKey({ key: pem, format: "pem", passphrase }));
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

/** Resolves a key_file value: "~/" is the home directory; a relative path is tried beside the config file, then in the working directory. */
function keyFileCandidates(keyFile: string, configFile: string): string[] {
  if (keyFile === "~" || keyFile.startsWith("~/")) return [resolve(homedir(), keyFile.slice(2))];
  if (isAbsolute(keyFile)) return [keyFile];
  return [resolve(dirname(configFile), keyFile), resolve(keyFile)];
}

/**
 * Reads `section` of the OCI config file and its key, and makes the files to ship. Throws a PackagingError naming
 * the file, section and field for a missing file or section, a missing field, a key file that does not exist, a key
 * that does not load, or a fingerprint that is not the key's.
 */
export function shippedOciConfig(configFile: string, section: string, dataflowSitePackages: string): ShippedOciConfig {
  const where = `target.configFile ${configFile}`;
  if (!existsSync(configFile)) {
    throw new PackagingError(`${where} does not exist: fix the path (relative paths are relative to the lake2oci config file), or remove target.configFile to use the Data Flow run's resource principal`);
  }
  const sections = parseSections(readFileSync(configFile, "utf8"), configFile);
  const own = sections.get(section);
  if (own === undefined) {
    const known = [...sections.keys()].map((s) => `[${s}]`).join(", ") || "none";
    throw new PackagingError(`${where} has no [${section}] section (sections: ${known}): add it, or set target.configProfile to one of them`);
  }
  const values = new Map(section === "DEFAULT" ? own : [...(sections.get("DEFAULT") ?? new Map()), ...own]);
  const missing = ["user", "fingerprint", "tenancy", "region"].filter((k) => !values.get(k));
  const keyFileValue = values.get("key_file");
  const keyContent = values.get("key_content");
  if (!keyFileValue && !keyContent) missing.push("key_file");
  if (missing.length > 0) {
    throw new PackagingError(`${where} [${section}] lacks ${missing.join(", ")}: the OCI SDK needs them (https://docs.oracle.com/iaas/Content/API/Concepts/sdkconfig.htm)`);
  }
  const passphrase = values.get("pass_phrase") || undefined;
  let pem: string;
  let keyFile: string | undefined;
  if (keyFileValue) {
    const candidates = keyFileCandidates(keyFileValue, configFile);
    keyFile = candidates.find((c) => existsSync(c));
    if (keyFile === undefined) {
      throw new PackagingError(`${where} [${section}]: key_file ${keyFileValue} does not exist (looked for ${candidates.join(" and ")}): fix key_file, or remove target.configFile to use the Data Flow run's resource principal`);
    }
    pem = readFileSync(keyFile, "utf8");
  } else {
    pem = (keyContent as string).replace(/\\n/g, "\n");
  }
  let actual: string;
  try {
    actual = fingerprintOf(pem, passphrase);
  } catch {
    throw new PackagingError(`${where} [${section}]: the private key ${keyFile ?? "(key_content)"} cannot be loaded: it must be a PEM private key, with pass_phrase set when it is encrypted`);
  }
  const fingerprint = (values.get("fingerprint") as string).toLowerCase();
  if (actual !== fingerprint) {
    throw new PackagingError(`${where} [${section}]: fingerprint ${fingerprint} is not the fingerprint of the key ${keyFile ?? "(key_content)"} (${actual}): fix the fingerprint or key_file`);
  }

  // The key keeps its file name, unless that is the config's own name.
  const keyName = keyFile === undefined ? undefined : basename(keyFile) === "config" ? "oci_api_key.pem" : basename(keyFile);
  if (keyName !== undefined) values.set("key_file", `${dataflowSitePackages}/${SHIPPED_OCI_DIR}/${keyName}`);
  const order = ["user", "fingerprint", "tenancy", "region", "key_file", "key_content", "pass_phrase"];
  const keys = [...order.filter((k) => values.has(k)), ...[...values.keys()].filter((k) => !order.includes(k)).sort()];
  const configText = [
    `# Shipped by lake2oci build: section [${section}] of ${basename(configFile)} for the Data Flow run (config-file auth).`,
    "# Resource principal is safer: remove target.configFile and run with dataflow.auth=resource_principal.",
    `[${section}]`,
    ...keys.map((k) => `${k}=${values.get(k)}`),
    "",
  ].join("\n");
  return {
    configFile,
    section,
    configText,
    keyFile,
    keyName,
    key: keyFile === undefined ? undefined : readFileSync(keyFile),
  };
}
