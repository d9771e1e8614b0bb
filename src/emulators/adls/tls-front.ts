// A TLS endpoint in front of a plain-http loopback server (the DFS gateway): it terminates TLS and pipes each
// connection's bytes to the upstream port unchanged, so the gateway sees the same requests it would over http. The
// SDKs send bearer tokens only over https, so this is how OAuth reaches the local ADLS; SharedKey and SAS work
// through it too. Both ends are loopback only.
import net from "node:net";
import tls from "node:tls";
import { requireLoopbackHost } from "./loopback.ts";
import { listen } from "../listen.ts";

export interface TlsFrontOptions {
  /** The server's TLS key and certificate (PEM), e.g. from createLocalCa. */
  tls: { key: string; cert: string };
  upstreamPort: number;
  /** Default 127.0.0.1. */
  upstreamHost?: string;
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export interface TlsFront {
  /** https://HOST:PORT */
  origin: string;
  port: number;
  stop(): Promise<void>;
}

export async function startTlsFront(options: TlsFrontOptions): Promise<TlsFront> {
  const host = requireLoopbackHost(options.host, "startTlsFront: host");
  const upstreamHost = requireLoopbackHost(options.upstreamHost, "startTlsFront: upstreamHost");
  if (!Number.isInteger(options.upstreamPort) || options.upstreamPort < 1 || options.upstreamPort > 65535) {
    throw new Error(`startTlsFront: upstreamPort must be a TCP port, got ${options.upstreamPort}`);
  }
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const server = tls.createServer({ key: options.tls.key, cert: options.tls.cert }, (client) => {
    track(client);
    const upstream = net.connect(options.upstreamPort, upstreamHost);
    track(upstream);
    // Either side ending or failing ends the other: a client that goes away must not leave a transfer running.
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // A failed handshake (a client that does not trust the CA) only concerns that connection.
  server.on("tlsClientError", (_error, socket) => socket.destroy());
  const port = await listen(server, options.port ?? 0, host);
  let stopping: Promise<void> | undefined;
  return {
    origin: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return stopping;
    },
  };
}
