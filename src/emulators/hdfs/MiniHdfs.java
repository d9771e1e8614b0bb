// A real HDFS for the local cloud: Hadoop's MiniDFSCluster (one NameNode, one DataNode) with WebHDFS, every
// listener on 127.0.0.1 and on a free port, permissions on, simple auth. Compiled and run by
// src/emulators/hdfs/mini-hdfs.ts (jars fetched by scripts/setup-hdfs.sh into .cache/hdfs/lib).
//
// Usage: java -cp CLASSPATH MiniHdfs --dir DATA_DIR [--home USER]... [--http-secret FILE]
//   --dir          where the NameNode and DataNode keep their data (formatted when it holds no NameNode yet, kept
//                  otherwise)
//   --home         a user whose home directory /user/USER is made (owner USER, group USER, mode 755); repeatable
//   --http-secret  the file whose content signs the HTTP servers' auth cookie (default: a random secret, and a warning)
//   --conf         KEY=VALUE set in the cluster's Configuration (e.g. dfs.ls.limit=1); repeatable; keys about addresses,
//                  hosts, security, permissions and auth are refused
// When ready it prints one JSON line on stdout:
//   {"rpc":"hdfs://127.0.0.1:PORT","webhdfs":"http://127.0.0.1:PORT","superuser":"NAME"}
// Nothing else is written to stdout (Hadoop's logs go to stderr, WARN and above). It shuts the cluster down and
// exits on SIGTERM/SIGINT and when its standard input closes (so it never outlives the process that started it).
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import sun.misc.Signal;

public final class MiniHdfs {
  private static final String HOST = "127.0.0.1";
  /** Keys --conf may not set: what keeps the cluster on loopback, its auth simple and its permissions on. */
  private static final java.util.regex.Pattern PINNED =
      java.util.regex.Pattern.compile("address|bind-host|hostname|dns\\.|security|permissions|authentication|group\\.mapping|webhdfs\\.enabled");

  private MiniHdfs() {}

