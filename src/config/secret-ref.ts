// Secret references: how a config names a secret without holding it. A secret field holds `env:NAME` (an environment
// variable), `file:PATH` (a file, relative to the config file's directory) or `vault:OCID` (an OCI Vault secret, read
// by the job on OCI). Configs are copied into generated and uploaded files, so an inline secret is refused — and no
// message here ever contains any part of a secret field's value.

export type SecretRef =
  | { scheme: "env"; name: string }
  | { scheme: "file"; path: string }
  | { scheme: "vault"; ocid: string };

/** An environment variable name as POSIX shells accept it. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An OCI Vault secret OCID: `ocid1.vaultsecret.<realm>.<region>.[<future use>.]<unique id>`. */
export const VAULT_SECRET_OCID_PATTERN = /^ocid1\.vaultsecret\.[a-z0-9]+(?:\.[a-z0-9-]*)*\.[a-z0-9]+$/;

/** The JSON Schema pattern for a secret field (editors flag an inline value). */
export const SECRET_REF_PATTERN =
  /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:.*\S.*|vault:ocid1\.vaultsecret\.[a-z0-9]+(?:\.[a-z0-9-]*)*\.[a-z0-9]+)$/;

export const INLINE_SECRET_PROBLEM = "looks like an inline secret";
export const INLINE_SECRET_FIX =
  "put it in an environment variable and write env:NAME (or file:PATH for a file, vault:OCID for an OCI Vault secret)";

/**
 * Reads a secret reference. Problems are worded without the value: they may be shown for a field that holds an
 * actual secret.
 */
export function parseSecretRef(value: string): { ref: SecretRef } | { problem: string; fix: string } {
  if (value.length === 0) {
    return { problem: "is empty", fix: "write a secret reference: env:NAME, file:PATH or vault:OCID" };
  }
  const colon = value.indexOf(":");
  const scheme = colon > 0 ? value.slice(0, colon) : "";
  const rest = colon > 0 ? value.slice(colon + 1) : "";
  if (scheme === "env") {
    if (!ENV_NAME_PATTERN.test(rest)) {
      return {
        problem: "is an env: reference with an invalid variable name",
        fix: "write env:NAME where NAME has letters, digits and underscores and does not start with a digit",
      };
    }
    return { ref: { scheme: "env", name: rest } };
  }
  if (scheme === "file") {
    if (rest.trim().length === 0) {
      return { problem: "is a file: reference without a path", fix: "write file:PATH, e.g. file:./secrets/azure-key" };
    }
    return { ref: { scheme: "file", path: rest } };
  }
  if (scheme === "vault") {
    if (!VAULT_SECRET_OCID_PATTERN.test(rest)) {
      return {
        problem: "is a vault: reference without a valid secret OCID",
        fix: "write vault:ocid1.vaultsecret.<realm>.<region>..<unique id>, copied from the secret's page in the OCI Console",
      };
    }
    return { ref: { scheme: "vault", ocid: rest } };
  }
  // A short word before a colon is a mistyped scheme ("ENV:", "environment:"); secrets rarely look like that. A URL
  // (a SAS URL, say) carries its secret in the query, so it counts as inline.
  if (/^[A-Za-z]{2,12}$/.test(scheme) && rest.length > 0 && !/^https?$/i.test(scheme)) {
    return {
      problem: "uses an unknown reference scheme",
      fix: "write env:NAME, file:PATH or vault:OCID (the scheme is lowercase)",
    };
  }
  return { problem: INLINE_SECRET_PROBLEM, fix: INLINE_SECRET_FIX };
}
