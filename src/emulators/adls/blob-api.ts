import http from "node:http";
import type { Readable } from "node:stream";
import { signSharedKey } from "./shared-key.ts";

/**
 * The gateway's own client for Azurite's Blob REST API: the few calls the DFS operations are built
 * from, signed with SharedKey by the gateway (never with an SDK, so the emulator cannot share a bug
 * with the clients it serves).
 */

const BLOB_API_VERSION = "2021-12-02";

/** An error answer from Azurite: HTTP status and the storage error code (e.g. BlobNotFound). */
export class BlobApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "BlobApiError";
    this.status = status;
    this.code = code;
  }
}

export interface BlobProperties {
  contentLength: number;
  etag: string;
  lastModified: string;
  /** RFC 1123, when Azurite reports it. */
  creationTime?: string;
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  contentMd5?: string;
  metadata: Record<string, string>;
}

export interface ListedBlob {
  name: string;
  properties: BlobProperties;
}

export interface BlobListPage {
  blobs: ListedBlob[];
  /** Names of virtual directories, with the trailing delimiter, when a delimiter was given. */
  prefixes: string[];
  nextMarker: string;
}

export interface BlockListEntry {
  name: string;
  size: number;
}

export interface BlockList {
  committed: BlockListEntry[];
  uncommitted: BlockListEntry[];
}

/** Conditional and lease headers a DFS call may carry, forwarded unchanged to the Blob call. */
export type ConditionHeaders = Partial<
  Record<"if-match" | "if-none-match" | "if-modified-since" | "if-unmodified-since" | "x-ms-lease-id", string>
>;

/** HTTP properties of a blob as Blob API request headers (x-ms-blob-content-type, ...). */
export interface BlobHttpHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  contentMd5?: string;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Percent-encodes a blob name for the URL path, keeping `/` between segments. */
export function encodeBlobPath(name: string): string {
  return name
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    switch (entity) {
      case "amp":
        return "&";
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(entity[1] === "x" ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10));
    }
  });
}

function xmlElement(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match ? match[1] : undefined;
}

function xmlElements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g");
  for (let match = pattern.exec(xml); match; match = pattern.exec(xml)) out.push(match[1]);
  return out;
}

/** Reads a list element's `<Name>`, which Azurite may base64-encode (Encoded="true") for characters XML cannot carry. */
function xmlName(xml: string): string {
  const match = /<Name(\s[^>]*)?>([\s\S]*?)<\/Name>/.exec(xml);
  if (!match) return "";
  if (match[1] && /Encoded="true"/i.test(match[1])) return Buffer.from(match[2], "base64").toString("utf8");
  return decodeXml(match[2]);
}

function parseMetadataXml(xml: string | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (!xml) return metadata;
  const pattern = /<([A-Za-z_][\w.-]*)>([\s\S]*?)<\/\1>/g;
  for (let match = pattern.exec(xml); match; match = pattern.exec(xml)) metadata[match[1].toLowerCase()] = decodeXml(match[2]);
  return metadata;
}

function optionalXml(xml: string, tag: string): string | undefined {
  const value = xmlElement(xml, tag);
  return value === undefined || value === "" ? undefined : decodeXml(value);
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export function propertiesFromHeaders(headers: http.IncomingHttpHeaders): BlobProperties {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-ms-meta-") && value !== undefined) metadata[name.slice("x-ms-meta-".length)] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    contentLength: Number(header(headers, "content-length") ?? 0),
    etag: header(headers, "etag") ?? "",
    lastModified: header(headers, "last-modified") ?? "",
    creationTime: header(headers, "x-ms-creation-time"),
    contentType: header(headers, "content-type"),
    contentEncoding: header(headers, "content-encoding"),
    contentLanguage: header(headers, "content-language"),
    contentDisposition: header(headers, "content-disposition"),
    cacheControl: header(headers, "cache-control"),
    contentMd5: header(headers, "content-md5"),
    metadata,
  };
}

