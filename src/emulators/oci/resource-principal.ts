// A stand-in for the OCI identity service that hands a Data Flow run its resource principal: an issuer key the OCI
// emulator trusts (`OciEmulator.trustSessionTokenIssuer`) and session tokens (RPST) it signs, each with a fresh
// session key pair. `env()` gives the variables Data Flow sets in a run with dataflow.auth=resource_principal, which
// the OCI SDKs' resource-principal signers read (version 2.2: the token and the session private key, as values or as
// absolute file paths, and the region).
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ResourcePrincipalSession {
  /** The RPST (a JWT). */
  token: string;
  /** The session private key, PKCS#8 PEM. */
  privateKeyPem: string;
  region: string;
  claims: Record<string, unknown>;
  /** The OCI_RESOURCE_PRINCIPAL_* variables, holding the token and key themselves. */
  env(): Record<string, string>;
  /** Writes the token and key to `dir` (key mode 0600) and returns the variables naming those files. */
  writeFiles(dir: string): Promise<Record<string, string>>;
}

export interface IssueOptions {
  /** Default us-ashburn-1. */
  region?: string;
  /** Seconds until the token expires (default 3600; negative for an expired token). */
  ttlSeconds?: number;
  tenancy?: string;
  compartment?: string;
  /** The resource (the Data Flow run). */
  resourceId?: string;
  /** Claims to set over the defaults; a claim set to undefined is left out (for tests of bad tokens). */
  claims?: Record<string, unknown>;
}

export interface ResourcePrincipalIssuer {
  /** The issuer's public key (PEM): give it to the emulator. */
  publicKeyPem: string;
  issue(options?: IssueOptions): ResourcePrincipalSession;
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function fakeOcid(kind: string): string {
  return `ocid1.${kind}.oc1..aaaaaaaa${randomUUID().replace(/-/g, "")}`;
}

export function createResourcePrincipalIssuer(): ResourcePrincipalIssuer {
  const issuer = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicKeyPem: issuer.publicKey.export({ type: "spki", format: "pem" }).toString(),
    issue: (options = {}) => issueToken(issuer.privateKey, options),
  };
}

function issueToken(issuerKey: KeyObject, options: IssueOptions): ResourcePrincipalSession {
  const session = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const region = options.region ?? "us-ashburn-1";
  const tenancy = options.tenancy ?? fakeOcid("tenancy");
  const jwk = { kid: "sessionKey", ...session.publicKey.export({ format: "jwk" }), alg: "RS256", use: "sig" };
  const claims: Record<string, unknown> = {
    sub: options.resourceId ?? fakeOcid("dataflowrun"),
    iss: "authService.oracle.com",
    aud: "oci",
    ptype: "resource",
    ttype: "res",
    res_type: "dataflowrun",
    res_tenant: tenancy,
    res_compartment: options.compartment ?? fakeOcid("compartment"),
    res_id: options.resourceId ?? fakeOcid("dataflowrun"),
    tenant: tenancy,
    jwk: JSON.stringify(jwk),
    iat: now,
    exp: now + (options.ttlSeconds ?? 3600),
    jti: randomUUID(),
    ...options.claims,
  };
  const signingInput = `${b64url({ alg: "RS256", typ: "JWT", kid: "asw" })}.${b64url(claims)}`;
  const token = `${signingInput}.${sign("sha256", Buffer.from(signingInput), issuerKey).toString("base64url")}`;
  const privateKeyPem = session.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const env = (rpst: string, pem: string) => ({
    OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
    OCI_RESOURCE_PRINCIPAL_RPST: rpst,
    OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: pem,
    OCI_RESOURCE_PRINCIPAL_REGION: region,
  });
  return {
    token,
    privateKeyPem,
    region,
    claims,
    env: () => env(token, privateKeyPem),
    async writeFiles(dir) {
      const tokenFile = join(dir, "rpst");
      const keyFile = join(dir, "session_key.pem");
      await writeFile(tokenFile, token, { mode: 0o600 });
      await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
      return env(tokenFile, keyFile);
    },
  };
}
