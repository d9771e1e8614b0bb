// Local paths in a config (target.configFile, log.path, file: secret references) are resolved against the config
// file's directory, not the working directory, so a config means the same wherever the command runs; a leading "~/"
// is the user's home directory, as in the OCI CLI's own "~/.oci/config".

import { isAbsolute, join, resolve } from "node:path";

export function resolveLocalPath(path: string, baseDir: string, homeDir: string): string {
  if (path === "~") return homeDir;
  if (path.startsWith("~/")) return join(homeDir, path.slice(2));
  if (isAbsolute(path)) return path;
  return resolve(baseDir, path);
}
