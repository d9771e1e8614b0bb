// Resolves secret references (env:NAME, file:PATH) on the machine that runs lake2oci. vault:OCID references are
// read by the job on OCI, which has the network path and the permissions; here they are refused with that reason.
// No message or error here contains a secret's value.

import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { resolveLocalPath } from "./local-path.ts";
import { parseSecretRef } from "./secret-ref.ts";

/** What resolving needs from the outside world; injected so tests need no real environment or files. */
export interface SecretIo {
  getEnv(name: string): string | undefined;
  readFile(path: string): Promise<string>;
  /** The config file's directory: file: paths resolve against it. */
  baseDir: string;
  /** For file:~/… paths. */
  homeDir: string;
}

export type SecretErrorCode =
  | "not-a-reference"
  | "env-unset"
  | "env-empty"
  | "file-unreadable"
  | "file-empty"
  | "vault-needs-oci";

export class SecretResolutionError extends Error {
  readonly code: SecretErrorCode;
  constructor(message: string, code: SecretErrorCode, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "SecretResolutionError";
    this.code = code;
  }
}

/** The real process environment and file system. */
export function nodeSecretIo(baseDir: string): SecretIo {
  return {
    getEnv: (name) => process.env[name],
    readFile: (path) => readFile(path, "utf8"),
    baseDir,
    homeDir: homedir(),
  };
}

/**
 * The secret a reference names. `field` (e.g. "source.auth.accountKey") prefixes error messages. A file's trailing
 * line breaks are dropped (editors add one); an environment variable is taken as is.
 */
export async function resolveSecret(ref: string, io: SecretIo, field?: string): Promise<string> {
  const where = field === undefined ? "" : `${field}: `;
  const parsed = parseSecretRef(ref);
  if ("problem" in parsed) {
    throw new SecretResolutionError(
      `${where}the value is not a secret reference (${parsed.problem}; the value is not shown). ${capitalize(parsed.fix)}`,
      "not-a-reference",
    );
  }
  const r = parsed.ref;
  if (r.scheme === "env") {
    const value = io.getEnv(r.name);
    if (value === undefined) {
      throw new SecretResolutionError(
        `${where}environment variable ${r.name} is not set (from env:${r.name}). Set it in the environment that runs lake2oci`,
        "env-unset",
      );
    }
    if (value === "") {
      throw new SecretResolutionError(
        `${where}environment variable ${r.name} is empty (from env:${r.name}). Set it to the secret`,
        "env-empty",
      );
    }
    return value;
  }
  if (r.scheme === "file") {
    const path = resolveLocalPath(r.path, io.baseDir, io.homeDir);
    let text: string;
    try {
      text = await io.readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException | undefined)?.code ?? "error";
      throw new SecretResolutionError(
        `${where}cannot read the secret file ${path} (from file:${r.path}): ${code}. Check the path; relative paths resolve against ${io.baseDir}`,
        "file-unreadable",
        { cause: e },
      );
    }
    const value = text.replace(/[\r\n]+$/, "");
    if (value === "") {
      throw new SecretResolutionError(
        `${where}the secret file ${path} is empty (from file:${r.path}). Write the secret into it`,
        "file-empty",
      );
    }
    return value;
  }
  throw new SecretResolutionError(
    `${where}vault:${r.ocid} is resolved by the job at run time on OCI (needs network access to the OCI Vault); it cannot be read here. Use env: or file: for commands that run on this machine`,
    "vault-needs-oci",
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
