// The plan file: JSON lines, UTF-8.
//
//   line 1     the header: {"kind":"lake2oci-plan","version":1,"valid":…,"entries":N,"errors":E,"summary":{…},
//              "options":{…},"meta":{…}} followed by spaces up to a fixed width (JSON allows trailing whitespace)
//   N lines    one plan entry each (src/core/plan-types.ts PlanEntry), in object name order
//   E lines    one plan error each, as {"error":{"kind":…,"names":[…],"message":…}}, in the order the diff found them
//
// The totals sit in the header, so `head -1 plan.jsonl` answers "is this plan valid, and what does it do". They
// are only known at the end: the writer first writes a header padded to the width the largest possible totals
// need, then the entries, then the errors (kept in a side file while entries stream), then overwrites the header in
// place. Everything goes to a temporary file beside the target that is renamed over it only when complete (and
// synced), so a plan file either is whole or does not exist; a failed or abandoned write leaves nothing behind.
// The reader checks the header and that the entry and error counts match it (a truncated file is refused).
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { PlanEntry, PlanError, PlanOptions, PlanSummary, Tally } from "../core/plan-types.ts";
import type { PlanBatch } from "./diff-streams.ts";

export const PLAN_KIND = "lake2oci-plan";
export const PLAN_VERSION = 1;

export interface PlanHeader {
  kind: typeof PLAN_KIND;
  version: number;
  /** No plan errors: the plan may be applied. */
  valid: boolean;
  entries: number;
  errors: number;
  summary: PlanSummary;
  options: PlanOptions;
  /** Whatever the caller recorded (source and target descriptions, when, by which version). */
  meta: Record<string, unknown>;
}

/** One line after the header. */
export type PlanRecord = { entry: PlanEntry; error?: undefined } | { error: PlanError; entry?: undefined };

/** The plan file is not a whole, readable lake2oci plan. Not retryable: make the plan again. */
export class PlanFileError extends Error {
  override name = "PlanFileError";
}

export interface WritePlanInput {
  options: PlanOptions;
  meta?: Record<string, unknown>;
}

const BIGGEST = Number.MAX_SAFE_INTEGER;

function headerLine(header: PlanHeader): string {
  return JSON.stringify(header);
}

/** The widest header these options and meta can give: every total at its largest, valid false. */
function reservedWidth(input: WritePlanInput): number {
  const big = (): Tally => ({ files: BIGGEST, bytes: BIGGEST });
  const summary: PlanSummary = {
    new: big(),
    update: big(),
    equal: big(),
    targetOnly: big(),
    copy: big(),
    hash: big(),
    delete: big(),
    failed: big(),
    errors: BIGGEST,
    directories: BIGGEST,
    excluded: BIGGEST,
    outOfScope: BIGGEST,
  };
  return Buffer.byteLength(
    headerLine({
      kind: PLAN_KIND,
      version: PLAN_VERSION,
      valid: false,
      entries: BIGGEST,
      errors: BIGGEST,
      summary,
      options: input.options,
      meta: input.meta ?? {},
    }),
  );
}

/** Appends text in large writes. */
class Appender {
  private parts: string[] = [];
  private size = 0;
  constructor(
    readonly file: FileHandle,
    private position: number,
  ) {}

  add(line: string): Promise<void> | undefined {
    this.parts.push(line);
    this.size += line.length;
    return this.size >= 1 << 20 ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }

  get end(): number {
    return this.position;
  }
}

/**
 * Writes the plan stream to `path` (atomically: see the file comment) and returns its summary. The stream's last
 * batch must carry the summary (diffStreams does).
 */
