// Fault injection for the local-cloud emulators, independent of any protocol: a rule says which requests it matches
// (method, a regular expression on the decoded path, an operation name), on which of those it fires (the n-th, every
// k-th, a seeded fraction, or all of them, optionally at most `times` times) and what it does (answer with an error
// status, drop the connection, add latency, cap bandwidth, flip a byte of the request body as it arrives, answer a
// wrong MD5). The emulator asks `decide()` once per request and applies the decision itself; this file never touches
// HTTP.

/** What a firing rule does to the request. */
export type FaultEffect =
  | {
      /** Answer with this status and the service's error body instead of serving the request. */
      kind: "status";
      status: number;
      /** Error code in the body; default derived from the status (e.g. 503 -> "ServiceUnavailable"). */
      code?: string;
      message?: string;
      /** Sends `Retry-After: <seconds>` (typical with 429 and 503). */
      retryAfterSeconds?: number;
    }
  | {
      /** Destroy the connection: after `afterBytes` bytes of the response body (default: half of it, at least 1)
       * or of the request body (default: 0, i.e. before reading any of it). */
      kind: "drop";
      during: "request" | "response";
      afterBytes?: number;
    }
  | {
      /** Wait this long before handling the request. */
      kind: "latency";
      ms: number;
    }
  | {
      /** Cap the body stream of the request, the response, or both, to this many bytes per second. */
      kind: "bandwidth";
      bytesPerSecond: number;
      direction?: "request" | "response" | "both";
    }
  | {
      /** A body corrupted in transit: the byte at `offset` of the request body (default: its middle byte) arrives
       * with every bit inverted, so what the server hashes and stores differs from what the client sent. Applies to
       * the bodies the emulator stores (PutObject, UploadPart); a body too short to hold `offset` arrives intact. */
      kind: "corrupt-body";
      offset?: number;
    }
  | {
      /** The server stores what it received but answers a wrong MD5: `opc-content-md5` on PutObject and UploadPart,
       * `opc-multipart-md5` on CommitMultipartUpload. `value` is sent as is; default: the true MD5 with the bits of
       * its first byte inverted (a multipart MD5 keeps its `-<count>`). No effect on other operations. */
      kind: "wrong-md5";
      value?: string;
    };

export interface FaultRule {
  /** Assigned by the controller when absent; must be unique. */
  id?: string;
  /** HTTP method, case-insensitive; absent = any. */
  method?: string;
  /** Regular expression (source text) tested against the decoded request path; absent = any. */
  path?: string;
  /** Operation name as the emulator names it (PutObject, UploadPart, GetObject, ListObjects, ...); absent = any. */
  operation?: string;
  /** Fire only on the n-th matching request (1-based). */
  nth?: number;
  /** Fire on every k-th matching request (k, 2k, 3k, ...). */
  every?: number;
  /** Fire on this fraction (0..1) of matching requests, drawn from a PRNG seeded with `seed` (default 1). */
  fraction?: number;
  seed?: number;
  /** Fire at most this many times; absent = unlimited. */
  times?: number;
  effect: FaultEffect;
}

/** The request as the fault logic sees it. */
export interface FaultRequest {
  method: string;
  /** The decoded path (no query string). */
  path: string;
  operation: string;
}

/** The combined outcome of every rule that fired for one request. */
export interface FaultDecision {
  /** Ids of the rules that fired, in rule order. */
  fired: string[];
  /** The first status effect that fired, if any. */
  status?: Extract<FaultEffect, { kind: "status" }>;
  /** The first drop effect that fired, if any. */
  drop?: Extract<FaultEffect, { kind: "drop" }>;
  /** The first corrupt-body effect that fired, if any. */
  corruptBody?: Extract<FaultEffect, { kind: "corrupt-body" }>;
  /** The first wrong-md5 effect that fired, if any. */
  wrongMd5?: Extract<FaultEffect, { kind: "wrong-md5" }>;
  /** Sum of every latency effect that fired. */
  latencyMs: number;
  /** Lowest bandwidth cap per direction among the effects that fired. */
  requestBytesPerSecond?: number;
  responseBytesPerSecond?: number;
}

/** A rule as listed back: the rule plus its counters. */
export interface FaultRuleState extends FaultRule {
  id: string;
  matched: number;
  fired: number;
}

