// The rules for the config's named values (account, file system, bucket, region, …): each has an anchored pattern
// for the JSON Schema and a check that words the problem and the fix. The two must agree; the tests hold them to it.

import { type Problem, quote } from "./schema-builder.ts";

export interface FieldRule {
  pattern: RegExp;
  check(value: string): Problem;
}

/** Azure storage account name: 3–24 lowercase letters and digits. */
export const accountNameRule: FieldRule = {
  pattern: /^[a-z0-9]{3,24}$/,
  check(value) {
    if (/^[a-z0-9]{3,24}$/.test(value)) return undefined;
    const problem = `must be 3-24 lowercase letters and digits, got ${quote(value)}`;
    const host = /^(?:https?:\/\/)?([A-Za-z0-9]{3,24})\.(?:dfs|blob)\.core\.windows\.net\/?$/.exec(value);
    if (host !== null) {
      return { problem, fix: `write only the account name, ${JSON.stringify(host[1].toLowerCase())}` };
    }
    if (/^[A-Za-z0-9]{3,24}$/.test(value)) return { problem, fix: `write it in lowercase, ${quote(value.toLowerCase())}` };
    return { problem, fix: `write the storage account name as the Azure portal shows it, e.g. "sourcedemo"` };
  },
};

/** System containers that exist in every account (Azurite accepts any "$" name; Azure only these). */
const SYSTEM_FILE_SYSTEMS = ["$root", "$logs", "$web"];

/** ADLS Gen2 file system (blob container) name: 3–63 of a-z 0-9 -, starting and ending alphanumeric, no "--". */
export const fileSystemRule: FieldRule = {
  pattern: /^(?:\$root|\$logs|\$web|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/,
  check(value) {
    if (SYSTEM_FILE_SYSTEMS.includes(value)) return undefined;
    const fix = `write the file system (container) name as the Azure portal shows it, e.g. "parquetfiles"`;
    const got = `, got ${quote(value)}`;
    if (value.includes("/")) {
      return {
        problem: `must be a file system name without "/"${got}`,
        fix: `write the folder part in source.path instead`,
      };
    }
    if (value.length < 3 || value.length > 63) {
      return { problem: `must be 3-63 characters long, got ${value.length} characters`, fix };
    }
    if (/[A-Z]/.test(value) && fileSystemRule.check(value.toLowerCase()) === undefined) {
      return { problem: `must be lowercase${got}`, fix: `write ${quote(value.toLowerCase())}` };
    }
    if (!/^[a-z0-9-]+$/.test(value)) {
      return { problem: `may contain only lowercase letters, digits and hyphens${got}`, fix };
    }
    if (value.startsWith("-") || value.endsWith("-")) {
      return { problem: `must start and end with a letter or digit${got}`, fix };
    }
    if (value.includes("--")) return { problem: `must not contain two hyphens in a row${got}`, fix };
    return undefined;
  },
};

/** OCI bucket name: 1–256 letters, digits, hyphens, underscores and periods. */
export const bucketRule: FieldRule = {
  pattern: /^[A-Za-z0-9._-]{1,256}$/,
  check(value) {
    const fix = `write the bucket name as the OCI Console shows it, e.g. "target-azure"`;
    if (value.length === 0) return { problem: "must not be empty", fix };
    if (value.length > 256) return { problem: `must be at most 256 characters long, got ${value.length}`, fix };
    if (value.includes("/")) {
      return {
        problem: `must be a bucket name without "/", got ${quote(value)}`,
        fix: "write the folder part in target.prefix (or, for the log, in log.object)",
      };
    }
    if (!/^[A-Za-z0-9._-]+$/.test(value)) {
      return {
        problem: `may contain only letters, digits, hyphens, underscores and periods, got ${quote(value)}`,
        fix,
      };
    }
    return undefined;
  },
};

/** OCI region identifier, e.g. us-ashburn-1, me-dcc-muscat-1 (not the three-letter region key). */
export const regionRule: FieldRule = {
  pattern: /^[a-z]{2,}(?:-[a-z]+)+-[0-9]+$/,
  check(value) {
    if (regionRule.pattern.test(value)) return undefined;
    const problem = `is not an OCI region identifier, got ${quote(value)}`;
    if (/^[A-Za-z]{3}$/.test(value)) {
      return { problem, fix: `write the region identifier, not the region key: e.g. "us-ashburn-1" for IAD` };
    }
    if (regionRule.pattern.test(value.toLowerCase())) {
      return { problem, fix: `write it in lowercase, ${quote(value.toLowerCase())}` };
    }
    return { problem, fix: `write a region identifier such as "us-ashburn-1" or "sa-saopaulo-1"` };
  },
};

/** Object Storage namespace: lowercase letters and digits (older tenancies: the tenancy name, which may have - or _). */
export const namespaceRule: FieldRule = {
  pattern: /^[a-z0-9][a-z0-9_-]{0,127}$/,
  check(value) {
    if (namespaceRule.pattern.test(value)) return undefined;
    return {
      problem: `must be 1-128 lowercase letters, digits, hyphens or underscores, got ${quote(value)}`,
      fix: "copy it from the OCI Console (Tenancy details, Object Storage namespace), or remove it to look it up",
    };
  },
};

const GUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";

// Tenant and client IDs are not secrets, but a secret pasted into the wrong field would be: these messages give
// only the length, never the value.

/** Microsoft Entra directory (tenant) ID: a GUID, or a domain such as contoso.onmicrosoft.com. */
export const tenantIdRule: FieldRule = {
  pattern: new RegExp(`^(?:${GUID}|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$`),
  check(value) {
    if (tenantIdRule.pattern.test(value)) return undefined;
    return {
      problem: `must be a directory (tenant) ID: a GUID or a domain name (got ${value.length} characters that are neither)`,
      fix: "copy the Directory (tenant) ID from the app registration's overview in the Azure portal",
    };
  },
};

/** Microsoft Entra application (client) ID: a GUID. */
export const clientIdRule: FieldRule = {
  pattern: new RegExp(`^${GUID}$`),
  check(value) {
    if (clientIdRule.pattern.test(value)) return undefined;
    return {
      problem: `must be an application (client) ID, a GUID (got ${value.length} characters that are not one)`,
      fix: "copy the Application (client) ID from the app registration's overview in the Azure portal",
    };
  },
};

/**
 * An http(s) endpoint URL without credentials, query or fragment (a SAS token in a URL would be a secret in the
 * config). Normalised without a trailing slash. The value is never echoed, for the same reason.
 */
export function checkEndpoint(value: string): { value: string } | { problem: string; fix: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return {
      problem: "is not a URL",
      fix: `write an http:// or https:// URL, e.g. "http://127.0.0.1:10000/devstoreaccount1"`,
    };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      problem: `must be an http:// or https:// URL, not ${url.protocol}`,
      fix: `write an http:// or https:// URL, e.g. "https://objectstorage.us-ashburn-1.oraclecloud.com"`,
    };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      problem: "must not contain a user name or password",
      fix: "remove them from the URL; credentials go in the auth fields as env:NAME references",
    };
  }
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) {
    return {
      problem: "must not contain a query string or fragment (a SAS token there would be a secret in the config)",
      fix: "remove everything from ? on; a SAS token goes in source.auth.sasToken as env:NAME",
    };
  }
  return { value: value.replace(/\/+$/, "") };
}

