"""The lease (src/job/lease.py): one run at a time per log. On a local directory and, when the local
cloud is running (test/python-sdk.test.ts), on the OCI emulator: a second run refuses with the one line naming the
holder, an expired lease is taken over, --break-lease takes a live one, renewal keeps it ours, release frees it, and
of two runs taking a lease at once exactly one wins."""
import concurrent.futures
import datetime
import json
import os
import re

import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("lease", "oci_store")

TARGET = {"namespace": "ns", "bucket": "b", "prefix": "p/"}
LINE = re.compile(r"another run \((R\d) on (\S+), pid (\d+)\) holds the lease (\S+) until "
                  r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC; wait for it, or after a crash run again with --break-lease")


class Clock:
    def __init__(self):
        self.now = datetime.datetime(2026, 12, 7, 16, 0, 0)

    def __call__(self):
        return self.now


def cloud_available():
    return bool(os.environ.get("LAKE2OCI_OCI_ENDPOINT"))


@pytest.fixture(params=["local", "oci"])
def where(request, tmp_path):
    """A factory of leases on one log: local file, or an object in a fresh bucket of the OCI emulator."""
    if request.param == "local":
        location = {"path": str(tmp_path / "log.json")}
        client = None
        read = lambda: json.loads((tmp_path / "log.json.lease").read_text(encoding="utf-8"))  # noqa: E731
        exists = lambda: (tmp_path / "log.json.lease").exists()  # noqa: E731
    else:
        if not cloud_available():
            pytest.skip("the local cloud is not running (test/python-sdk.test.ts starts it)")
        cloud = LocalCloud()
        bucket = cloud.new_bucket("lease")
        location = {"namespace": cloud.namespace, "bucket": bucket, "object": "log/log.json"}
        client = cloud.oci

        def read():
            return json.loads(client.get_object(cloud.namespace, bucket, "log/log.json.lease").data.content)

        def exists():
            return [o["name"] for o in rt.list_target(client, cloud.namespace, bucket)] == ["log/log.json.lease"]

    clock = Clock()

    def make(run_id, seconds=60, host="h1", pid=100):
        return rt.Lease(location, run_id, TARGET, seconds=seconds, client=client, host=host, pid=pid, clock=clock,
                        retry_options={"max_attempts": 2, "base_delay": 0.01})

    make.clock = clock
    make.read = read
    make.exists = exists
    make.kind = request.param
    return make


def test_a_second_run_refuses_with_the_line_naming_the_holder(where):
    first = where("R1").acquire()
    assert where.read() == {"runId": "R1", "host": "h1", "pid": 100, "expires": "2026-12-07T16:01:00Z",
                            "target": TARGET}
    with pytest.raises(rt.LeaseHeld) as caught:
        where("R2", host="h2", pid=200).acquire()
    got = LINE.fullmatch(str(caught.value))
    assert got, str(caught.value)
    assert got.group(1, 2, 3, 5) == ("R1", "h1", "100", "2026-12-07 16:01:00")
    assert got.group(4).endswith("log.json.lease")
    assert where.read()["runId"] == "R1"
    first.release()
    assert not where.exists()
    where("R2").acquire().release()


def test_an_expired_lease_is_taken_over(where):
    where("R1", seconds=60).acquire()  # crashed: never renewed nor released
    where.clock.now += datetime.timedelta(seconds=61)
    second = where("R2").acquire()
    assert where.read()["runId"] == "R2"
    second.release()
    assert not where.exists()


def test_break_lease_takes_a_live_lease_and_the_old_holder_loses_it(where):
    first = where("R1").acquire()
    where("R2").acquire(break_lease=True)
    assert where.read()["runId"] == "R2"
    with pytest.raises(rt.LeaseLost):
        first.renew()
    first.release()  # not its lease any more: left alone
    assert where.read()["runId"] == "R2"


def test_renewal_moves_the_expiry_forward(where):
    lease = where("R1", seconds=60).acquire()
    where.clock.now += datetime.timedelta(seconds=45)
    lease.renew()
    assert where.read()["expires"] == "2026-12-07T16:01:45Z"
    where.clock.now += datetime.timedelta(seconds=30)  # past the first expiry, within the renewed one
    with pytest.raises(rt.LeaseHeld):
        where("R2").acquire()
    lease.release()


def test_the_renewing_thread_keeps_the_lease(where):
    lease = where("R1", seconds=4)
    lease.acquire().start_renewing()
    first = where.read()["expires"]
    where.clock.now += datetime.timedelta(seconds=30)
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=10)
    while where.read()["expires"] == first and datetime.datetime.now() < deadline:
        pass
    assert where.read()["expires"] == "2026-12-07T16:00:34Z"
    lease.check()
    lease.release()
    assert not where.exists()


def test_of_two_runs_taking_the_lease_at_once_one_wins(where):
    def take(run_id):
        try:
            where(run_id).acquire()
            return run_id
        except rt.LeaseHeld:
            return None

    for round_ in range(5):
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            winners = [w for w in pool.map(take, [f"R{2 * round_}", f"R{2 * round_ + 1}"]) if w]
        assert len(winners) == 1
        assert where.read()["runId"] == winners[0]
        where.clock.now += datetime.timedelta(seconds=61)  # the next round takes over the expired lease


def test_the_local_lease_file_is_private(tmp_path):
    rt.Lease({"path": str(tmp_path / "log.json")}, "R1", TARGET).acquire()
    assert os.stat(tmp_path / "log.json.lease").st_mode & 0o777 == 0o600
    assert sorted(os.listdir(tmp_path)) == ["log.json.lease"]