export interface FaultController {
  /** Validates and adds a rule; returns its id. Throws FaultRuleError on an invalid rule. */
  add(rule: FaultRule): string;
  /** Removes a rule; returns whether it existed. */
  remove(id: string): boolean;
  clear(): void;
  list(): FaultRuleState[];
  /** Counts the request against every matching rule and returns what fired. */
  decide(request: FaultRequest): FaultDecision;
}

export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultRuleError";
  }
}

interface LiveRule {
  rule: FaultRule & { id: string };
  pathRe?: RegExp;
  method?: string;
  matched: number;
  fired: number;
  random?: () => number;
}

/** mulberry32: a small, fast, seedable PRNG so a fraction of failures is reproducible run to run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function positiveInteger(value: unknown, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
    throw new FaultRuleError(`fault rule: "${field}" must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
}

function validateEffect(effect: unknown): void {
  if (typeof effect !== "object" || effect === null) {
    throw new FaultRuleError(`fault rule: "effect" is required, e.g. {"kind":"status","status":503}`);
  }
  const e = effect as Record<string, unknown>;
  switch (e.kind) {
    case "status":
      if (!Number.isInteger(e.status) || (e.status as number) < 400 || (e.status as number) > 599) {
        throw new FaultRuleError(`fault rule: effect.status must be an HTTP error status 400..599, got ${JSON.stringify(e.status)}`);
      }
      if (e.retryAfterSeconds !== undefined && (typeof e.retryAfterSeconds !== "number" || e.retryAfterSeconds < 0)) {
        throw new FaultRuleError(`fault rule: effect.retryAfterSeconds must be a number >= 0`);
      }
      if (e.code !== undefined && typeof e.code !== "string") throw new FaultRuleError(`fault rule: effect.code must be a string`);
      if (e.message !== undefined && typeof e.message !== "string") {
        throw new FaultRuleError(`fault rule: effect.message must be a string`);
      }
      return;
    case "drop":
      if (e.during !== "request" && e.during !== "response") {
        throw new FaultRuleError(`fault rule: effect.during must be "request" or "response", got ${JSON.stringify(e.during)}`);
      }
      if (e.afterBytes !== undefined && (!Number.isInteger(e.afterBytes) || (e.afterBytes as number) < 0)) {
        throw new FaultRuleError(`fault rule: effect.afterBytes must be an integer >= 0`);
      }
      return;
    case "latency":
      if (typeof e.ms !== "number" || !(e.ms >= 0)) throw new FaultRuleError(`fault rule: effect.ms must be a number >= 0`);
      return;
    case "bandwidth":
      if (typeof e.bytesPerSecond !== "number" || !(e.bytesPerSecond > 0)) {
        throw new FaultRuleError(`fault rule: effect.bytesPerSecond must be a number > 0`);
      }
      if (e.direction !== undefined && !["request", "response", "both"].includes(e.direction as string)) {
        throw new FaultRuleError(`fault rule: effect.direction must be "request", "response" or "both"`);
      }
      return;
    case "corrupt-body":
      if (e.offset !== undefined && (!Number.isInteger(e.offset) || (e.offset as number) < 0)) {
        throw new FaultRuleError(`fault rule: effect.offset must be an integer >= 0`);
      }
      return;
    case "wrong-md5":
      if (e.value !== undefined && typeof e.value !== "string") throw new FaultRuleError(`fault rule: effect.value must be a string`);
      return;
    default:
      throw new FaultRuleError(
        `fault rule: effect.kind must be "status", "drop", "latency", "bandwidth", "corrupt-body" or "wrong-md5", got ${JSON.stringify(e.kind)}`,
      );
  }
}

/** Checks a rule (also one that arrived as JSON over the control endpoint) and throws FaultRuleError naming the field. */
export function validateFaultRule(rule: unknown): asserts rule is FaultRule {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) {
    throw new FaultRuleError("fault rule must be a JSON object");
  }
  const r = rule as Record<string, unknown>;
  const known = new Set(["id", "method", "path", "operation", "nth", "every", "fraction", "seed", "times", "effect"]);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) throw new FaultRuleError(`fault rule: unknown field "${key}" (known: ${[...known].join(", ")})`);
  }
  for (const field of ["id", "method", "path", "operation"]) {
    if (r[field] !== undefined && typeof r[field] !== "string") throw new FaultRuleError(`fault rule: "${field}" must be a string`);
  }
  if (typeof r.path === "string") {
    try {
      new RegExp(r.path);
    } catch (err) {
      throw new FaultRuleError(`fault rule: "path" is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  positiveInteger(r.nth, "nth");
  positiveInteger(r.every, "every");
  positiveInteger(r.times, "times");
  if (r.fraction !== undefined && (typeof r.fraction !== "number" || r.fraction < 0 || r.fraction > 1)) {
    throw new FaultRuleError(`fault rule: "fraction" must be a number between 0 and 1`);
  }
  if (r.seed !== undefined && !Number.isInteger(r.seed)) throw new FaultRuleError(`fault rule: "seed" must be an integer`);
  const selectors = ["nth", "every", "fraction"].filter((k) => r[k] !== undefined);
  if (selectors.length > 1) {
    throw new FaultRuleError(`fault rule: use only one of "nth", "every", "fraction" (got ${selectors.join(", ")})`);
  }
  validateEffect(r.effect);
}

/** Creates a controller holding `initial` rules (validated; throws FaultRuleError on the first invalid one). */
export function createFaultController(initial: FaultRule[] = []): FaultController {
  const rules: LiveRule[] = [];
  let nextId = 1;

  const controller: FaultController = {
    add(rule) {
      validateFaultRule(rule);
      const id = rule.id ?? `fault-${nextId++}`;
      if (rules.some((r) => r.rule.id === id)) throw new FaultRuleError(`fault rule: id "${id}" is already in use`);
      const copy = { ...structuredClone(rule), id };
      rules.push({
        rule: copy,
        pathRe: rule.path === undefined ? undefined : new RegExp(rule.path),
        method: rule.method?.toUpperCase(),
        matched: 0,
        fired: 0,
        random: rule.fraction === undefined ? undefined : seededRandom(rule.seed ?? 1),
      });
      return id;
    },
    remove(id) {
      const i = rules.findIndex((r) => r.rule.id === id);
      if (i < 0) return false;
      rules.splice(i, 1);
      return true;
    },
    clear() {
      rules.length = 0;
    },
    list() {
      return rules.map((r) => ({ ...structuredClone(r.rule), matched: r.matched, fired: r.fired }));
    },
    decide(request) {
      const decision: FaultDecision = { fired: [], latencyMs: 0 };
      const method = request.method.toUpperCase();
      for (const live of rules) {
        const { rule } = live;
        if (live.method !== undefined && live.method !== method) continue;
        if (rule.operation !== undefined && rule.operation !== request.operation) continue;
        if (live.pathRe !== undefined && !live.pathRe.test(request.path)) continue;
        live.matched++;
        if (rule.times !== undefined && live.fired >= rule.times) continue;
        let fires: boolean;
        if (rule.nth !== undefined) fires = live.matched === rule.nth;
        else if (rule.every !== undefined) fires = live.matched % rule.every === 0;
        else if (live.random !== undefined) fires = live.random() < (rule.fraction as number);
        else fires = true;
        if (!fires) continue;
        live.fired++;
        decision.fired.push(rule.id);
        const effect = rule.effect;
        switch (effect.kind) {
          case "status":
            decision.status ??= effect;
            break;
          case "drop":
            decision.drop ??= effect;
            break;
          case "corrupt-body":
            decision.corruptBody ??= effect;
            break;
          case "wrong-md5":
            decision.wrongMd5 ??= effect;
            break;
          case "latency":
            decision.latencyMs += effect.ms;
            break;
          case "bandwidth": {
            const direction = effect.direction ?? "response";
            if (direction !== "response") {
              decision.requestBytesPerSecond = Math.min(decision.requestBytesPerSecond ?? Infinity, effect.bytesPerSecond);
            }
            if (direction !== "request") {
              decision.responseBytesPerSecond = Math.min(decision.responseBytesPerSecond ?? Infinity, effect.bytesPerSecond);
            }
            break;
          }
        }
      }
      return decision;
    },
  };
  for (const rule of initial) controller.add(rule);
  return controller;
}
