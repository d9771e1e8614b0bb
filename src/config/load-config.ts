import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { ConfigError } from "./config-error.ts";
import { parseJsonc } from "./jsonc.ts";
import type { Lake2ociConfig } from "./schema.ts";
import { validateConfig } from "./validate-config.ts";

export type LoadConfigResult =
  | {
      ok: true;
      config: Lake2ociConfig;
      warnings: ConfigError[];
      /** The config file's absolute path. */
      file: string;
      /** Its directory: relative local paths in the config (configFile, log.path, file: references) resolve here. */
      baseDir: string;
    }
  | { ok: false; errors: ConfigError[]; warnings: ConfigError[] };

const SYNTAX_FIX = "correct the JSON there (// and /* */ comments are allowed; trailing commas are not)";

/**
 * Reads a config file (JSON, with // and /* *\/ comments allowed) and validates it. A file that cannot be read or
 * parsed gives one error naming the file (and the line:column of a syntax error); otherwise the result is
 * validateConfig's. Never throws for a bad file.
 */
export async function loadConfig(file: string): Promise<LoadConfigResult> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (e) {
    return { ok: false, errors: [readError(file, absolute, e)], warnings: [] };
  }
  const parsed = parseJsonc(text);
  if (!parsed.ok) {
    return {
      ok: false,
      errors: [{ field: `${file}:${parsed.line}:${parsed.column}`, problem: parsed.message, fix: SYNTAX_FIX }],
      warnings: [],
    };
  }
  const result = validateConfig(parsed.value);
  if (!result.ok) return result;
  return { ...result, file: absolute, baseDir: dirname(absolute) };
}

function readError(file: string, absolute: string, e: unknown): ConfigError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return {
        field: file,
        problem: "no such config file",
        fix: `check the path (it was looked for at ${absolute}), or start from one in examples/`,
      };
    case "EISDIR":
      return { field: file, problem: "is a directory, not a config file", fix: "pass the path of the JSON config file" };
    case "EACCES":
    case "EPERM":
      return { field: file, problem: "cannot be read: permission denied", fix: "make the file readable by this user" };
    default:
      return { field: file, problem: `cannot be read (${code ?? String(e)})`, fix: "check the file and try again" };
  }
}
