"""Plan files in the job (src/job/plan_file.py), the format of src/planner/plan-file.ts: written whole or not
at all with a padded header, read back streamed, a truncated or altered file refused, the header checked against the
run (one line naming the field). Local files, and objects on the OCI emulator when the local cloud runs
(test/python-sdk.test.ts). The cross-language round trip is test/planner/plan-file-python.test.ts."""
import json
import os

import pytest

from runtime_loader import LocalCloud, load_runtime

rt = load_runtime("plan_file")

OPTIONS = {"targetPrefix": "lake/", "include": [], "exclude": ["*.tmp"], "compare": "size-md5", "mirror": False,
           "maxDeletions": 1000}
META = {"source": {"type": "adls", "account": "acct", "fileSystem": "fs", "path": "raw"},
        "target": {"namespace": "ns", "bucket": "b", "prefix": "lake/"}, "runId": "R1", "createdBy": "app.py"}
SUMMARY = {"new": {"files": 1, "bytes": 3}, "update": {"files": 1, "bytes": 5}, "equal": {"files": 0, "bytes": 0},
           "targetOnly": {"files": 0, "bytes": 0}, "copy": {"files": 2, "bytes": 8}, "delete": {"files": 0, "bytes": 0},
           "errors": 0, "directories": 1, "excluded": 0, "outOfScope": 0}
ENTRIES = [
    {"sourceName": "raw/a.csv", "sourceSize": 3, "sourceVersion": "0x8D1", "targetName": "lake/a.csv",
     "targetSize": None, "status": "new", "action": "copy", "evidence": "absent", "reason": "no object"},
    {"sourceName": "raw/é 1.csv", "sourceSize": 5, "targetName": "lake/é 1.csv", "targetSize": 4, "targetMd5": "x==",
     "status": "update", "action": "copy", "evidence": "size", "reason": "size differs"},
]


def write(location, entries=ENTRIES, errors=(), summary=SUMMARY, client=None):
    return rt.write_plan(location, entries, errors, summary, OPTIONS, META, client=client)


def test_a_plan_round_trips_with_a_padded_header(tmp_path):
    path = tmp_path / "plan.jsonl"
    assert write({"path": str(path)}) == str(path)
    lines = path.read_bytes().split(b"\n")
    header = json.loads(lines[0])
    assert lines[0].endswith(b" ") and len(lines[0]) > len(json.dumps(header))
    assert header == {"kind": "lake2oci-plan", "version": 1, "valid": True, "entries": 2, "errors": 0,
                      "summary": SUMMARY, "options": OPTIONS, "meta": META}
    assert lines[1].decode() == json.dumps(ENTRIES[0], separators=(",", ":"))
    assert "é 1.csv" in lines[2].decode()
    with rt.read_plan(rt.parse_plan_location(str(path))) as plan:
        assert plan.header == header
        assert list(plan.records()) == [{"entry": e} for e in ENTRIES]
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["plan.jsonl"]


def test_errors_come_after_the_entries_and_make_the_plan_invalid(tmp_path):
    path = tmp_path / "plan.jsonl"
    error = {"kind": "collision", "names": ["A", "a"], "message": "A and a both map to a"}
    write({"path": str(path)}, errors=[error], summary=dict(SUMMARY, errors=1))
    with rt.read_plan({"path": str(path)}) as plan:
        assert plan.header["valid"] is False
        assert list(plan.records())[-1] == {"error": error}
        with pytest.raises(rt.PlanFileError, match=r"is invalid \(1 plan errors\)"):
            rt.check_plan(plan.header, META, OPTIONS, plan.where)


@pytest.mark.parametrize("cut,want", [(-1, "truncated or altered: its header announces 2 entries and 0 errors, the "
                                            "file holds 1 and 0; make the plan again"),
                                      (0, "is empty: make the plan again")], ids=["last line", "everything"])
def test_a_truncated_plan_is_refused(tmp_path, cut, want):
    path = tmp_path / "plan.jsonl"
    write({"path": str(path)})
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:cut] if cut else []), encoding="utf-8")
    with pytest.raises(rt.PlanFileError, match=want):
        with rt.read_plan({"path": str(path)}) as plan:
            plan.entries()


def test_not_a_plan_is_refused_with_its_reason(tmp_path):
    path = tmp_path / "plan.jsonl"
    path.write_text('{"kind":"other"}\n', encoding="utf-8")
    with pytest.raises(rt.PlanFileError, match='the first line is not a lake2oci plan header \\(kind "other"\\)'):
        rt.read_plan({"path": str(path)})
    with pytest.raises(rt.PlanFileError, match="cannot be read"):
        rt.read_plan({"path": str(tmp_path / "none.jsonl")})


@pytest.mark.parametrize("change,field", [
    (lambda m, o: m["source"].update(account="other"), "source.account"),
    (lambda m, o: m["source"].update(path="elsewhere"), "source.path"),
    (lambda m, o: m["target"].update(bucket="b2"), "target.bucket"),
    (lambda m, o: o.update(compare="md5"), "options.compare"),
    (lambda m, o: o.update(exclude=[]), "options.exclude"),
])
def test_a_plan_made_for_something_else_names_the_field(change, field):
    meta = json.loads(json.dumps(META))
    options = dict(OPTIONS)
    change(meta, options)
    header = {"meta": META, "options": OPTIONS, "valid": True}
    with pytest.raises(rt.PlanMismatch) as caught:
        rt.check_plan(header, meta, options, "p.jsonl")
    message = str(caught.value)
    assert message.startswith(f"plan p.jsonl was made for {field} ") and "\n" not in message
    assert message.endswith("; plan again, or run with the plan's settings")
    rt.check_plan(header, META, OPTIONS, "p.jsonl")


def test_plan_locations():
    assert rt.parse_plan_location("oci://b@ns/plans/p.jsonl") == {"namespace": "ns", "bucket": "b",
                                                                 "object": "plans/p.jsonl"}
    with pytest.raises(rt.PlanFileError, match="oci://bucket@namespace/object"):
        rt.parse_plan_location("oci://b/p.jsonl")
    assert rt.plan_location_for_log({"path": "/l/migration-log.R1.json"}) == {"path": "/l/migration-log.R1.plan.jsonl"}
    assert rt.plan_location_for_log({"namespace": "n", "bucket": "b", "object": "log/x.R1.json"})["object"] == \
        "log/x.R1.plan.jsonl"


def test_a_plan_as_an_object_round_trips():
    if not os.environ.get("LAKE2OCI_OCI_ENDPOINT"):
        pytest.skip("the local cloud is not running (test/python-sdk.test.ts starts it)")
    cloud = LocalCloud()
    bucket = cloud.new_bucket("plan")
    where = f"oci://{bucket}@{cloud.namespace}/plans/p.jsonl"
    assert write(rt.parse_plan_location(where), client=cloud.oci) == where
    with rt.read_plan(rt.parse_plan_location(where), client=cloud.oci) as plan:
        assert plan.header["entries"] == 2
        assert plan.entries() == (ENTRIES, [])
        temp = plan.path
    assert not os.path.exists(temp)
    with pytest.raises(rt.PlanFileError, match="does not exist"):
        rt.read_plan(rt.parse_plan_location(f"oci://{bucket}@{cloud.namespace}/none"), client=cloud.oci)
