"""Starts moto's S3 server on 127.0.0.1 with request signatures checked, for the local cloud (src/emulators/s3).

Run by the .venv's Python (moto[server] comes from scripts/requirements-dev.txt):
    python moto_server.py --port 0 --region eu-west-1 --bucket lake --credentials FILE

Before the server takes its first request, moto's IAM (in this process) gets one user whose inline policy allows s3:*,
with one access key, and one role with the same policy, assumed once through moto's STS for temporary credentials
with a session token. Then authentication is switched on for every request (INITIAL_NO_AUTH_ACTION_COUNT = 0): moto
answers a SigV4 signature made with another secret 403 SignatureDoesNotMatch, a key it never issued 403
InvalidAccessKeyId. The keys go to FILE (created with mode 0600), never to the output; the one line printed is
"listening <port>" once the server accepts connections. It stops on SIGTERM or when its stdin ends.
A line "latency <ms>" on stdin makes every request wait that long before it is handled (a cloud round trip, for
benchmarks; 0: off), as the ADLS gateway's and the OCI emulator's latency do.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import quote, unquote

from werkzeug.serving import WSGIRequestHandler

from moto import settings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMRequestBase, S3IAMRequest
from moto.iam.models import iam_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.s3.models import s3_backends
from moto.sts.models import sts_backends

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def canonical_target(target: str) -> str:
    """The path and query of a request as SigV4 canonicalizes them: each name and value URI-encoded once.

    S3 canonicalizes what it receives; moto hands the query to botocore as sent, so a client that sends
    `delimiter=/` and signs `delimiter=%2F` (OpenDAL does, and S3 accepts it) would be refused. Decoding and encoding
    again makes moto agree with S3; a request signed over something else is still refused.
    """
    path, _, query = target.partition("?")
    path = quote(unquote(path), safe="/~")
    if not query:
        return path
    pairs = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        pairs.append(quote(unquote(name), safe="~") + "=" + quote(unquote(value), safe="~"))
    return path + "?" + "&".join(pairs)


_create_aws_request = IAMRequestBase._create_aws_request


def _create_canonical_aws_request(self):  # type: ignore[no-untyped-def]
    self._path = canonical_target(self._path)
    return _create_aws_request(self)


_s3_request_init = S3IAMRequest.__init__


def _s3_request_signed_only(self, account_id, method, path, data, body, headers, action):  # type: ignore[no-untyped-def]
    """An S3 request without an Authorization header is answered 403 AccessDenied, as S3 answers an anonymous request
    to a private bucket (moto would fail on the missing header with a 500). Presigned URLs included: see
    docs/emulators.md."""
    if "Authorization" not in headers:
        self._data = data
        self._raise_access_denied()
    _s3_request_init(self, account_id, method, path, data, body, headers, action)


def issue_credentials(region: str) -> dict:
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    iam.create_user(region_name=region, user_name="lake2oci-local")
    iam.put_user_policy("lake2oci-local", "s3-all", POLICY)
    key = iam.create_access_key("lake2oci-local")
    role = iam.create_role(
        role_name="lake2oci-local-role",
        assume_role_policy_document=TRUST,
        path="/",
        permissions_boundary=None,
        description="lake2oci local cloud",
        tags=[],
        max_session_duration="43200",
    )
    iam.put_role_policy(role.name, "s3-all", POLICY)
    session = sts_backends[DEFAULT_ACCOUNT_ID]["aws"].assume_role(
        region_name=region,
        role_session_name="lake2oci-local",
        role_arn=role.arn,
        policy="",
        duration=43200,
        external_id="",
    )
    return {
        "accessKeyId": key.access_key_id,
        "secretAccessKey": key.secret_access_key,
        "session": {
            "accessKeyId": session.access_key_id,
            "secretAccessKey": session.secret_access_key,
            "sessionToken": session.session_token,
        },
    }


# Seconds every request waits before it is handled (set from stdin).
LATENCY = [0.0]


def _with_latency(handle):  # type: ignore[no-untyped-def]
    def run_wsgi(self):  # type: ignore[no-untyped-def]
        if LATENCY[0] > 0:
            time.sleep(LATENCY[0])
        return handle(self)

    return run_wsgi


def _read_commands(done: threading.Event) -> None:
    """stdin's lines ("latency <ms>"); its end stops the server."""
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "latency":
            LATENCY[0] = max(0.0, float(words[1]) / 1000)
    done.set()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--bucket", default="lake")
    parser.add_argument("--credentials", required=True)
    args = parser.parse_args()

    creds = issue_credentials(args.region)
    s3_backends[DEFAULT_ACCOUNT_ID]["aws"].create_bucket(args.bucket, args.region)
    fd = os.open(args.credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)

    IAMRequestBase._create_aws_request = _create_canonical_aws_request
    S3IAMRequest.__init__ = _s3_request_signed_only
    # From here on every request must be signed with a key issued above.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0

    WSGIRequestHandler.run_wsgi = _with_latency(WSGIRequestHandler.run_wsgi)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    print(f"listening {server.get_host_and_port()[1]}", flush=True)

    done = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: done.set())
    # The parent holds our stdin open: when it goes (even killed), stdin ends and the server stops with it.
    threading.Thread(target=_read_commands, args=(done,), daemon=True).start()
    done.wait()
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
