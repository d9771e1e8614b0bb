"""The ADLS small-file read, today's reader against the new one (issue 12, deliverable 7): the job's Azure SDK reader
(src/job/adls.py SourceRange on an adls_client, as the job makes them) and OpenDAL's (src/stores/adls/adls_store.py
AdlsStore.read_range), each reading every file whole on its listed version (If-Match), in one process, interleaved
(the reader that goes first alternates by round), for ROUNDS rounds. Prints CPU time (time.process_time: this
process, its Rust threads included) and wall time per file, and the load average before and after.

Run with .venv/bin/python against a local cloud's ADLS (the variables test/python-sdk.test.ts sets, from
startLocalCloud().env()): LAKE2OCI_ADLS_URL, LAKE2OCI_ADLS_ACCOUNT, LAKE2OCI_ADLS_KEY. Options: --files N (500),
--kib K (256), --rounds R (3), --file-system NAME (adls-read-bench; seeded once, kept), --tree-dirs D (0: with D, also
the listing of a tree of D directories of 5 small files each, the SDK's recursive get_paths against AdlsStore's walk,
which asks one directory at a time). Only loopback endpoints are read: the script refuses any other.
"""
import argparse
import os
import statistics
import sys
import time
from urllib.parse import urlsplit

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "src"))

from azure.core.credentials import AzureNamedKeyCredential  # noqa: E402
from azure.core.exceptions import ResourceExistsError  # noqa: E402
from azure.storage.filedatalake import FileSystemClient  # noqa: E402

