// Reads an OCI SDK config file and turns every API-key profile in it into an accepted public key. The file is the
// INI dialect both SDKs read: `[PROFILE]` sections, `key=value` lines, `#`/`;` comments, and values in [DEFAULT]
// inherited by the other profiles. A profile counts when it has user, tenancy, fingerprint and key_file or
// key_content; its fingerprint must be the one of its key (MD5 of the DER SubjectPublicKeyInfo, colon hex), or
// startup fails naming the profile: the real service would refuse such a keyId, so it is a broken config.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";

export interface ConfigKey {
  profile: string;
  /** `tenancy/user/fingerprint`, the keyId the SDKs sign with. */
  keyId: string;
  publicKey: KeyObject;
}

/** MD5 of the DER-encoded SubjectPublicKeyInfo, as colon-separated lowercase hex (OCI's key fingerprint). */
export function keyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  const hex = createHash("md5").update(der).digest("hex");
  return hex.match(/../g)!.join(":");
}

/** Parses the INI text into profile -> key -> value (no inheritance applied). */
export function parseOciConfig(text: string, file: string): Map<string, Map<string, string>> {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
    const section = /^\[(.+)\]$/.exec(trimmed);
    if (section) {
      const name = section[1].trim();
      current = profiles.get(name) ?? new Map();
      profiles.set(name, current);
      return;
    }
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`${file}:${i + 1}: expected 'key=value' or '[PROFILE]', got '${trimmed}'`);
    if (!current) throw new Error(`${file}:${i + 1}: '${trimmed.slice(0, eq).trim()}' appears before any [PROFILE] line`);
    current.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  });
  return profiles;
}

function expandPath(path: string, configFile: string): string {
  if (path === "~" || path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(dirname(configFile), path);
}

/** Loads every API-key profile of `configFile`; throws with the file and profile named when one is unusable. */
export function loadConfigKeys(configFile: string): ConfigKey[] {
  let text: string;
  try {
    text = readFileSync(configFile, "utf8");
  } catch (err) {
    throw new Error(`OCI emulator: cannot read ociConfigFile '${configFile}': ${(err as Error).message}`);
  }
  const profiles = parseOciConfig(text, configFile);
  const defaults = profiles.get("DEFAULT") ?? new Map<string, string>();
  const keys: ConfigKey[] = [];
  for (const [profile, own] of profiles) {
    const get = (k: string) => own.get(k) ?? defaults.get(k);
    const user = get("user");
    const tenancy = get("tenancy");
    const fingerprint = get("fingerprint");
    const keyFile = get("key_file");
    const keyContent = get("key_content");
    if (!user || !tenancy || !fingerprint || (!keyFile && !keyContent)) continue;
    const where = `${configFile} [${profile}]`;
    let pem: string;
    if (keyContent) {
      pem = keyContent.replace(/\\n/g, "\n");
    } else {
      const path = expandPath(keyFile as string, configFile);
      try {
        pem = readFileSync(path, "utf8");
      } catch (err) {
        throw new Error(`OCI emulator: ${where}: cannot read key_file '${path}': ${(err as Error).message}`);
      }
    }
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(createPrivateKey({ key: pem, format: "pem", passphrase: get("pass_phrase") }));
    } catch (err) {
      throw new Error(
        `OCI emulator: ${where}: the private key cannot be loaded (${(err as Error).message}); ` +
          "check key_file/key_content and pass_phrase",
      );
    }
    const actual = keyFingerprint(publicKey);
    if (actual !== fingerprint.toLowerCase()) {
      throw new Error(
        `OCI emulator: ${where}: fingerprint ${fingerprint} does not match the key's public key (${actual}); ` +
          "fix the fingerprint line or the key",
      );
    }
    keys.push({ profile, keyId: `${tenancy}/${user}/${fingerprint}`, publicKey });
  }
  return keys;
}