export async function writePlan(path: string, batches: AsyncIterable<PlanBatch>, input: WritePlanInput): Promise<PlanSummary> {
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temp = join(dirname(path), `.${basename(path)}.${tag}.partial`);
  const sideTemp = `${temp}.errors`;
  const width = reservedWidth(input);
  let file: FileHandle | null = null;
  let side: FileHandle | null = null;
  try {
    file = await open(temp, "wx");
    side = await open(sideTemp, "wx+");
    const body = new Appender(file, 0);
    await body.add(`${" ".repeat(width)}\n`);
    const errorLines = new Appender(side, 0);
    let entries = 0;
    let errors = 0;
    let summary: PlanSummary | null = null;
    for await (const batch of batches) {
      for (const entry of batch.entries) {
        const pending = body.add(`${JSON.stringify(entry)}\n`);
        if (pending !== undefined) await pending;
      }
      entries += batch.entries.length;
      for (const error of batch.errors) {
        const pending = errorLines.add(`${JSON.stringify({ error })}\n`);
        if (pending !== undefined) await pending;
      }
      errors += batch.errors.length;
      if (batch.summary !== null) summary = batch.summary;
    }
    if (summary === null) throw new Error("planner: the plan stream ended without its summary (the diff did not finish)");
    await errorLines.flush();
    // Append the error lines after the entries.
    const sideSize = errorLines.end;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < sideSize; ) {
      const { bytesRead } = await side.read(chunk, 0, Math.min(chunk.length, sideSize - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      const pending = body.add(chunk.toString("utf8", 0, bytesRead));
      if (pending !== undefined) await pending;
    }
    await body.flush();
    const header: PlanHeader = {
      kind: PLAN_KIND,
      version: PLAN_VERSION,
      valid: summary.errors === 0,
      entries,
      errors,
      summary,
      options: input.options,
      meta: input.meta ?? {},
    };
    const text = headerLine(header);
    const bytes = Buffer.byteLength(text);
    if (bytes > width) throw new Error(`planner: the plan header needs ${bytes} bytes, more than the ${width} reserved`);
    await file.write(Buffer.from(text + " ".repeat(width - bytes), "utf8"), 0, width, 0);
    await file.sync();
    await file.close();
    file = null;
    await rename(temp, path);
    return summary;
  } finally {
    if (file !== null) await file.close().catch(() => {});
    if (side !== null) await side.close().catch(() => {});
    await rm(sideTemp, { force: true });
    await rm(temp, { force: true });
  }
}

export interface PlanFile {
  header: PlanHeader;
  /** Every entry, then every error, streamed; throws PlanFileError when the file does not match its header. */
  records(): AsyncGenerator<PlanRecord>;
}

function parseLine(path: string, lineNumber: number, line: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new PlanFileError(`plan ${path}, line ${lineNumber}: not a plan line (${(cause as Error).message})`, { cause });
  }
}

async function firstLine(path: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8", end: 16 * 1024 * 1024 }), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
  }
  throw new PlanFileError(`plan ${path} is empty: make the plan again`);
}

/** Opens a plan file: reads and checks its header; records() streams the rest. */
export async function readPlan(path: string): Promise<PlanFile> {
  let line: string;
  try {
    line = await firstLine(path);
  } catch (cause) {
    if (cause instanceof PlanFileError) throw cause;
    throw new PlanFileError(`plan ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
  const header = parseLine(path, 1, line) as unknown as PlanHeader;
  if (header.kind !== PLAN_KIND) {
    throw new PlanFileError(`plan ${path}: the first line is not a lake2oci plan header (kind ${JSON.stringify(header.kind)})`);
  }
  if (header.version !== PLAN_VERSION) {
    throw new PlanFileError(
      `plan ${path}: plan format version ${JSON.stringify(header.version)} is not supported (this lake2oci reads version ${PLAN_VERSION}); make the plan again with this version`,
    );
  }
  if (!Number.isInteger(header.entries) || !Number.isInteger(header.errors) || header.summary === undefined) {
    throw new PlanFileError(`plan ${path}: the header lacks its totals (entries, errors, summary)`);
  }
  return {
    header,
    async *records(): AsyncGenerator<PlanRecord> {
      const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
      let number = 0;
      let entries = 0;
      let errors = 0;
      try {
        for await (const text of lines) {
          number++;
          if (number === 1) continue;
          if (text.length === 0) throw new PlanFileError(`plan ${path}, line ${number}: empty line`);
          const value = parseLine(path, number, text);
          if ("error" in value) {
            errors++;
            yield { error: value.error as PlanError };
          } else {
            if (errors > 0) throw new PlanFileError(`plan ${path}, line ${number}: an entry after the errors`);
            entries++;
            yield { entry: value as unknown as PlanEntry };
          }
        }
      } finally {
        lines.close();
      }
      if (entries !== header.entries || errors !== header.errors) {
        throw new PlanFileError(
          `plan ${path} is truncated or altered: its header announces ${header.entries} entries and ${header.errors} errors, the file holds ${entries} and ${errors}; make the plan again`,
        );
      }
    },
  };
}