/** The JSON Schema pattern for endpoint URLs (editors only; checkEndpoint is the rule). */
export const ENDPOINT_PATTERN = /^https?:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?$/;

/** An S3 bucket name (general purpose buckets): 3-63 lowercase letters, digits, dots and hyphens, starting and ending
 * with a letter or digit. */
export const s3BucketRule: FieldRule = {
  pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  check(value) {
    if (s3BucketRule.pattern.test(value)) return undefined;
    const fix = `write the bucket name alone, as the S3 console shows it, e.g. "sales-lake"`;
    const url = /^s3:\/\/([^/]+)(\/.*)?$/.exec(value);
    if (url !== null) {
      return { problem: `must be a bucket name, not a URL, got ${quote(value)}`, fix: `write "bucket": ${JSON.stringify(url[1])}${url[2] && url[2] !== "/" ? ` and the rest in source.prefix, ${JSON.stringify(url[2].replace(/^\/+|\/+$/g, ""))}` : ""}` };
    }
    if (value.includes("/")) {
      return { problem: `must be a bucket name without "/", got ${quote(value)}`, fix: "write the folder part in source.prefix" };
    }
    if (value.length < 3 || value.length > 63) return { problem: `must be 3-63 characters long, got ${value.length}`, fix };
    if (value !== value.toLowerCase()) return { problem: `must be lowercase, got ${quote(value)}`, fix: `write ${quote(value.toLowerCase())}` };
    return { problem: `may hold only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, got ${quote(value)}`, fix };
  },
};

/** An AWS region code, e.g. us-east-1, eu-central-1, us-gov-west-1 (S3-compatible stores: whatever they expect). */
export const awsRegionRule: FieldRule = {
  pattern: /^[a-z]{2}(?:-[a-z]+)+-[0-9]+$/,
  check(value) {
    if (awsRegionRule.pattern.test(value)) return undefined;
    const problem = `is not an AWS region code, got ${quote(value)}`;
    if (awsRegionRule.pattern.test(value.toLowerCase())) return { problem, fix: `write it in lowercase, ${quote(value.toLowerCase())}` };
    return { problem, fix: `write a region code such as "us-east-1" (an S3-compatible store with its own endpoint: the region it expects, often "us-east-1")` };
  },
};

