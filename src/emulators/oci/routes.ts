// Maps a request (method + raw path) to the Object Storage operation it calls, with its decoded namespace, bucket and
// object name. Object names are everything after `/o/` or `/u/`, decoded as one piece, so both `%2F` and a raw `/`
// in a name work (older Python SDKs sent it raw).
import { decodePathPart } from "./names.ts";

export type Operation =
  | "GetNamespace"
  | "CreateBucket"
  | "ListBuckets"
  | "GetBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "ListObjects"
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "ListMultipartUploads"
  | "UploadPart"
  | "ListMultipartUploadParts"
  | "CommitMultipartUpload"
  | "AbortMultipartUpload"
  | "Unsupported";

export interface Route {
  operation: Operation;
  namespace?: string;
  bucket?: string;
  object?: string;
}

const BUCKET_OPS: Record<string, Operation> = { GET: "GetBucket", HEAD: "HeadBucket", DELETE: "DeleteBucket" };
const OBJECT_OPS: Record<string, Operation> = { PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" };
const UPLOAD_OPS: Record<string, Operation> = {
  PUT: "UploadPart",
  GET: "ListMultipartUploadParts",
  POST: "CommitMultipartUpload",
  DELETE: "AbortMultipartUpload",
};

/** Resolves the route; throws OciServiceError 400 when a path part is not valid percent-encoding. */
export function resolveRoute(method: string, rawPath: string): Route {
  const parts = rawPath.split("/");
  // parts[0] is "" (the path starts with "/").
  if (parts[0] !== "" || parts[1] !== "n") return { operation: "Unsupported" };
  if (parts.length === 2 || (parts.length === 3 && parts[2] === "")) {
    return { operation: method === "GET" ? "GetNamespace" : "Unsupported" };
  }
  const namespace = decodePathPart(parts[2], "namespace");
  if (parts.length < 4 || parts[3] !== "b") return { operation: "Unsupported", namespace };
  if (parts.length === 4 || (parts.length === 5 && parts[4] === "")) {
    const operation: Operation = method === "POST" ? "CreateBucket" : method === "GET" ? "ListBuckets" : "Unsupported";
    return { operation, namespace };
  }
  const bucket = decodePathPart(parts[4], "bucket name");
  if (parts.length === 5) return { operation: BUCKET_OPS[method] ?? "Unsupported", namespace, bucket };
  const kind = parts[5];
  const rest = parts.slice(6).join("/");
  if (kind === "o") {
    if (rest === "") return { operation: method === "GET" ? "ListObjects" : "Unsupported", namespace, bucket };
    return { operation: OBJECT_OPS[method] ?? "Unsupported", namespace, bucket, object: decodePathPart(rest, "object name") };
  }
  if (kind === "u") {
    if (rest === "") {
      const operation: Operation =
        method === "POST" ? "CreateMultipartUpload" : method === "GET" ? "ListMultipartUploads" : "Unsupported";
      return { operation, namespace, bucket };
    }
    return { operation: UPLOAD_OPS[method] ?? "Unsupported", namespace, bucket, object: decodePathPart(rest, "object name") };
  }
  return { operation: "Unsupported", namespace, bucket };
}
