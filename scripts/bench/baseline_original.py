# The baseline of the job's speed benchmark: what the original app.py (jganggini/oci-data-flow,
# move-file-azure-datalake-storage-to-oci-object-storage) did, written plainly with the same SDKs so that its speed
# can be measured on the same local cloud. Nothing here is slowed down on purpose; nothing is improved either:
# - list the source with one get_paths over the file system (recursive, as the SDK's default), into a list;
# - list the target once with list_objects(fields=name,timeCreated,size), without paging;
# - compare the two lists with a nested loop on name and size, skipping zero-byte files;
# - then, one file at a time on one thread: download_file().readall() (the whole file in memory), one put_object
#   with those bytes, and a progress print per step, as the original printed;
# - write the log (a JSON array) at the end.
# Differences, all needed to run here: the endpoints come from arguments (the original built
# https://<account>.dfs.core.windows.net and used the OCI region's endpoint), the account key from the environment
# (the original had it in its parameters file), and the file client is fs.get_file_client(name) (the original went
# through get_directory_client('.').get_file_client('./' + name), which names the same file on the service).
#
# Usage: python baseline_original.py --account-url URL --account-name NAME --file-system FS --bucket B
#          --config-file OCI_CONFIG --profile PROFILE --endpoint OCI_URL --log PATH [--path DIR]
# The ADLS account key is read from LAKE2OCI_BENCH_ADLS_KEY. The last stdout line is JSON:
# {"files", "bytes", "errors", "listSeconds", "copySeconds", "totalSeconds"}.
import argparse
import datetime
import json
import os
import sys
import time

import oci
from azure.storage.filedatalake import DataLakeServiceClient

ADLS_KEY_VARIABLE = "LAKE2OCI_BENCH_ADLS_KEY"


def compare_lists(source_list, target_list, run_id, run_date):
    """The original's compare: a record per non-empty source file, equal/update/new by name and size."""
    records = []
    for s in source_list:
        if not s.content_length or s.is_directory:
            continue
        entry = {"source_name": s.name, "source_size": s.content_length, "targe_name": s.name,
                 "targe_size": s.content_length, "start_date": "0000-00-00 00:00:00",
                 "end_date": "0000-00-00 00:00:00", "run_time": "0:00:00", "run_date": run_date, "run_id": run_id,
                 "status": "new"}
        for t in target_list:
            if s.name == t.name:
                entry["targe_size"] = t.size
                if s.content_length == t.size:
                    entry.update(start_date=run_date, end_date=run_date, status="equal")
                else:
                    entry["status"] = "update"
                break
        records.append(entry)
    return records


def main():
    parser = argparse.ArgumentParser(description="The original job's copy loop, for the baseline of the benchmark.")
    for name in ("account-url", "account-name", "file-system", "bucket", "config-file", "profile", "endpoint", "log"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--path", default="")
    args = parser.parse_args()
    key = os.environ.get(ADLS_KEY_VARIABLE)
    if not key:
        print(f"baseline: set {ADLS_KEY_VARIABLE} to the ADLS account key", file=sys.stderr)
        return 2

    started = time.monotonic()
    print("# Connect to the account in Azure...")
    service_client = DataLakeServiceClient(account_url=args.account_url, credential=key)
    config = oci.config.from_file(args.config_file, args.profile)
    client = oci.object_storage.ObjectStorageClient(config, service_endpoint=args.endpoint)
    namespace = client.get_namespace().data

    print("# List the contents [Azure]...")
    file_system_client = service_client.get_file_system_client(file_system=args.file_system)
    source_list = list(file_system_client.get_paths(path=args.path or None))
    print("# List the contents [OCI]...")
    target_list = client.list_objects(namespace, args.bucket, fields="name,timeCreated,size").data.objects
    print("# Compare lists...")
    now = datetime.datetime.now()
    records = compare_lists(source_list, target_list, now.strftime("%Y%m%d%H%M%S%f"),
                            now.strftime("%Y-%m-%d %H:%M:%S"))
    listed = time.monotonic()

    print("# Copy object(s) from Azure to OCI...")
    copied = 0
    copied_bytes = 0
    errors = 0
    for record in records:
        if record["status"] == "equal":
            continue
        start = datetime.datetime.now()
        record["start_date"] = start.strftime("%Y-%m-%d %H:%M:%S")
        name = record["source_name"]
        try:
            print(f"# Download file ({name})...")
            obj_bytes = file_system_client.get_file_client(name).download_file().readall()
            print(f"  Upload object ({name})...")
            client.put_object(namespace_name=namespace, bucket_name=args.bucket, object_name=name,
                              put_object_body=obj_bytes)
            copied += 1
            copied_bytes += len(obj_bytes)
        except Exception as error:  # noqa: BLE001 - the original printed the error and went on
            print(error)
            errors += 1
        end = datetime.datetime.now()
        record["end_date"] = end.strftime("%Y-%m-%d %H:%M:%S")
        record["run_time"] = str(end - start).split(".")[0]
    print(f"  Updated object(s): {copied}")
    copy_done = time.monotonic()

    print("# Add entry to json object (log)...")
    with open(args.log, "w", encoding="utf-8") as f:
        json.dump(records, f)
    finished = time.monotonic()
    print(json.dumps({"files": copied, "bytes": copied_bytes, "errors": errors, "listSeconds": listed - started,
                      "copySeconds": copy_done - listed, "totalSeconds": finished - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
