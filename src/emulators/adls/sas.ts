import { timingSafeEqual } from "node:crypto";
import { isIPv4 } from "node:net";
import { hmacSha256Base64 } from "./shared-key.ts";

/**
 * Verification of shared access signatures signed with the account key, from the published
 * string-to-sign rules (https://learn.microsoft.com/rest/api/storageservices/create-service-sas and
 * create-account-sas): service SAS for a filesystem (sr=c), a file (sr=b) or a directory (sr=d, with
 * sdd), and account SAS. User-delegation SAS (skoid...) and stored access policies (si) cannot be
 * checked here and are refused with a message saying so.
 */

/** What a DFS operation needs from a SAS: the permission letters that allow it (any one suffices),
 * whether it acts on the filesystem (container) or on a path, and which path. */
export interface SasRequirement {
  container: string;
  /** The path the operation acts on, "" for the filesystem itself. */
  path: string;
  /** Permission letters any of which allows the operation, e.g. "l" for listing, "cw" for create. */
  anyOf: string;
  /** Account SAS resource type the operation needs: "c" (container) or "o" (object). */
  resourceType: "c" | "o";
}

export type SasCheck = { ok: true } | { ok: false; status: 403; code: string; reason: string };

function first(params: Map<string, string[]>, name: string): string {
  return params.get(name)?.[0] ?? "";
}

function deny(code: string, reason: string): SasCheck {
  return { ok: false, status: 403, code, reason };
}

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function ipAllowed(range: string, remote: string | undefined): boolean {
  if (!range) return true;
  const address = (remote ?? "").replace(/^::ffff:/, "");
  if (!isIPv4(address)) return false;
  const [low, high = low] = range.split("-");
  if (!isIPv4(low) || !isIPv4(high)) return false;
  const value = ipv4ToNumber(address);
  return value >= ipv4ToNumber(low) && value <= ipv4ToNumber(high);
}