function httpHeadersToRequest(httpHeaders: BlobHttpHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!httpHeaders) return out;
  if (httpHeaders.contentType) out["x-ms-blob-content-type"] = httpHeaders.contentType;
  if (httpHeaders.contentEncoding) out["x-ms-blob-content-encoding"] = httpHeaders.contentEncoding;
  if (httpHeaders.contentLanguage) out["x-ms-blob-content-language"] = httpHeaders.contentLanguage;
  if (httpHeaders.contentDisposition) out["x-ms-blob-content-disposition"] = httpHeaders.contentDisposition;
  if (httpHeaders.cacheControl) out["x-ms-blob-cache-control"] = httpHeaders.cacheControl;
  if (httpHeaders.contentMd5) out["x-ms-blob-content-md5"] = httpHeaders.contentMd5;
  return out;
}

function metadataToRequest(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) out[`x-ms-meta-${name}`] = value;
  return out;
}

export class BlobApi {
  readonly account: string;
  private readonly accountKey: string;
  private readonly upstream: URL;
  private readonly agent: http.Agent;

  constructor(options: { upstream: string; account: string; accountKey: string }) {
    this.upstream = new URL(options.upstream);
    if (this.upstream.protocol !== "http:") throw new Error(`the gateway's upstream must be an http:// URL, got ${options.upstream}`);
    this.account = options.account;
    this.accountKey = options.accountKey;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  close(): void {
    this.agent.destroy();
  }

  /** The Azurite path of a container or blob under this account. */
  path(container: string, blob?: string): string {
    const base = `/${this.account}/${encodeURIComponent(container)}`;
    return blob === undefined ? base : `${base}/${encodeBlobPath(blob)}`;
  }

  private async send(
    method: string,
    path: string,
    query: Record<string, string | undefined>,
    headers: Record<string, string>,
    body?: Buffer | { stream: Readable; length: number },
  ): Promise<RawResponse> {
    const queryString = Object.entries(query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join("&");
    const contentLength = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    const requestHeaders: Record<string, string> = {
      "x-ms-date": new Date().toUTCString(),
      "x-ms-version": BLOB_API_VERSION,
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    };
    if (method === "PUT" || method === "POST" || method === "PATCH" || contentLength > 0) requestHeaders["content-length"] = String(contentLength);
    requestHeaders.authorization = signSharedKey(this.account, this.accountKey, { method, path, query: queryString, headers: requestHeaders });
    return new Promise<RawResponse>((resolve, reject) => {
      const request = http.request(
        {
          host: this.upstream.hostname.replace(/^\[|\]$/g, ""),
          port: this.upstream.port,
          method,
          path: queryString ? `${path}?${queryString}` : path,
          headers: requestHeaders,
          agent: this.agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on("error", reject);
        },
      );
      request.on("error", (error) => reject(new Error(`Azurite at ${this.upstream.origin} did not answer ${method} ${path}: ${error.message}`, { cause: error })));
      if (body === undefined) request.end();
      else if (Buffer.isBuffer(body)) request.end(body);
      else {
        body.stream.on("error", (error) => request.destroy(error));
        body.stream.pipe(request);
      }
    });
  }

  private fail(response: RawResponse, what: string): never {
    const text = response.body.toString("utf8");
    const code = header(response.headers, "x-ms-error-code") ?? xmlElement(text, "Code") ?? `Http${response.status}`;
    const message = xmlElement(text, "Message")?.split("\n")[0] ?? "";
    throw new BlobApiError(response.status, code, `${what}: Azurite answered ${response.status} ${code}${message ? ` (${decodeXml(message)})` : ""}`);
  }

  /** Blob properties and metadata, or undefined when the blob does not exist (uncommitted blobs do not). */
  async getProperties(container: string, blob: string, conditions: ConditionHeaders = {}): Promise<BlobProperties | undefined> {
    const response = await this.send("HEAD", this.path(container, blob), {}, { ...conditions });
    if (response.status === 404) {
      const code = header(response.headers, "x-ms-error-code");
      if (code === "ContainerNotFound") throw new BlobApiError(404, code, `HEAD ${container}/${blob}: the container does not exist`);
      return undefined;
    }
    if (response.status !== 200) this.fail(response, `HEAD ${container}/${blob}`);
    return propertiesFromHeaders(response.headers);
  }

  /** A container's etag and last-modified time; throws BlobApiError ContainerNotFound when there is none. */
  async getContainerProperties(container: string): Promise<{ etag: string; lastModified: string }> {
    const response = await this.send("HEAD", this.path(container), { restype: "container" }, {});
    if (response.status === 404) throw new BlobApiError(404, "ContainerNotFound", `HEAD container ${container}: the container does not exist`);
    if (response.status !== 200) this.fail(response, `HEAD container ${container}`);
    return { etag: header(response.headers, "etag") ?? "", lastModified: header(response.headers, "last-modified") ?? "" };
  }

  /** Creates a container (a filesystem); false when it already existed. */
  async createContainer(container: string): Promise<boolean> {
    const response = await this.send("PUT", this.path(container), { restype: "container" }, {});
    if (response.status === 409) return false;
    if (response.status !== 201) this.fail(response, `Create Container ${container}`);
    return true;
  }

  /** Put Blob: a block blob with `body` (empty by default) in one call; returns its etag and date. */
  async putBlob(
    container: string,
    blob: string,
    body: Buffer = Buffer.alloc(0),
    options: { metadata?: Record<string, string>; httpHeaders?: BlobHttpHeaders; conditions?: ConditionHeaders } = {},
  ): Promise<{ etag: string; lastModified: string }> {
    const response = await this.send(
      "PUT",
      this.path(container, blob),
      {},
      { "x-ms-blob-type": "BlockBlob", ...metadataToRequest(options.metadata), ...httpHeadersToRequest(options.httpHeaders), ...options.conditions },
      body,
    );
    if (response.status !== 201) this.fail(response, `PUT ${container}/${blob}`);
    return { etag: header(response.headers, "etag") ?? "", lastModified: header(response.headers, "last-modified") ?? "" };
  }

  /** Put Block streaming `body` (exactly `length` bytes). */
  async putBlock(
    container: string,
    blob: string,
    blockId: string,
    body: { stream: Readable; length: number },
    extraHeaders: Record<string, string> = {},
  ): Promise<void> {
    const response = await this.send("PUT", this.path(container, blob), { comp: "block", blockid: blockId }, extraHeaders, body);
    if (response.status !== 201) this.fail(response, `Put Block ${container}/${blob}`);
  }

  /** Committed and uncommitted blocks, or undefined when the blob has neither. */
  async getBlockList(container: string, blob: string): Promise<BlockList | undefined> {
    const response = await this.send("GET", this.path(container, blob), { comp: "blocklist", blocklisttype: "all" }, {});
    if (response.status === 404) {
      const code = header(response.headers, "x-ms-error-code");
      if (code === "ContainerNotFound") throw new BlobApiError(404, code, `Get Block List ${container}/${blob}: the container does not exist`);
      return undefined;
    }
    if (response.status !== 200) this.fail(response, `Get Block List ${container}/${blob}`);
    const xml = response.body.toString("utf8");
    const blocks = (section: string | undefined) =>
      xmlElements(section ?? "", "Block").map((block) => ({ name: decodeXml(xmlElement(block, "Name") ?? ""), size: Number(xmlElement(block, "Size") ?? 0) }));
    return { committed: blocks(xmlElement(xml, "CommittedBlocks")), uncommitted: blocks(xmlElement(xml, "UncommittedBlocks")) };
  }

  async putBlockList(
    container: string,
    blob: string,
    blockIds: string[],
    options: { metadata?: Record<string, string>; httpHeaders?: BlobHttpHeaders; conditions?: ConditionHeaders },
  ): Promise<{ etag: string; lastModified: string }> {
    const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join("")}</BlockList>`;
    const response = await this.send(
      "PUT",
      this.path(container, blob),
      { comp: "blocklist" },
      { "content-type": "application/xml", ...metadataToRequest(options.metadata), ...httpHeadersToRequest(options.httpHeaders), ...options.conditions },
      Buffer.from(xml, "utf8"),
    );
    if (response.status !== 201) this.fail(response, `Put Block List ${container}/${blob}`);
    return { etag: header(response.headers, "etag") ?? "", lastModified: header(response.headers, "last-modified") ?? "" };
  }

  /** Deletes a blob; false when it did not exist. */
  async deleteBlob(container: string, blob: string, conditions: ConditionHeaders = {}): Promise<boolean> {
    const response = await this.send("DELETE", this.path(container, blob), {}, { ...conditions });
    if (response.status === 404 && header(response.headers, "x-ms-error-code") !== "ContainerNotFound") return false;
    if (response.status !== 202) this.fail(response, `DELETE ${container}/${blob}`);
    return true;
  }

  /** One page of List Blobs, with metadata; names in Azurite's order (JavaScript string order). */
  async listBlobs(
    container: string,
    options: { prefix?: string; delimiter?: string; marker?: string; maxResults: number },
  ): Promise<BlobListPage> {
    const response = await this.send(
      "GET",
      this.path(container),
      {
        restype: "container",
        comp: "list",
        include: "metadata",
        prefix: options.prefix || undefined,
        delimiter: options.delimiter,
        marker: options.marker || undefined,
        maxresults: String(options.maxResults),
      },
      {},
    );
    if (response.status !== 200) this.fail(response, `List Blobs ${container}`);
    const xml = response.body.toString("utf8");
    const blobsXml = xmlElement(xml, "Blobs") ?? "";
    const blobs = xmlElements(blobsXml, "Blob").map((blobXml) => {
      const props = xmlElement(blobXml, "Properties") ?? "";
      return {
        name: xmlName(blobXml),
        properties: {
          contentLength: Number(xmlElement(props, "Content-Length") ?? 0),
          etag: decodeXml(xmlElement(props, "Etag") ?? ""),
          lastModified: decodeXml(xmlElement(props, "Last-Modified") ?? ""),
          creationTime: optionalXml(props, "Creation-Time"),
          contentType: optionalXml(props, "Content-Type"),
          contentEncoding: optionalXml(props, "Content-Encoding"),
          contentLanguage: optionalXml(props, "Content-Language"),
          contentDisposition: optionalXml(props, "Content-Disposition"),
          cacheControl: optionalXml(props, "Cache-Control"),
          contentMd5: optionalXml(props, "Content-MD5"),
          metadata: parseMetadataXml(xmlElement(blobXml, "Metadata")),
        },
      };
    });
    const prefixes = xmlElements(blobsXml, "BlobPrefix").map((prefixXml) => xmlName(prefixXml));
    return { blobs, prefixes, nextMarker: decodeXml(xmlElement(xml, "NextMarker") ?? "") };
  }

  /** GET of a whole blob as a stream (for re-staging committed data that has no usable block list). */
  openRead(container: string, blob: string): Promise<http.IncomingMessage> {
    const path = this.path(container, blob);
    const headers: Record<string, string> = { "x-ms-date": new Date().toUTCString(), "x-ms-version": BLOB_API_VERSION };
    headers.authorization = signSharedKey(this.account, this.accountKey, { method: "GET", path, query: "", headers });
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: this.upstream.hostname.replace(/^\[|\]$/g, ""), port: this.upstream.port, method: "GET", path, headers, agent: this.agent },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new BlobApiError(response.statusCode ?? 0, header(response.headers, "x-ms-error-code") ?? "", `GET ${container}/${blob}: Azurite answered ${response.statusCode}`));
            return;
          }
          resolve(response);
        },
      );
      request.on("error", reject);
      request.end();
    });
  }
}
