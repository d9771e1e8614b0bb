// Starting an emulator's server: listen, and report a failure to bind (port in use, ...) as a rejection.
import type { Server } from "node:net";

/** Listens on host:port (0 = any free port) and resolves with the port bound. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`could not determine the port bound on ${host}`);
  return address.port;
}
