// The HDFS side of the local cloud: a real HDFS (Hadoop 3.3.4's MiniDFSCluster) with WebHDFS, on 127.0.0.1.
import { startMiniHdfs } from "./mini-hdfs.ts";

export { ensureMiniHdfsInstalled, type MiniHdfsOptions, type MiniHdfsProcess, startMiniHdfs } from "./mini-hdfs.ts";

/** The user the local lake belongs to: it has a home directory, /user/lake. */
export const HDFS_LAKE_USER = "lake";

export interface HdfsOptions {
  /** The user given a home directory (default `lake`). */
  user?: string;
  /** Hadoop settings, e.g. `{ "dfs.ls.limit": "1" }`; see MiniHdfsOptions.conf. */
  conf?: Record<string, string>;
  /** Maximum JVM heap in MiB (default 512). */
  heapMb?: number;
}

export interface HdfsEmulator {
  /** hdfs://127.0.0.1:PORT — the NameNode's RPC URI (fs.defaultFS). */
  rpcUrl: string;
  /** http://127.0.0.1:PORT — the NameNode's HTTP address; the REST API is under /webhdfs/v1. */
  webhdfsUrl: string;
  /** The user to act as (simple auth: `user.name=` on WebHDFS, HADOOP_USER_NAME for Hadoop clients). */
  user: string;
  /** That user's home directory, owned by it: /user/lake. */
  home: string;
  /** HDFS's superuser (the NameNode's own user), `hdfs`. */
  superuser: string;
  /** The JVM's process id (to check what it listens on). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a real HDFS on loopback with its data under `dataDir` (kept there; a restart on the same directory sees
 * it): one NameNode, one DataNode, permissions on, simple auth, a home directory for `user` (default `lake`).
 * Any user name is accepted (simple auth); only `user` owns a directory, the superuser is `hdfs`.
 */
export async function startHdfsEmulator(options: { dataDir: string } & HdfsOptions): Promise<HdfsEmulator> {
  const user = options.user ?? HDFS_LAKE_USER;
  const hdfs = await startMiniHdfs({ dataDir: options.dataDir, homes: [user], conf: options.conf, heapMb: options.heapMb });
  return {
    rpcUrl: hdfs.rpcUrl,
    webhdfsUrl: hdfs.webhdfsUrl,
    user,
    home: `/user/${user}`,
    superuser: hdfs.superuser,
    pid: hdfs.pid,
    stop: () => hdfs.stop(),
  };
}
