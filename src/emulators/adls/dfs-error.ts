import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

/** The x-ms-version the gateway reports on the answers it writes itself. */
export const DFS_SERVICE_VERSION = "2023-11-03";

/**
 * An error answer in the service's own terms: the HTTP status and the storage error code the SDKs
 * switch on (x-ms-error-code and the body's code), with the service's message text.
 */
export class DfsError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "DfsError";
    this.status = status;
    this.code = code;
  }

  static filesystemNotFound(): DfsError {
    return new DfsError(404, "FilesystemNotFound", "The specified filesystem does not exist.");
  }
  static pathNotFound(): DfsError {
    return new DfsError(404, "PathNotFound", "The specified path does not exist.");
  }
  static pathAlreadyExists(): DfsError {
    return new DfsError(409, "PathAlreadyExists", "The specified path already exists.");
  }
  static pathConflict(): DfsError {
    return new DfsError(409, "PathConflict", "The specified path, or an element of the path, exists and its resource type is invalid for this operation.");
  }
  static directoryNotEmpty(): DfsError {
    return new DfsError(409, "DirectoryNotEmpty", "The recursive query parameter value must be true to delete a non-empty directory.");
  }
  static invalidFlushPosition(detail: string): DfsError {
    return new DfsError(
      400,
      "InvalidFlushPosition",
      `The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data. (${detail})`,
    );
  }
  static conditionNotMet(): DfsError {
    return new DfsError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
  }
  static invalidQueryParameter(name: string, value: string, why: string): DfsError {
    return new DfsError(400, "InvalidQueryParameterValue", `Value for one of the query parameters specified in the request URI is invalid: ${name}=${JSON.stringify(value)}: ${why}`);
  }
  static missingQueryParameter(name: string): DfsError {
    return new DfsError(400, "MissingRequiredQueryParameter", `A query parameter that's mandatory for this request is not specified: ${name}.`);
  }
  static invalidHeader(name: string, why: string): DfsError {
    return new DfsError(400, "InvalidHeaderValue", `The value for one of the HTTP headers is not in the correct format: ${name}: ${why}`);
  }
  static authenticationFailed(reason: string): DfsError {
    return new DfsError(
      403,
      "AuthenticationFailed",
      `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. (${reason})`,
    );
  }
  static authorizationPermissionMismatch(reason: string): DfsError {
    return new DfsError(403, "AuthorizationPermissionMismatch", `This request is not authorized to perform this operation using this permission. (${reason})`);
  }
  static noAuthentication(): DfsError {
    return new DfsError(401, "NoAuthenticationInformation", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.");
  }
  /** A DFS feature this emulator does not implement: 501, which the SDKs do not retry. */
  static notImplemented(feature: string): DfsError {
    return new DfsError(501, "NotImplemented", `The lake2oci ADLS emulator does not implement ${feature}.`);
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Writes `error` as the service does. `shape` "dfs" is the DFS endpoint's JSON
 * `{"error":{"code","message"}}`; "blob" is the Blob endpoint's XML, for Blob-style calls the
 * gateway answers itself. HEAD answers carry no body, only x-ms-error-code.
 */
export function writeError(response: ServerResponse, method: string, error: DfsError, shape: "dfs" | "blob" = "dfs"): void {
  if (response.headersSent) {
    response.destroy(error);
    return;
  }
  const requestId = randomUUID();
  const message = `${error.message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}`;
  const body =
    shape === "dfs"
      ? JSON.stringify({ error: { code: error.code, message } })
      : `<?xml version="1.0" encoding="utf-8"?><Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
  const headers: Record<string, string> = {
    "x-ms-error-code": error.code,
    "x-ms-request-id": requestId,
    "x-ms-version": DFS_SERVICE_VERSION,
    "content-type": shape === "dfs" ? "application/json;charset=utf-8" : "application/xml",
  };
  if (error.status === 401) headers["www-authenticate"] = 'SharedKey realm="lake2oci-adls-emulator"';
  if (method === "HEAD") {
    response.writeHead(error.status, headers);
    response.end();
    return;
  }
  headers["content-length"] = String(Buffer.byteLength(body));
  response.writeHead(error.status, headers);
  response.end(body);
}
