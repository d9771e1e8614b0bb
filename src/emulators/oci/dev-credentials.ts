// Development credentials for the local cloud: a fresh RSA 2048 API key and an OCI config file that both SDKs accept
// (realistic OCIDs, a colon-hex fingerprint, a region), plus a second, unregistered key with the same keyId for
// negative tests. Every call generates new keys and overwrites the files in `dir`.
//
//   dir/oci_api_key.pem   the private key (PKCS#8 PEM, mode 0600)
//   dir/config            [DEFAULT] and [LOCAL], same key, key_file = absolute path
//   dir/wrong_key.pem     another private key, never given to the emulator
//   dir/config-wrong      [DEFAULT] and [WRONG]: same tenancy/user/fingerprint, key_file = wrong_key.pem
import { createHash, generateKeyPair, randomBytes, type KeyObject } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export interface DevCredentials {
  dir: string;
  configFile: string;
  wrongConfigFile: string;
  /** The profile to use with configFile: "LOCAL". */
  profile: string;
  tenancy: string;
  user: string;
  fingerprint: string;
  region: string;
  keyFile: string;
}

const generate = promisify(generateKeyPair);

function fakeOcid(kind: string): string {
  // Real OCIDs: ocid1.<type>.oc1.<region or empty>.<60 base32 chars starting with aaaaaaaa>
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let tail = "";
  for (const b of randomBytes(52)) tail += alphabet[b & 31];
  return `ocid1.${kind}.oc1..aaaaaaaa${tail}`;
}

function fingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

async function newKey(file: string): Promise<KeyObject> {
  const { privateKey, publicKey } = await generate("rsa", { modulusLength: 2048 });
  await writeFile(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await chmod(file, 0o600);
  return publicKey;
}

function profile(name: string, fields: Record<string, string>): string {
  return `[${name}]\n${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}

export async function createDevCredentials(dir: string): Promise<DevCredentials> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true, mode: 0o700 });
  const keyFile = join(abs, "oci_api_key.pem");
  const wrongKeyFile = join(abs, "wrong_key.pem");
  const [publicKey] = await Promise.all([newKey(keyFile), newKey(wrongKeyFile)]);
  const tenancy = fakeOcid("tenancy");
  const user = fakeOcid("user");
  const fingerprint = fingerprintOf(publicKey);
  const region = "us-ashburn-1";
  const base = { user, fingerprint, tenancy, region };

  const configFile = join(abs, "config");
  const good = { ...base, key_file: keyFile };
  await writeFile(configFile, `${profile("DEFAULT", good)}\n${profile("LOCAL", good)}`, { mode: 0o600 });
  const wrongConfigFile = join(abs, "config-wrong");
  const wrong = { ...base, key_file: wrongKeyFile };
  await writeFile(wrongConfigFile, `${profile("DEFAULT", wrong)}\n${profile("WRONG", wrong)}`, { mode: 0o600 });

  return { dir: abs, configFile, wrongConfigFile, profile: "LOCAL", tenancy, user, fingerprint, region, keyFile };
}
