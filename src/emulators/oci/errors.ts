// The OCI error shape: a status, a machine-readable `code` and a human `message`, sent as the JSON body
// {"code","message"} (both SDKs build their error objects from exactly these two fields). Codes follow what the real
// service answers; where the real code is not known, docs/emulators.md says so.

export class OciServiceError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers (e.g. Retry-After, Content-Range for 416). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "OciServiceError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The default error code for a status, used by status faults that name no code. */
export function defaultCodeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: "InvalidParameter",
    401: "NotAuthenticated",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    416: "InvalidRange",
    429: "TooManyRequests",
    500: "InternalServerError",
    501: "NotImplemented",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
  };
  return codes[status] ?? (status >= 500 ? "InternalServerError" : "InvalidParameter");
}

export const notAuthenticated = (message: string) => new OciServiceError(401, "NotAuthenticated", message);
export const invalidParameter = (message: string) => new OciServiceError(400, "InvalidParameter", message);
export const missingParameter = (message: string) => new OciServiceError(400, "MissingParameter", message);

export const bucketNotFound = (namespace: string, bucket: string) =>
  new OciServiceError(
    404,
    "BucketNotFound",
    `Either the bucket named '${bucket}' does not exist in the namespace '${namespace}' or you are not authorized to access it`,
  );

export const objectNotFound = (bucket: string, object: string) =>
  new OciServiceError(404, "ObjectNotFound", `The object '${object}' was not found in the bucket '${bucket}'`);

export const uploadNotFound = (bucket: string, object: string, uploadId: string) =>
  new OciServiceError(
    404,
    "NoSuchUpload",
    `No multipart upload with id '${uploadId}' exists for the object '${object}' in the bucket '${bucket}'`,
  );
