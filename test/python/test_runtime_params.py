"""parse_params (src/job/params.py): defaults overridden by Data Flow style `--name value` arguments."""
import pytest

from runtime_loader import load_runtime

rt = load_runtime("params")

DEFAULTS = {
    "bucket": "target-azure",
    "threads": 8,
    "part_size_mib": 8.0,
    "dry_run": False,
    "include": ["**"],
    "labels": {},
    "accountKey": "env:AZURE_STORAGE_KEY",
    "region": None,
}

CASES = [
    ("no arguments", [], {}),
    ("string", ["--bucket", "other"], {"bucket": "other"}),
    ("equals form", ["--bucket=a=b"], {"bucket": "a=b"}),
    ("int", ["--threads", "16"], {"threads": 16}),
    ("float", ["--part-size-mib", "16.5"], {"part_size_mib": 16.5}),
    ("bool alone", ["--dry-run"], {"dry_run": True}),
    ("bool alone then more", ["--dry-run", "--threads", "2"], {"dry_run": True, "threads": 2}),
    ("bool value", ["--dry-run", "false"], {"dry_run": False}),
    ("bool yes", ["--dry_run=yes"], {"dry_run": True}),
    ("underscore name", ["--part_size_mib", "4"], {"part_size_mib": 4.0}),
    ("camelCase name", ["--partSizeMib", "4"], {"part_size_mib": 4.0}),
    ("kebab for camelCase key", ["--account-key", "env:OTHER"], {"accountKey": "env:OTHER"}),
    ("list comma", ["--include", "a/**, b/*.parquet"], {"include": ["a/**", "b/*.parquet"]}),
    ("list json", ["--include", '["x,y", "z"]'], {"include": ["x,y", "z"]}),
    ("object json", ["--labels", '{"team": "data"}'], {"labels": {"team": "data"}}),
    ("none default is a string", ["--region", "us-ashburn-1"], {"region": "us-ashburn-1"}),
    ("empty string value", ["--bucket", ""], {"bucket": ""}),
    ("negative number value", ["--threads", "-1"], {"threads": -1}),
    ("last wins", ["--threads", "2", "--threads", "3"], {"threads": 3}),
]


@pytest.mark.parametrize("argv,changes", [(a, c) for _, a, c in CASES], ids=[n for n, _, _ in CASES])
def test_parses_arguments_over_defaults(argv, changes):
    want = dict(DEFAULTS)
    want.update(changes)
    got = rt.parse_params(argv, DEFAULTS)
    assert got == want
    assert {k: type(v) for k, v in got.items() if DEFAULTS[k] is not None} == \
        {k: type(v) for k, v in want.items() if DEFAULTS[k] is not None}


def test_does_not_change_the_defaults():
    defaults = dict(DEFAULTS)
    rt.parse_params(["--threads", "1"], defaults)
    assert defaults == DEFAULTS


ERRORS = [
    ("unknown", ["--bukket", "x"], "unknown argument --bukket; known: --account-key, --bucket, --dry-run, "
                                    "--include, --labels, --part-size-mib, --region, --threads"),
    ("positional", ["app.py"], "unexpected argument 'app.py'"),
    ("missing value", ["--threads"], "--threads needs a value"),
    ("missing value before next", ["--bucket", "--threads", "1"], "--bucket needs a value"),
    ("bad int", ["--threads", "many"], "--threads must be a whole number, got 'many'"),
    ("bad float", ["--part-size-mib", "big"], "--part-size-mib must be a number, got 'big'"),
    ("bad bool", ["--dry-run", "perhaps"], "--dry-run must be true or false, got 'perhaps'"),
    ("bad object", ["--labels", "[1]"], "--labels must be a JSON object"),
]


@pytest.mark.parametrize("argv,message", [(a, m) for _, a, m in ERRORS], ids=[n for n, _, _ in ERRORS])
def test_rejects_bad_arguments(argv, message):
    with pytest.raises(rt.ParamsError) as caught:
        rt.parse_params(argv, DEFAULTS)
    assert message in str(caught.value)


def test_values_of_secret_looking_parameters_are_not_echoed():
    with pytest.raises(rt.ParamsError) as caught:
        rt.parse_params(["--key-count", "hunter2-secret"], {"key_count": 1})
    assert "hunter2-secret" not in str(caught.value)
    assert "--key-count must be a whole number" in str(caught.value)


def test_help_lists_every_parameter():
    with pytest.raises(rt.ParamsHelp) as caught:
        rt.parse_params(["--threads", "2", "--help"], DEFAULTS, descriptions={"threads": "copies at a time"})
    text = caught.value.text
    assert text.startswith("usage: app.py [--job-file PATH] [--name value ...]")
    for option in ("--job-file", "--bucket", "--threads", "--part-size-mib", "--dry-run", "--include", "--account-key", "--help"):
        assert option in text
    assert "int, default 8: copies at a time" in text


def test_names_that_collide_are_refused():
    with pytest.raises(ValueError, match="same command-line name"):
        rt.parse_params([], {"dry_run": False, "dryRun": True})
