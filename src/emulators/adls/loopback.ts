import { isIP } from "node:net";

/**
 * The local cloud listens on loopback only: an emulator holds a well-known account key and
 * accepts it, so it must never be reachable from another machine.
 * Returns the host to bind (defaulting to 127.0.0.1) or throws naming the option and what to do.
 */
export function requireLoopbackHost(host: string | undefined, option: string): string {
  const value = host ?? "127.0.0.1";
  if (value === "localhost" || value === "::1") return value;
  if (isIP(value) === 4 && value.startsWith("127.")) return value;
  throw new Error(
    `${option} must be a loopback address (127.0.0.1, another 127.x.x.x, ::1 or localhost), got ${JSON.stringify(value)}: ` +
      "the ADLS emulator accepts a published account key and must not be reachable from other machines",
  );
}
