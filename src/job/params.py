# Parameters of the Spark job: the defaults embedded at build time (a dict the generator writes), each overridable on
# the command line the way an OCI Data Flow Application passes its parameters (`--name ${value}`), also as
# `--name=value`. A name may be written with dashes or underscores, or in camelCase: --dry-run, --dry_run and
# --dryRun are the same parameter. Values are coerced to the type of the default; a bool may be given alone
# (`--dry-run` means true). Secret fields hold references (env:/file:/vault:), never secrets; values of parameters
# whose names look secret are never echoed in messages anyway.
import json
import re

_SECRET_NAME = re.compile(r"(?i)(secret|key|password|token|sas|credential)")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ParamsError(Exception):
    """A command-line argument is unknown or has a value of the wrong type. The message names the argument."""


class ParamsHelp(Exception):
    """--help was given: `text` is the usage to print (then exit 0)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def _normal(name):
    return re.sub(r"[-_]", "", name).lower()


def _option(name):
    """The documented spelling of a parameter: --kebab-case."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    return "--" + spaced.replace("_", "-").lower()


def _type_name(default):
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "number"
    if isinstance(default, list):
        return "list"
    if isinstance(default, dict):
        return "object"
    return "string"


def _shown(name, value):
    return "(value not shown)" if _SECRET_NAME.search(name) else repr(value)


def _coerce(name, raw, default):
    kind = _type_name(default)
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ParamsError(f"{_option(name)} must be true or false, got {_shown(name, raw)}")
    if kind == "int":
        try:
            return int(raw.strip())
        except ValueError:
            raise ParamsError(f"{_option(name)} must be a whole number, got {_shown(name, raw)}") from None
    if kind == "number":
        try:
            return float(raw.strip())
        except ValueError:
            raise ParamsError(f"{_option(name)} must be a number, got {_shown(name, raw)}") from None
    if kind == "list":
        text = raw.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise ParamsError(f"{_option(name)} must be a JSON array or comma-separated values") from None
            if not isinstance(value, list):
                raise ParamsError(f"{_option(name)} must be a JSON array or comma-separated values")
            return value
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "object":
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ParamsError(f"{_option(name)} must be a JSON object") from None
        if not isinstance(value, dict):
            raise ParamsError(f"{_option(name)} must be a JSON object")
        return value
    return raw


def params_help(defaults, descriptions=None, prog="app.py"):
    """The usage text: every parameter with its type, default and description."""
    descriptions = descriptions or {}
    lines = [f"usage: {prog} [--job-file PATH] [--name value ...]", "",
             "Each parameter overrides the job file's value and the default built into this job.", ""]
    width = max([len(_option(name)) for name in defaults] + [6])
    for name in sorted(defaults, key=_option):
        default = defaults[name]
        shown = json.dumps(default, ensure_ascii=False) if not isinstance(default, str) else repr(default)
        text = descriptions.get(name, "")
        lines.append(f"  {_option(name).ljust(width)}  {_type_name(default)}, default {shown}"
                     + (f": {text}" if text else ""))
    lines.append(f"  {'--job-file'.ljust(width)}  path: a job file (JSON object of parameter values, written by `lake2oci build`"
                 " or `lake2oci run`) over the defaults; default: lake2oci-job.json beside app.py or in the archive")
    lines.append(f"  {'--help'.ljust(width)}  show this text")
    return "\n".join(lines)


def parse_params(argv, defaults, *, descriptions=None, prog="app.py"):
    """The parameters: `defaults` overridden by `argv` (the arguments after the program name). Raises ParamsHelp for
    --help, ParamsError for an unknown argument (listing the known ones), a missing or mistyped value."""
    by_normal = {}
    for name in defaults:
        normal = _normal(name)
        if normal in by_normal:
            raise ValueError(f"parameters {by_normal[normal]!r} and {name!r} have the same command-line name")
        by_normal[normal] = name
    values = dict(defaults)
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in ("--help", "-h"):
            raise ParamsHelp(params_help(defaults, descriptions, prog))
        if not arg.startswith("--") or arg == "--":
            raise ParamsError(f"unexpected argument {arg!r}: parameters are given as --name value "
                              f"(see {prog} --help)")
        key, has_value, inline = arg[2:].partition("=")
        name = by_normal.get(_normal(key))
        if name is None:
            known = ", ".join(sorted(_option(n) for n in defaults))
            raise ParamsError(f"unknown argument --{key}; known: {known}")
        default = defaults[name]
        if has_value:
            raw = inline
        elif i < len(args) and not (args[i].startswith("--") and len(args[i]) > 2):
            raw = args[i]
            i += 1
        elif isinstance(default, bool):
            raw = "true"
        else:
            raise ParamsError(f"{_option(name)} needs a value")
        values[name] = _coerce(name, raw, default)
    return values