  public static void main(String[] args) throws Exception {
    String dir = null;
    String httpSecret = null;
    List<String[]> extraConf = new ArrayList<>();
    List<String> homes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--dir") && i + 1 < args.length) {
        dir = args[++i];
      } else if (a.equals("--home") && i + 1 < args.length) {
        homes.add(args[++i]);
      } else if (a.equals("--http-secret") && i + 1 < args.length) {
        httpSecret = args[++i];
      } else if (a.equals("--conf") && i + 1 < args.length) {
        String pair = args[++i];
        int eq = pair.indexOf('=');
        if (eq <= 0) fail("--conf takes KEY=VALUE, got " + pair);
        String key = pair.substring(0, eq);
        if (PINNED.matcher(key).find()) {
          fail("--conf " + key + ": addresses, hosts, security and permissions are fixed by this launcher");
        }
        extraConf.add(new String[] {key, pair.substring(eq + 1)});
      } else {
        fail("unknown or incomplete argument " + a + " (usage: MiniHdfs --dir DATA_DIR [--home USER]... [--http-secret FILE] [--conf KEY=VALUE]...)");
      }
    }
    if (dir == null) fail("--dir DATA_DIR is required");
    File base = new File(dir).getAbsoluteFile();
    if (!base.isDirectory() && !base.mkdirs()) fail("cannot create " + base);
    // MiniDFSCluster keeps the NameNode's metadata under BASE/name-0-1 (one copy: redundancy off) and the DataNode's
    // blocks under BASE/data/data1 (one storage). A directory that holds a formatted NameNode is started as it is.
    boolean formatted = new File(base, "name-0-1/current/VERSION").isFile();

    // The user that starts the NameNode is HDFS's superuser; simple auth takes it from HADOOP_USER_NAME, else the
    // OS account. Read here without UserGroupInformation, whose first use would fix the group mapping too early.
    String envUser = System.getenv("HADOOP_USER_NAME");
    String superuser = envUser != null && !envUser.isEmpty() ? envUser : System.getProperty("user.name");
    Configuration conf = loopbackConf(base, superuser, homes);
    for (String[] kv : extraConf) conf.set(kv[0], kv[1]);
    if (httpSecret != null) conf.set("hadoop.http.authentication.signature.secret.file", httpSecret);
    UserGroupInformation.setConfiguration(conf);

    // SIGTERM, SIGINT and the end of stdin (the parent is gone, however it died) all release the main thread, which
    // then shuts the cluster down: a stop asked for while it starts takes effect once it is up. (Shutting down from a
    // JVM shutdown hook instead fails half way: MiniDFSCluster removes hooks.)
    final CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), signal -> stop.countDown());
    Signal.handle(new Signal("INT"), signal -> stop.countDown());
    Thread stdinWatch = new Thread(() -> {
      InputStream in = System.in;
      byte[] buf = new byte[256];
      try {
        while (in.read(buf) >= 0) {
          // Only the end of input matters.
        }
      } catch (IOException ignored) {
        // A broken stdin means the parent is gone: stop as on EOF.
      }
      stop.countDown();
    }, "mini-hdfs-stdin");
    stdinWatch.setDaemon(true);
    stdinWatch.start();

    MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf, base)
        .numDataNodes(1)
        .storagesPerDatanode(1)
        .enableManagedDfsDirsRedundancy(false)
        .nameNodePort(0)
        .nameNodeHttpPort(0)
        .format(!formatted)
        .checkDataNodeAddrConfig(true)
        .checkDataNodeHostConfig(true)
        .waitSafeMode(true);
    final MiniDFSCluster cluster = builder.build();
    cluster.waitActive();

    try (FileSystem fs = cluster.getFileSystem()) {
      for (String user : homes) {
        Path home = new Path("/user/" + user);
        if (!fs.exists(home)) {
          fs.mkdirs(home);
          fs.setOwner(home, user, user);
          fs.setPermission(home, new FsPermission((short) 0755));
        }
      }
      fs.setPermission(new Path("/user"), new FsPermission((short) 0755));
    } catch (IOException | RuntimeException e) {
      System.err.println("mini-hdfs: cannot make the home directories: " + e);
      halt(cluster, 1);
    }

    int rpcPort = cluster.getNameNodePort();
    int httpPort = cluster.getNameNode().getHttpAddress().getPort();
    System.out.println("{\"rpc\":\"hdfs://" + HOST + ":" + rpcPort + "\",\"webhdfs\":\"http://" + HOST + ":" + httpPort
        + "\",\"superuser\":\"" + superuser.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    System.out.flush();

    stop.await();
    halt(cluster, 0);
  }

  /** Every NameNode and DataNode listener on 127.0.0.1, port 0; permissions on; simple auth. */
  static Configuration loopbackConf(File base, String superuser, List<String> homes) {
    Configuration conf = new Configuration();
    conf.set("hadoop.tmp.dir", new File(base, "tmp").getPath());
    conf.set("hadoop.security.authentication", "simple");
    // Groups come from this list, not from the machine's accounts (which have no `hdfs` or `lake`): the superuser is
    // in supergroup (dfs.permissions.superusergroup), each home user in a group of its own name, others in none.
    conf.set("hadoop.security.group.mapping", "org.apache.hadoop.security.NullGroupsMapping");
    StringBuilder groups = new StringBuilder("dr.who=;" + superuser + "=supergroup;");
    for (String user : homes) groups.append(user).append('=').append(user).append(';');
    conf.set("hadoop.user.group.static.mapping.overrides", groups.toString());
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.set("dfs.http.policy", "HTTP_ONLY");
    // NameNode
    conf.set("dfs.namenode.rpc-bind-host", HOST);
    conf.set("dfs.namenode.servicerpc-bind-host", HOST);
    conf.set("dfs.namenode.lifeline.rpc-bind-host", HOST);
    conf.set("dfs.namenode.http-bind-host", HOST);
    conf.set("dfs.namenode.https-bind-host", HOST);
    conf.set("dfs.namenode.http-address", HOST + ":0");
    conf.set("dfs.namenode.https-address", HOST + ":0");
    conf.set("dfs.namenode.secondary.http-address", HOST + ":0");
    conf.set("dfs.namenode.secondary.https-address", HOST + ":0");
    conf.set("dfs.namenode.backup.address", HOST + ":0");
    conf.set("dfs.namenode.backup.http-address", HOST + ":0");
    // DataNode: data transfer, HTTP (the WebHDFS redirect target), IPC; it registers as 127.0.0.1.
    conf.set("dfs.datanode.address", HOST + ":0");
    conf.set("dfs.datanode.http.address", HOST + ":0");
    conf.set("dfs.datanode.https.address", HOST + ":0");
    conf.set("dfs.datanode.ipc.address", HOST + ":0");
    conf.set("dfs.datanode.hostname", HOST);
    conf.set("dfs.datanode.dns.interface", "lo");
    // One DataNode: one replica; no waiting for more.
    conf.setInt("dfs.replication", 1);
    conf.setInt("dfs.namenode.safemode.min.datanodes", 1);
    conf.setInt("dfs.namenode.safemode.extension", 0);
    return conf;
  }

  /**
   * Shuts the cluster down and halts. Halt, not exit: MiniDFSCluster.shutdown() marks the whole base directory for
   * deletion when the JVM exits (File.deleteOnExit), and the data must stay for the next start.
   */
  private static void halt(MiniDFSCluster cluster, int status) {
    shutdown(cluster);
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(status);
  }

  private static void shutdown(MiniDFSCluster cluster) {
    try {
      cluster.shutdown();
    } catch (RuntimeException e) {
      System.err.println("mini-hdfs: shutdown: " + e);
    }
  }

  private static void fail(String message) {
    System.err.println("mini-hdfs: " + message);
    System.exit(2);
  }
}
