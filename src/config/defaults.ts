// The config's defaults, as plain literals: the schema reads them, and a later step emits them to Python (ts-morph),
// so this file holds only `export const NAME = literal;` lines.

/** How source and target objects are compared: size and, where both sides know one, MD5. */
export const DEFAULT_COMPARE = "size-md5";

/** Mirror mode (delete target objects that are not in the source) is off unless asked for. */
export const DEFAULT_MIRROR_ENABLED = false;

/** With mirror on, a plan that would delete more objects than this is refused. */
export const DEFAULT_MIRROR_MAX_DELETIONS = 1000;

/** Names that cannot become objects fail on their own (the rest is copied) unless strictNames asks to refuse all. */
export const DEFAULT_STRICT_NAMES = false;

/** The sub-path of the file system to migrate: "" is the whole file system. */
export const DEFAULT_SOURCE_PATH = "";

/** The folder in the bucket that receives the files: "" is the bucket root. */
export const DEFAULT_TARGET_PREFIX = "";

/** Globs of names (relative to the file system root) to copy: everything. */
export const DEFAULT_FILTER_INCLUDE = ["**"];

/** Globs of names (relative to the file system root) to leave out: none. */
export const DEFAULT_FILTER_EXCLUDE: string[] = [];

/** The log file of a LOCAL run, as in the original app (relative to the config file's directory). */
export const DEFAULT_LOCAL_LOG_PATH = "./log_dataflow_app_migration.json";

/** The log object of a DATAFLOW run, in the target bucket unless log.bucket says otherwise (the original app's). */
export const DEFAULT_DATAFLOW_LOG_OBJECT = "log/log_dataflow_app_migration.json";

/** The OCI config file a LOCAL run reads when target.configFile is absent (the OCI SDKs' and CLI's default). */
export const DEFAULT_OCI_CONFIG_FILE = "~/.oci/config";

/** The section of the OCI config file that is read when target.configProfile is absent (the OCI SDKs' default). */
export const DEFAULT_OCI_CONFIG_PROFILE = "DEFAULT";

/** The host of an ADLS Gen2 account's DFS endpoint is `<accountName>` followed by this suffix. */
export const DEFAULT_ADLS_DFS_HOST_SUFFIX = ".dfs.core.windows.net";
