"""OpenDAL's errors as the Python stores meet them: its exceptions share no base class but Exception, and its file
objects raise OSError carrying the same text. Used by the stores on OpenDAL (local, s3, hdfs)."""

import re

import opendal
import opendal.exceptions

from .store import StoreNotFoundError

OPENDAL_ERRORS = tuple(v for v in vars(opendal.exceptions).values() if isinstance(v, type) and issubclass(v, Exception))
FAILURES = OPENDAL_ERRORS + (OSError,)
_KIND = re.compile(r"(\w+) \(")


def opendal_kind(err: BaseException) -> str:
    """NotFound, ConditionNotMatch, PermissionDenied, ...: the exception's class, or the word an OSError's text starts
    with; "" for anything else."""
    if type(err) in OPENDAL_ERRORS:
        return type(err).__name__
    match = _KIND.match(str(err))
    return match.group(1) if match else ""


def require_directory(op: "opendal.Operator", directory: str, description: str) -> None:
    """OpenDAL lists a missing directory as empty: the stores on a file system (local, hdfs) ask first, and a prefix
    that is no directory is StoreNotFoundError naming source.path."""
    if not op.stat(directory + "/").is_dir:
        raise StoreNotFoundError(f'{description}: "{directory}" is not a directory; check source.path')