from job.adls import DEFAULT_CHUNK_SIZE, SourceRange, adls_client, list_source  # noqa: E402
from stores.adls.adls_store import AdlsStore  # noqa: E402


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def seed(url, account, key, file_system, files, size):
    """files of size bytes each (distinct contents), written once: a file system that has them all is kept."""
    fs = FileSystemClient(url, file_system, credential=AzureNamedKeyCredential(account, key))
    try:
        fs.create_file_system()
    except ResourceExistsError:
        pass
    have = {p.name: p.content_length for p in fs.get_paths(recursive=True) if not p.is_directory}
    for i in range(files):
        name = f"small/part-{i:05d}.bin"
        if have.get(name) != size:
            block = i.to_bytes(4, "big") * (size // 4)
            fs.get_file_client(name).upload_data(block + b"\0" * (size - len(block)), overwrite=True)


def seed_tree(fs, dirs):
    have = {p.name for p in fs.get_paths(path="tree", recursive=True)} if fs.get_directory_client(
        "tree").exists() else set()
    for d in range(dirs):
        for f in range(5):
            name = f"tree/d{d:04d}/f{f}.txt"
            if name not in have:
                fs.get_file_client(name).upload_data(b"x" * 100, overwrite=True)


def listing_figures(url, account, key, file_system, dirs, rounds):
    fs = FileSystemClient(url, file_system, credential=AzureNamedKeyCredential(account, key))
    seed_tree(fs, dirs)
    auth = {"kind": "key", "account_key": key}
    fs_client = adls_client(account, file_system, url, auth)
    store = AdlsStore(account, file_system, url, auth)
    ways = {"sdk": lambda: len(list(list_source(fs_client, "tree"))),
            "opendal": lambda: sum(len(p) for p in store.list_pages("tree"))}
    counts = {k: f() for k, f in ways.items()}
    if counts["sdk"] != counts["opendal"]:
        raise SystemExit(f"the listings differ: {counts}")
    times = {k: [] for k in ways}
    for r in range(rounds):
        for label in (("sdk", "opendal") if r % 2 == 0 else ("opendal", "sdk")):
            cpu, wall = time.process_time(), time.perf_counter()
            ways[label]()
            times[label].append((time.process_time() - cpu, time.perf_counter() - wall))
    print(f"listing tree/: {counts['sdk']} paths ({dirs} directories of 5 files), {rounds} rounds interleaved")
    for label, name in (("sdk", "Azure SDK list_source (recursive)"), ("opendal", "OpenDAL AdlsStore.list_pages")):
        cpus = ", ".join(f"{c:.3f}" for c, _ in times[label])
        walls = ", ".join(f"{w:.3f}" for _, w in times[label])
        print(f"{name:<34} CPU s {cpus}; wall s {walls}")


def read_sdk(fs_client, listed):
    total = 0
    for name, size, etag in listed:
        for chunk in SourceRange(fs_client, name, 0, size, etag=etag).open():
            total += len(chunk)
    return total


def read_opendal(store, listed):
    total = 0
    for name, size, etag in listed:
        for chunk in store.read_range(name, 0, size, etag, chunk_size=DEFAULT_CHUNK_SIZE):
            total += len(chunk)
    return total


def measure(fn, arg, listed):
    cpu, wall = time.process_time(), time.perf_counter()
    total = fn(arg, listed)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    want = sum(size for _, size, _ in listed)
    if total != want:
        raise SystemExit(f"read {total} bytes, not {want}")
    return cpu, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--kib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--file-system", default="adls-read-bench")
    parser.add_argument("--tree-dirs", type=int, default=0)
    args = parser.parse_args()
    url, account, key = (os.environ[k] for k in ("LAKE2OCI_ADLS_URL", "LAKE2OCI_ADLS_ACCOUNT", "LAKE2OCI_ADLS_KEY"))
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host == "::1" or host.startswith("127.")):
        raise SystemExit(f"LAKE2OCI_ADLS_URL must be a loopback address (the local cloud), not {host}")
    size = args.kib * 1024
    seed(url, account, key, args.file_system, args.files, size)
    auth = {"kind": "key", "account_key": key}
    # As the job makes them: the SDK client with its chunk size, the store with the same chunk.
    fs_client = adls_client(account, args.file_system, url, auth, chunk_size=DEFAULT_CHUNK_SIZE)
    store = AdlsStore(account, args.file_system, url, auth)
    # The versions as the job's listing records them (the etag, unquoted), for both readers.
    listed = [(e["name"], e["size"], e["etag"]) for e in list_source(fs_client, "small") if not e["is_directory"]]
    listed = listed[:args.files]
    # One warm-up read each (connections, the SDK's imports, OpenDAL's runtime), not counted.
    measure(read_sdk, fs_client, listed[:5])
    measure(read_opendal, store, listed[:5])
    load_before = loadavg()
    results = {"sdk": [], "opendal": []}
    for r in range(args.rounds):
        order = [("sdk", read_sdk, fs_client), ("opendal", read_opendal, store)]
        if r % 2:
            order.reverse()
        for label, fn, arg in order:
            results[label].append(measure(fn, arg, listed))
    load_after = loadavg()
    n = len(listed)
    print(f"ADLS small-file read: {n} files of {args.kib} KiB, whole, on their listed version (If-Match), "
          f"{args.rounds} rounds interleaved, one thread")
    print(f"load average before {load_before}, after {load_after}; {os.cpu_count()} CPUs")
    print(f"{'reader':<34} {'round':>5} {'CPU ms/file':>12} {'wall ms/file':>13} {'MiB/s':>8}")
    names = {"sdk": "Azure SDK (job.adls.SourceRange)", "opendal": "OpenDAL (AdlsStore.read_range)"}
    for label in ("sdk", "opendal"):
        for r, (cpu, wall) in enumerate(results[label], 1):
            print(f"{names[label]:<34} {r:>5} {cpu * 1000 / n:>12.3f} {wall * 1000 / n:>13.3f} "
                  f"{n * size / wall / 1048576:>8.1f}")
    sdk_cpu = statistics.median(c for c, _ in results["sdk"])
    od_cpu = statistics.median(c for c, _ in results["opendal"])
    sdk_wall = statistics.median(w for _, w in results["sdk"])
    od_wall = statistics.median(w for _, w in results["opendal"])
    print(f"median CPU ms/file: SDK {sdk_cpu * 1000 / n:.3f}, OpenDAL {od_cpu * 1000 / n:.3f} "
          f"(OpenDAL/SDK {od_cpu / sdk_cpu:.2f}); median wall ms/file: SDK {sdk_wall * 1000 / n:.3f}, "
          f"OpenDAL {od_wall * 1000 / n:.3f} (OpenDAL/SDK {od_wall / sdk_wall:.2f})")
    if args.tree_dirs:
        listing_figures(url, account, key, args.file_system, args.tree_dirs, args.rounds)


if __name__ == "__main__":
    main()
