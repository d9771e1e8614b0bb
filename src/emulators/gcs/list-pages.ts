// Listing pages with a delimiter, as Cloud Storage pages them. fake-gcs-server pages only `items` (its page token is
// the next object's name) and answers every prefix at or after the token on every page, so with a delimiter the same
// prefix comes back on several pages and a page holds more than maxResults entries. Google's maxResults bounds
// items and prefixes together, each entry appearing once. For a listing with a delimiter and a maxResults or
// pageToken, the front therefore asks fake-gcs-server for the whole listing (metadata only, no object data), merges
// items and prefixes in name order and cuts the pages itself; its page token is opaque, as Google's.

/** A listing's whole answer from fake-gcs-server. */
interface Listing {
  kind?: string;
  items?: { name: string }[];
  prefixes?: string[];
}

interface Entry {
  key: string;
  /** 0: a prefix, 1: an object (an object "d/" and a prefix "d/" may both be listed). */
  kind: 0 | 1;
  item?: { name: string };
}

const byteOrder = (a: Entry, b: Entry) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || a.kind - b.kind;

/** True when the front must page this listing itself (see above). */
export function pagesWithDelimiter(method: string, pathname: string, query: URLSearchParams): boolean {
  return method === "GET" && /^\/storage\/v1\/b\/[^/]+\/o\/?$/.test(pathname) && query.has("delimiter") && (query.has("maxResults") || query.has("pageToken"));
}

/** The request target for the whole listing: the same query less maxResults and pageToken. */
export function wholeListingTarget(pathname: string, query: URLSearchParams): string {
  const q = new URLSearchParams(query);
  q.delete("maxResults");
  q.delete("pageToken");
  return `${pathname}?${q.toString()}`;
}

export type PageResult = { status: 200; body: Record<string, unknown> } | { status: 400; message: string };

/** One page of the whole listing, for the maxResults and pageToken asked. */
export function cutPage(listing: Listing, query: URLSearchParams): PageResult {
  const maxText = query.get("maxResults");
  const max = maxText === null ? 1000 : Number(maxText);
  if (!Number.isInteger(max) || max < 0) return { status: 400, message: `Invalid value for maxResults: ${maxText}` };
  let after: Entry | undefined;
  const token = query.get("pageToken");
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { k?: unknown; t?: unknown };
      if (typeof parsed.k !== "string" || (parsed.t !== 0 && parsed.t !== 1)) throw new Error("bad token");
      after = { key: parsed.k, kind: parsed.t };
    } catch {
      return { status: 400, message: "Invalid pageToken" };
    }
  }
  const entries: Entry[] = [
    ...(listing.prefixes ?? []).map((p): Entry => ({ key: p, kind: 0 })),
    ...(listing.items ?? []).map((item): Entry => ({ key: item.name, kind: 1, item })),
  ].sort(byteOrder);
  const rest = after ? entries.filter((e) => byteOrder(e, after) > 0) : entries;
  const size = max === 0 ? 1000 : Math.min(max, 1000);
  const page = rest.slice(0, size);
  const body: Record<string, unknown> = { kind: listing.kind ?? "storage#objects" };
  const items = page.filter((e) => e.kind === 1).map((e) => e.item);
  const prefixes = page.filter((e) => e.kind === 0).map((e) => e.key);
  if (prefixes.length > 0) body.prefixes = prefixes;
  if (items.length > 0) body.items = items;
  if (rest.length > page.length) {
    const last = page[page.length - 1];
    body.nextPageToken = Buffer.from(JSON.stringify({ k: last.key, t: last.kind })).toString("base64url");
  }
  return { status: 200, body };
}
