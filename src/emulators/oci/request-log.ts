// What reached the emulator: one record per served request (control-endpoint requests excluded), the newest
// `capacity` kept, plus counts per operation since the last reset that are never truncated. Tests use it to assert
// what a client did, e.g. that not one PutObject arrived.

export interface RequestRecord {
  /** ISO time the request arrived. */
  time: string;
  requestId: string;
  method: string;
  /** The path exactly as sent, still percent-encoded, without the query. */
  rawPath: string;
  /** The raw query string without `?` ("" when none). */
  query: string;
  operation: string;
  bucket?: string;
  object?: string;
  /** Status sent (0 when the connection ended before a response was sent). */
  status: number;
  /** Body bytes read from the request / written in the response body. */
  bytesIn: number;
  bytesOut: number;
  /** Ids of the fault rules that fired for this request. */
  faults?: string[];
  /** Set when the connection was dropped (by a fault or by the client) before the exchange completed. */
  aborted?: boolean;
  /** Error code sent, for error responses. */
  errorCode?: string;
  /** Offset of the request-body byte a corrupt-body fault inverted. */
  corruptedAt?: number;
  /** The MD5 header a wrong-md5 fault answered instead of the true one (`opc-content-md5` or `opc-multipart-md5`). */
  wrongMd5?: string;
}

export class RequestLog {
  private readonly capacity: number;
  private records: RequestRecord[] = [];
  private counts = new Map<string, number>();

  constructor(capacity = 100_000) {
    this.capacity = capacity;
  }

  add(record: RequestRecord): void {
    this.records.push(record);
    // Trim in batches so the array is not shifted on every request once full.
    if (this.records.length > this.capacity + Math.ceil(this.capacity / 10)) {
      this.records = this.records.slice(this.records.length - this.capacity);
    }
    this.counts.set(record.operation, (this.counts.get(record.operation) ?? 0) + 1);
  }

  /** The kept records, oldest first (copies). */
  list(): RequestRecord[] {
    const start = Math.max(0, this.records.length - this.capacity);
    return this.records.slice(start).map((r) => ({ ...r }));
  }

  countsByOperation(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  reset(): void {
    this.records = [];
    this.counts = new Map();
  }
}
