// Shared set-up for the OCI emulator tests: an emulator on a temp dir with fresh dev credentials, a real SDK client
// pointed at it, and a raw request signer written here from the protocol (node:crypto), for requests the SDK cannot
// make (stale dates, raw `/` in names, unsigned or tampered requests).
import { createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as common from "oci-common";
import { ObjectStorageClient } from "oci-objectstorage";
import { createDevCredentials, type DevCredentials } from "../../src/emulators/oci/dev-credentials.ts";
import { type OciEmulator, type OciEmulatorOptions, startOciEmulator } from "../../src/emulators/oci/server.ts";

export interface TestEmulator {
  dir: string;
  emulator: OciEmulator;
  credentials: DevCredentials;
  client: ObjectStorageClient;
  namespace: string;
  /** A new SDK client for `profile` of `configFile` (defaults: the good config, LOCAL). */
  newClient(configFile?: string, profile?: string): ObjectStorageClient;
  /** Stops the emulator and removes the temp dir. */
  stop(): Promise<void>;
}

export async function startTestEmulator(options: Partial<OciEmulatorOptions> = {}): Promise<TestEmulator> {
  const dir = await mkdtemp(join(tmpdir(), "lake2oci-oci-test-"));
  const credentials = await createDevCredentials(join(dir, "credentials"));
  const emulator = await startOciEmulator({ dataDir: join(dir, "data"), ociConfigFile: credentials.configFile, ...options });
  const newClient = (configFile = credentials.configFile, profile = "LOCAL") => {
    // The SDK's default retries would turn one injected fault into eight attempts. (OCI_SDK_DEFAULT_RETRY_ENABLED
    // only works when set before oci-common is first loaded: it is read once, at module load.)
    const client = new ObjectStorageClient(
      { authenticationDetailsProvider: new common.ConfigFileAuthenticationDetailsProvider(configFile, profile) },
      { retryConfiguration: common.NoRetryConfigurationDetails },
    );
    client.endpoint = emulator.url;
    return client;
  };
  return {
    dir,
    emulator,
    credentials,
    client: newClient(),
    namespace: emulator.namespace,
    newClient,
    async stop() {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let bucketCounter = 0;
export function uniqueBucket(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${++bucketCounter}`;
}

export async function createBucket(t: TestEmulator, name: string): Promise<void> {
  await t.client.createBucket({
    namespaceName: t.namespace,
    createBucketDetails: { name, compartmentId: t.credentials.tenancy },
  });
}

/** Reads an SDK response body (a web ReadableStream, a Node stream, or a string) into a Buffer. */
export async function bodyBytes(value: unknown): Promise<Buffer> {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of value as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export const md5Base64 = (data: Buffer | string) => createHash("md5").update(data).digest("base64");
export const sha256Base64 = (data: Buffer | string) => createHash("sha256").update(data).digest("base64");

/** The error an SDK call rejected with (fails when it resolved). */
export async function sdkError(promise: Promise<unknown>): Promise<{ statusCode: number; serviceCode: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { statusCode: number; serviceCode: string; message: string };
  }
  throw new Error("expected the SDK call to fail, it succeeded");
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method: string;
  /** The request target exactly as it goes on the wire (path and query). */
  target: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Key to sign with; omit (with `unsigned`) to send no Authorization header. */
  key?: KeyObject;
  keyId?: string;
  unsigned?: boolean;
  /** Which headers to sign; default: the minimal set, plus the body set for POST/PUT when `signBody`. */
  signedHeaders?: string[];
  signBody?: boolean;
  date?: Date;
  /** Use `x-date` instead of `date`. */
  xDate?: boolean;
  /** Sign this target instead of the one sent (tampering tests). */
  signTarget?: string;
}

export function loadPrivateKey(file: string): KeyObject {
  return createPrivateKey(readFileSync(file, "utf8"));
}

export function keyIdOf(c: DevCredentials): string {
  return `${c.tenancy}/${c.user}/${c.fingerprint}`;
}

/** The headers of a request signed as the OCI protocol describes (independently of both SDKs). */
export function signedHeaders(t: Pick<TestEmulator, "emulator" | "credentials">, r: RawRequest, body?: Buffer): Record<string, string> {
  const url = new URL(t.emulator.url);
  const headers: Record<string, string> = {
    host: url.host,
    [r.xDate ? "x-date" : "date"]: (r.date ?? new Date()).toUTCString(),
    ...(r.headers ?? {}),
  };
  const withBody = r.signBody ?? ["POST", "PUT"].includes(r.method);
  if (body !== undefined || withBody) {
    headers["content-length"] ??= String(body?.length ?? 0);
    headers["content-type"] ??= "application/json";
    if (withBody) headers["x-content-sha256"] ??= sha256Base64(body ?? Buffer.alloc(0));
  }
  if (!r.unsigned) {
    const names =
      r.signedHeaders ??
      [r.xDate ? "x-date" : "date", "(request-target)", "host", ...(withBody ? ["content-length", "content-type", "x-content-sha256"] : [])];
    const signingString = names
      .map((n) => n.toLowerCase())
      .map((n) => (n === "(request-target)" ? `(request-target): ${r.method.toLowerCase()} ${r.signTarget ?? r.target}` : `${n}: ${headers[n]}`))
      .join("\n");
    const key = r.key ?? loadPrivateKey(t.credentials.keyFile);
    const signature = cryptoSign("sha256", Buffer.from(signingString, "utf8"), key).toString("base64");
    headers.authorization =
      `Signature version="1",keyId="${r.keyId ?? keyIdOf(t.credentials)}",algorithm="rsa-sha256",` +
      `headers="${names.join(" ")}",signature="${signature}"`;
  }
  return headers;
}

/** Sends one signed request (see signedHeaders) and reads the whole response. */
export function rawRequest(t: Pick<TestEmulator, "emulator" | "credentials">, r: RawRequest): Promise<RawResponse> {
  const url = new URL(t.emulator.url);
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, "utf8");
  const headers = signedHeaders(t, r, body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: r.method, path: r.target, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Parses an OCI JSON error body. */
export function errorBody(res: RawResponse): { code: string; message: string } {
  return JSON.parse(res.body.toString("utf8")) as { code: string; message: string };
}
