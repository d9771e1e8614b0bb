// The emulator's own control endpoint under /_emulator/ (unsigned, never faulted, never logged; the server only
// listens on loopback). Lets a process that cannot call the Node API — a pytest run, a shell — manage faults and read
// the request log:
//   GET    /_emulator/health                 -> {"namespace": "..."}
//   GET    /_emulator/faults                 -> [rule with its matched/fired counters, ...]
//   POST   /_emulator/faults   body: rule    -> 201 {"id": "..."}   (400 with the reason when invalid)
//   DELETE /_emulator/faults                 -> 204, all rules removed
//   DELETE /_emulator/faults/{id}            -> 204, or 404 when there is no such rule
//   GET    /_emulator/requests[?operation=X] -> {"counts": {...}, "requests": [...]}
//   DELETE /_emulator/requests               -> 204, log and counts reset
import { type FaultController, FaultRuleError } from "../faults.ts";
import { OciServiceError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { parseQuery } from "./names.ts";
import type { RequestLog } from "./request-log.ts";

export const CONTROL_PREFIX = "/_emulator";

export interface ControlContext {
  namespace: string;
  faults: FaultController;
  log: RequestLog;
  /** Resolves once every data-plane response already ended is in the log. */
  settleLog?: () => Promise<void>;
}

export async function handleControl(ex: Exchange, ctx: ControlContext): Promise<void> {
  const path = ex.rawPath.slice(CONTROL_PREFIX.length).replace(/\/+$/, "");
  const method = ex.method;
  if (path === "/health" && method === "GET") return ex.sendJson(200, { namespace: ctx.namespace });
  if (path === "/faults") {
    if (method === "GET") return ex.sendJson(200, ctx.faults.list());
    if (method === "DELETE") {
      ctx.faults.clear();
      return ex.send(204, {});
    }
    if (method === "POST") {
      const body = await ex.receiveBuffer(1024 * 1024);
      let rule: unknown;
      try {
        rule = JSON.parse(body.toString("utf8"));
      } catch (err) {
        throw new OciServiceError(400, "InvalidParameter", `The fault rule is not valid JSON: ${(err as Error).message}`);
      }
      try {
        const id = ctx.faults.add(rule as never);
        return ex.sendJson(201, { id });
      } catch (err) {
        if (err instanceof FaultRuleError) throw new OciServiceError(400, "InvalidParameter", err.message);
        throw err;
      }
    }
  }
  const one = /^\/faults\/([^/]+)$/.exec(path);
  if (one && method === "DELETE") {
    const id = decodeURIComponent(one[1]);
    if (!ctx.faults.remove(id)) throw new OciServiceError(404, "NotFound", `There is no fault rule with id '${id}'`);
    return ex.send(204, {});
  }
  if (path === "/requests") {
    await ctx.settleLog?.();
    if (method === "GET") {
      const operation = parseQuery(ex.rawQuery).get("operation");
      const requests = ctx.log.list().filter((r) => operation === null || r.operation === operation);
      return ex.sendJson(200, { counts: ctx.log.countsByOperation(), requests });
    }
    if (method === "DELETE") {
      ctx.log.reset();
      return ex.send(204, {});
    }
  }
  throw new OciServiceError(404, "NotFound", `The emulator control endpoint has no '${method} ${ex.rawPath}'`);
}
