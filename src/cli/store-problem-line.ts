// The one line for a store problem met by a command that talks to the stores (`lake2oci plan`): the same words as
// the job's (src/core/store-problem.ts words both), with names and endpoints as the config gives them.
import { lookup } from "node:dns/promises";
import { connect } from "node:net";
import type { Lake2ociConfig } from "../config/index.ts";
import { type NetworkFailure, type StoreProblemInfo, storeProblemInfo, storeProblemMessage } from "../core/store-problem.ts";
import { StoreError, networkErrorCode, networkFailure, storeProblemFacts } from "../stores/errors.ts";

/** The core's description of a store error under `config`, or null when it is no store problem. */
export function storeProblemFromError(err: unknown, config: Lake2ociConfig): StoreProblemInfo | null {
  if (!(err instanceof StoreError)) return null;
  const facts = storeProblemFacts(err);
  if (facts === null) return null;
  const info = { ...storeProblemInfo(facts.kind, facts.side), status: facts.status, code: facts.code, network: facts.network };
  if (facts.side === "source") {
    const s = config.source;
    // The core words store problems of ADLS and OCI; another source's errors carry their own one-line message.
    if (s.type !== "adls") return null;
    const auth = s.auth.method;
    return {
      ...info,
      account: s.accountName,
      fileSystem: s.fileSystem,
      path: s.path ?? "",
      endpoint: (s.endpoint ?? `https://${s.accountName}.dfs.core.windows.net`).replace(/\/+$/, ""),
      endpointSet: s.endpoint !== undefined && s.endpoint !== "",
      auth,
    };
  }
  const t = config.target;
  const endpoint = t.endpoint ?? (t.region !== undefined ? `https://objectstorage.${t.region}.oraclecloud.com` : "");
  return {
    ...info,
    endpoint: endpoint.replace(/\/+$/, ""),
    endpointSet: t.endpoint !== undefined && t.endpoint !== "",
    namespace: t.namespace ?? "",
    bucket: t.bucket,
    auth: t.profile,
  };
}

/**
 * How a connection to `url` fails now: the oci-objectstorage SDK reports every failed connection as "fetch failed",
 * without the cause, so the endpoint is tried once more to tell a refused connection, a host name not found and a
 * timeout apart (the job's Python SDKs say which).
 */
export async function probeEndpoint(url: string, timeoutMs = 5000): Promise<NetworkFailure> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, "");
    port = u.port === "" ? (u.protocol === "http:" ? 80 : 443) : Number(u.port);
  } catch {
    return "other";
  }
  try {
    await lookup(host);
  } catch (err) {
    const f = networkFailure(networkErrorCode(err) ?? (err as { code?: string }).code);
    return f === "" || f === "other" ? "dns" : f;
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (f: NetworkFailure) => {
      socket.destroy();
      resolve(f);
    };
    socket.setTimeout(timeoutMs, () => done("timeout"));
    socket.on("connect", () => done("other"));
    socket.on("error", (err) => {
      const f = networkFailure((err as { code?: string }).code);
      done(f === "" ? "other" : f);
    });
  });
}

/** The line to print for a store error, or null when it is no store problem. */
export async function storeProblemLine(err: unknown, config: Lake2ociConfig): Promise<string | null> {
  const info = storeProblemFromError(err, config);
  if (info === null) return null;
  if (info.kind === "unreachable" && info.network === "other" && info.endpoint !== "") {
    return storeProblemMessage({ ...info, network: await probeEndpoint(info.endpoint) });
  }
  return storeProblemMessage(info);
}