/** An AWS access key ID (not a secret: an identifier, as IAM shows it), e.g. AKIAIOSFODNN7EXAMPLE. */
export const accessKeyIdRule: FieldRule = {
  pattern: /^[A-Za-z0-9]{16,128}$/,
  check(value) {
    if (accessKeyIdRule.pattern.test(value)) return undefined;
    return {
      problem: `must be 16-128 letters and digits, got ${value.length} characters`,
      fix: `write the access key ID as IAM shows it (e.g. "AKIAIOSFODNN7EXAMPLE"); the secret goes in source.auth.secretAccessKey as a reference such as env:AWS_SECRET_ACCESS_KEY`,
    };
  },
};

/**
 * A Cloud Storage bucket name: 3-63 of lowercase letters, digits, "-", "_" and "." (up to 222 with dots, each
 * dot-separated part at most 63), starting and ending with a letter or digit; not an IP address, not starting with
 * "goog", not containing "google" (Google's naming rules).
 */
export const gcsBucketRule: FieldRule = {
  pattern: /^(?=.{3,222}$)(?!goog)(?!.*google)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$/,
  check(value) {
    const fix = `write the bucket name alone, as the Google Cloud console shows it, e.g. "sales-lake"`;
    const got = `, got ${quote(value)}`;
    const url = /^gs:\/\/([^/]+)(\/.*)?$/.exec(value);
    if (url !== null) {
      const rest = url[2] && url[2] !== "/" ? ` and the rest in source.prefix, ${JSON.stringify(url[2].replace(/^\/+|\/+$/g, ""))}` : "";
      return { problem: `must be a bucket name, not a URL${got}`, fix: `write "bucket": ${JSON.stringify(url[1])}${rest}` };
    }
    if (value.includes("/")) return { problem: `must be a bucket name without "/"${got}`, fix: "write the folder part in source.prefix" };
    const dotted = value.includes(".");
    if (value.length < 3 || value.length > (dotted ? 222 : 63)) {
      return { problem: `must be 3-63 characters long (up to 222 with dots), got ${value.length}`, fix };
    }
    if (value !== value.toLowerCase()) return { problem: `must be lowercase${got}`, fix: `write ${quote(value.toLowerCase())}` };
    if (!/^[a-z0-9_.-]+$/.test(value)) return { problem: `may hold only lowercase letters, digits, "-", "_" and "."${got}`, fix };
    if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value)) return { problem: `must start and end with a letter or digit${got}`, fix };
    if (dotted && value.split(".").some((part) => part.length === 0 || part.length > 63)) {
      return { problem: `has a dot-separated part that is empty or over 63 characters${got}`, fix };
    }
    if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) return { problem: `must not be an IP address${got}`, fix };
    if (value.startsWith("goog") || value.includes("google")) {
      return { problem: `must not start with "goog" or contain "google" (Google reserves them)${got}`, fix };
    }
    return undefined;
  },
};

/** The NameNode's RPC URI, hdfs://host:port (what the job's hdfs_native client connects to). */
export const hdfsNameNodeRule: FieldRule = {
  pattern: /^hdfs:\/\/[A-Za-z0-9._-]+(?::[0-9]{1,5})?\/?$/,
  check(value) {
    if (hdfsNameNodeRule.pattern.test(value)) return undefined;
    const fix = `write the NameNode's RPC URI, e.g. "hdfs://namenode.example.com:8020" (core-site.xml's fs.defaultFS)`;
    if (/^https?:\/\//.test(value)) {
      return { problem: `must be the NameNode's RPC URI (hdfs://), got an http URL`, fix: `${fix}; the WebHDFS address goes in source.webhdfs` };
    }
    if (/^hdfs:\/\/[^/]+\/./.test(value)) {
      return { problem: `must name the NameNode only, not a path, got ${quote(value)}`, fix: `${fix}; the directory goes in source.path` };
    }
    return { problem: `is not an hdfs://host:port URI, got ${quote(value)}`, fix };
  },
};

/** An absolute HDFS path: starts with "/", no "." or ".." segments. */
export const hdfsPathRule: FieldRule = {
  pattern: /^\/.*$/,
  check(value) {
    if (!value.startsWith("/")) {
      return { problem: `must be an absolute path, starting with "/", got ${quote(value)}`, fix: `write ${quote(`/${value.replace(/^hdfs:\/\/[^/]*\/?/, "")}`)}` };
    }
    if (value.split("/").some((segment) => segment === "." || segment === "..")) {
      return { problem: `must not hold "." or ".." segments, got ${quote(value)}`, fix: `write the directory's absolute path, e.g. "/data/lake"` };
    }
    return undefined;
  },
};

/** A Hadoop user name (simple auth): letters, digits, ".", "_", "-", "@", "$", not starting with "-". */
export const hdfsUserRule: FieldRule = {
  pattern: /^[A-Za-z0-9._@$][A-Za-z0-9._@$-]{0,255}$/,
  check(value) {
    if (hdfsUserRule.pattern.test(value)) return undefined;
    return {
      problem: `must be a user name (letters, digits, ".", "_", "-", "@", "$"), got ${quote(value)}`,
      fix: `write the user the cluster knows, e.g. "etl" (as HADOOP_USER_NAME would)`,
    };
  },
};