function signatureMatches(accountKey: string, stringToSign: string, given: string): boolean {
  const expected = Buffer.from(hmacSha256Base64(accountKey, stringToSign), "utf8");
  const actual = Buffer.from(given, "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function serviceStringToSign(params: Map<string, string[]>, canonical: string, version: string): string {
  const fields = [first(params, "sp"), first(params, "st"), first(params, "se"), canonical, first(params, "si"), first(params, "sip"), first(params, "spr"), version];
  if (version >= "2018-11-09") fields.push(first(params, "sr"), first(params, "snapshot"));
  if (version >= "2020-12-06") fields.push(first(params, "ses"));
  fields.push(first(params, "rscc"), first(params, "rscd"), first(params, "rsce"), first(params, "rscl"), first(params, "rsct"));
  return fields.join("\n");
}

function accountStringToSign(account: string, params: Map<string, string[]>, version: string): string {
  const fields = [
    account,
    first(params, "sp"),
    first(params, "ss"),
    first(params, "srt"),
    first(params, "st"),
    first(params, "se"),
    first(params, "sip"),
    first(params, "spr"),
    version,
  ];
  if (version >= "2020-12-06") fields.push(first(params, "ses"));
  fields.push("");
  return fields.join("\n");
}

/** The directory a sr=d SAS was signed for: the first `sdd` segments of the request path. */
function signedDirectory(path: string, depth: number): string | undefined {
  const segments = path.split("/").filter((segment) => segment !== "");
  if (segments.length < depth) return undefined;
  return segments.slice(0, depth).join("/");
}

/**
 * Checks the SAS carried in `params` (the request's query, names lowercased, values decoded) for
 * `requirement`. `now` and `remoteAddress` come from the request.
 */
export function verifySas(
  account: string,
  accountKey: string,
  params: Map<string, string[]>,
  requirement: SasRequirement,
  now: Date,
  remoteAddress: string | undefined,
): SasCheck {
  const version = first(params, "sv");
  const signature = first(params, "sig");
  if (!version) return deny("AuthenticationFailed", "the SAS has no sv (signed version)");
  if (version < "2015-04-05") return deny("AuthenticationFailed", `SAS version ${version} is older than this emulator checks (2015-04-05)`);
  if (first(params, "skoid")) return deny("AuthenticationFailed", "user delegation SAS cannot be verified by the emulator (it has no delegation keys); use an account-key SAS");
  if (first(params, "si")) return deny("AuthenticationFailed", "SAS bound to a stored access policy (si) is not supported by the emulator");
  const expiry = first(params, "se");
  if (!expiry) return deny("AuthenticationFailed", "the SAS has no se (signed expiry)");
  const expiresAt = Date.parse(expiry);
  if (Number.isNaN(expiresAt)) return deny("AuthenticationFailed", `se=${expiry} is not an ISO 8601 time`);
  if (now.getTime() > expiresAt) return deny("AuthenticationFailed", `Signed expiry time [${expiry}] has to be after the current time [${now.toUTCString()}]`);
  const start = first(params, "st");
  if (start) {
    const startsAt = Date.parse(start);
    if (Number.isNaN(startsAt)) return deny("AuthenticationFailed", `st=${start} is not an ISO 8601 time`);
    if (now.getTime() < startsAt) return deny("AuthenticationFailed", `Signed start time [${start}] is after the current time [${now.toUTCString()}]`);
  }
  const protocol = first(params, "spr");
  if (protocol && !protocol.split(",").includes("http")) return deny("AuthorizationProtocolMismatch", `the SAS allows ${protocol} only and the emulator speaks http`);
  if (!ipAllowed(first(params, "sip"), remoteAddress)) return deny("AuthorizationSourceIPMismatch", `the request's address ${remoteAddress} is outside sip=${first(params, "sip")}`);

  const permissions = first(params, "sp");
  const services = first(params, "ss");
  let stringToSign: string;
  if (services) {
    if (!services.includes("b")) return deny("AuthorizationServiceMismatch", `the account SAS is for services '${services}', not b (blob/dfs)`);
    if (!first(params, "srt").includes(requirement.resourceType)) {
      return deny("AuthorizationResourceTypeMismatch", `the account SAS is for resource types '${first(params, "srt")}', the operation needs '${requirement.resourceType}'`);
    }
    stringToSign = accountStringToSign(account, params, version);
  } else {
    const resource = first(params, "sr");
    let canonical = `/blob/${account}/${requirement.container}`;
    if (resource === "b") {
      if (!requirement.path) return deny("AuthorizationResourceTypeMismatch", "a file SAS (sr=b) cannot authorize a filesystem operation");
      canonical += `/${requirement.path}`;
    } else if (resource === "d") {
      const depth = Number(first(params, "sdd"));
      if (!Number.isInteger(depth) || depth < 0) return deny("AuthenticationFailed", `sdd=${first(params, "sdd")} must be a directory depth`);
      const directory = signedDirectory(requirement.path, depth);
      if (directory === undefined) return deny("AuthorizationResourceTypeMismatch", `the directory SAS (sdd=${depth}) does not cover '${requirement.path}'`);
      if (directory) canonical += `/${directory}`;
    } else if (resource !== "c") {
      return deny("AuthenticationFailed", `sr=${resource || "(missing)"} is not a filesystem (c), directory (d) or file (b) SAS`);
    }
    stringToSign = serviceStringToSign(params, canonical, version);
  }
  if (!signature || !signatureMatches(accountKey, stringToSign, signature)) {
    return deny("AuthenticationFailed", "Signature did not match: the SAS was not signed with this account's key for this resource");
  }
  if (![...requirement.anyOf].some((letter) => permissions.includes(letter))) {
    return deny("AuthorizationPermissionMismatch", `the SAS grants '${permissions}', the operation needs one of '${requirement.anyOf}'`);
  }
  return { ok: true };
}
