// Object names the local GCS refuses rather than store them wrongly.
// Google itself refuses names with a carriage return or line feed, and the names "." and "..".
// fake-gcs-server's filesystem backend stores an object at <root>/<bucket>/<name>, the name used as a file path, so
// there a "." or ".." segment would resolve elsewhere (even outside its data directory), an empty segment ("a//b",
// "/a") would alias another name, a name ending in "/" (a directory marker) would be answered 200 and then be
// neither listed nor readable, and a segment over 255 bytes cannot be a file name. Google accepts all of those; the
// local GCS refuses them with 400 (docs/emulators.md). The memory backend keeps only Google's own rules.
// Names are found where the JSON API carries them: path segments after ".../o/", the `name` query parameter, the
// metadata part of a multipart upload and the metadata body that starts a resumable upload.
import type http from "node:http";

const MAX_METADATA_BYTES = 1024 * 1024;

export type Backend = "filesystem" | "memory";

/** Why the local GCS refuses this name (a sentence), or undefined when it takes it. */
export function objectNameProblem(name: string, backend: Backend, write: boolean): string | undefined {
  if (/[\r\n]/.test(name)) return `The object name ${JSON.stringify(name)} is not valid: object names cannot contain carriage return or line feed characters.`;
  if (name === "." || name === "..") return `The object name ${JSON.stringify(name)} is not valid: "." and ".." are not object names.`;
  if (backend !== "filesystem") return undefined;
  const segments = name.split("/");
  const why = (what: string) => `The local GCS cannot store the object name ${JSON.stringify(name)}: fake-gcs-server's filesystem backend ${what} (docs/emulators.md).`;
  if (segments.some((s, i) => s === "." || s === ".." || (s === "" && i < segments.length - 1))) {
    return why("would map its empty, '.' or '..' segment to another path");
  }
  if (!write) return undefined;
  if (name.endsWith("/")) return why("cannot keep a directory marker (a name ending in '/')");
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return why("cannot keep a path segment longer than 255 bytes");
  return undefined;
}

/**
 * Why a bucket name is not valid, by Google's rules (3-63 characters of a-z, 0-9, "-", "_", ".", up to 222 with
 * dots, starting and ending with a letter or digit), or undefined. fake-gcs-server checks them only when a bucket is
 * created; elsewhere a bucket ".." would resolve to the directory above its data.
 */
export function bucketNameProblem(name: string): string | undefined {
  const max = name.includes(".") ? 222 : 63;
  if (name.length >= 3 && name.length <= max && /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) return undefined;
  return `Invalid bucket name: '${name}'`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The bucket names a JSON API request target carries in its path (decoded): segments after "b". */
export function bucketsInTarget(rawUrl: string): string[] {
  const segments = rawUrl.split("?", 1)[0].split("/");
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) if (segments[i - 1] === "b" && segments[i] !== "") out.push(decodeSegment(segments[i]));
  return out;
}

/** The object names a request target carries (decoded): path segments after "o", and the `name` parameter. */
export function namesInTarget(rawUrl: string): string[] {
  const [rawPath, rawQuery = ""] = rawUrl.split("?", 2);
  const names: string[] = [];
  const segments = rawPath.split("/");
  for (let i = 1; i < segments.length; i++) {
    if (segments[i - 1] !== "o" || segments[i] === "") continue;
    names.push(decodeSegment(segments[i]));
  }
  const name = new URLSearchParams(rawQuery).get("name");
  if (name !== null) names.push(name);
  return names;
}

/** What was read of a request body to find the object name in its metadata, to be sent on before the rest. */
export interface BodyPeek {
  head: Buffer;
  ended: boolean;
  name?: string;
  /** For a compose request: the source objects' names. */
  sources?: string[];
}

function metadataName(json: string): string | undefined {
  try {
    const value = JSON.parse(json) as { name?: unknown };
    return typeof value?.name === "string" ? value.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For an upload whose name travels in the body (multipart, or the POST that starts a resumable upload), reads the
 * body up to the end of its metadata (at most 1 MiB) and returns it with the name found; for a compose, the source
 * objects' names. The request is left paused.
 */
export function peekUploadName(request: http.IncomingMessage, kind: "multipart" | "resumable" | "compose"): Promise<BodyPeek> {
  const boundary = /boundary="?([^";]+)"?/i.exec(request.headers["content-type"] ?? "")?.[1];
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (ended: boolean) => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", reject);
      request.pause();
      const head = Buffer.concat(chunks);
      const text = head.toString("utf8");
      let name: string | undefined;
      let sources: string[] | undefined;
      if (kind === "compose") {
        try {
          const body = JSON.parse(text) as { sourceObjects?: { name?: unknown }[] };
          sources = (body.sourceObjects ?? []).map((o) => o?.name).filter((n): n is string => typeof n === "string");
        } catch {
          sources = [];
        }
      } else if (kind === "resumable") {
        name = metadataName(text);
      } else if (boundary) {
        const start = text.indexOf("\r\n\r\n", text.indexOf(`--${boundary}`));
        const end = text.indexOf(`\r\n--${boundary}`, start);
        if (start >= 0 && end > start) name = metadataName(text.slice(start + 4, end));
      }
      resolve({ head, ended, name, sources });
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= MAX_METADATA_BYTES) return finish(false);
      if (kind === "multipart" && boundary) {
        const text = Buffer.concat(chunks).toString("latin1");
        const first = text.indexOf(`--${boundary}`);
        if (first >= 0 && text.indexOf(`\r\n--${boundary}`, first + boundary.length + 2) >= 0) finish(false);
      }
    };
    const onEnd = () => finish(true);
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", reject);
  });
}
