# One run at a time per log: a run holds a lease, `<log>.lease` beside the log (a file for LOCAL, an object beside the
# log object for DATAFLOW), holding {"runId", "host", "pid", "expires" (UTC ISO), "target": {"namespace", "bucket",
# "prefix"}}. It is taken with an exclusive create (a hard link of a complete temp file / put_object If-None-Match: *),
# renewed by a driver thread every lease-seconds/4 (conditional on being still ours), released at the end. A lease
# that expired (its run crashed) is taken over conditionally: only one of two runs doing so at once wins. A live lease
# held by another run makes this run refuse with LeaseHeld before it writes anything.
import datetime
import json
import os
import socket
import tempfile
import threading

import oci

from .retry import call_with_retry

LEASE_SUFFIX = ".lease"
DEFAULT_LEASE_SECONDS = 600
_EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class LeaseHeld(Exception):
    """Another live run holds the lease; the message is the one line to print (exit status 2)."""


class LeaseLost(Exception):
    """This run's lease was taken by another run (it expired, or was broken with --break-lease)."""


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _parse_expires(text):
    try:
        return datetime.datetime.strptime(str(text), _EXPIRES_FORMAT)
    except ValueError:
        return None


def lease_location(location):
    """The lease beside a log location ({"path"} or {"namespace", "bucket", "object"})."""
    loc = dict(location)
    if "object" in loc:
        loc["object"] = loc["object"] + LEASE_SUFFIX
    else:
        loc["path"] = os.path.abspath(loc["path"]) + LEASE_SUFFIX
    return loc


def lease_held_message(holder, where):
    expires = _parse_expires(holder.get("expires"))
    until = expires.strftime("%Y-%m-%d %H:%M:%S") if expires else str(holder.get("expires"))
    return (f"another run ({holder.get('runId')} on {holder.get('host')}, pid {holder.get('pid')}) holds the lease "
            f"{where} until {until} UTC; wait for it, or after a crash run again with --break-lease")


class Lease:
    """The lease of one run on one log. acquire() takes it or raises LeaseHeld; start_renewing() keeps it alive from
    a daemon thread; release() gives it back. `location` is the log's location; `target` names what the run writes."""

    def __init__(self, location, run_id, target, *, seconds=DEFAULT_LEASE_SECONDS, client=None, retry_options=None,
                 host=None, pid=None, clock=_utcnow):
        self.location = lease_location(location)
        self.run_id = str(run_id)
        self.target = dict(target)
        self.seconds = max(4, int(seconds))
        self.host = host or socket.gethostname()
        self.pid = int(pid if pid is not None else os.getpid())
        self._client = client
        self._retry_options = dict(retry_options or {})
        self._clock = clock
        self._etag = None
        self._held = False
        self._stop = threading.Event()
        self._thread = None
        self.lost = None
        if self._is_oci and client is None:
            raise ValueError("Lease: an OCI log location needs the OCI client")

    @property
    def _is_oci(self):
        return "object" in self.location

    @property
    def where(self):
        loc = self.location
        if self._is_oci:
            return f"oci://{loc['bucket']}@{loc['namespace']}/{loc['object']}"
        return loc["path"]

    def _body(self):
        expires = self._clock() + datetime.timedelta(seconds=self.seconds)
        return json.dumps({"runId": self.run_id, "host": self.host, "pid": self.pid,
                           "expires": expires.strftime(_EXPIRES_FORMAT), "target": self.target}) + "\n"

    def _live(self, holder):
        expires = _parse_expires(holder.get("expires")) if isinstance(holder, dict) else None
        return expires is not None and expires > self._clock()

    @staticmethod
    def _parse(text):
        try:
            value = json.loads(text)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    # ---- LOCAL: a file ----

    def _temp_with_body(self):
        directory = os.path.dirname(self.location["path"]) or "."
        os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".lake2oci-lease-", suffix=".tmp", dir=directory)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self._body())
            handle.flush()
            os.fsync(handle.fileno())
        return temp

    def _read_local(self):
        """(text, holder) of the lease file, or (None, None) when there is none."""
        try:
            with open(self.location["path"], encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            return None, None
        return text, self._parse(text)

    def _acquire_local(self, break_lease):
        path = self.location["path"]
        for _ in range(5):
            temp = self._temp_with_body()
            try:
                try:
                    # A hard link is an exclusive create of a file whose content is already whole.
                    os.link(temp, path)
                    return
                except FileExistsError:
                    pass
                text, holder = self._read_local()
                if text is None:
                    continue
                if self._live(holder) and not break_lease:
                    raise LeaseHeld(lease_held_message(holder, self.where))
                # Take over an expired (or broken) lease: move it aside (one of two runs doing so wins the rename),
                # check that what was moved is what was judged, then create ours exclusively.
                aside = f"{path}.{self.run_id}.old"
                try:
                    os.rename(path, aside)
                except FileNotFoundError:
                    continue
                try:
                    with open(aside, encoding="utf-8") as handle:
                        moved = handle.read()
                finally:
                    os.remove(aside)
                if moved != text:
                    # Another run renewed or took it between our read and the rename: put it back when we can.
                    holder = self._parse(moved)
                    if self._live(holder) and not break_lease:
                        restore = self._temp_holding(moved)
                        try:
                            os.link(restore, path)
                        except FileExistsError:
                            pass
                        finally:
                            os.remove(restore)
                        raise LeaseHeld(lease_held_message(holder, self.where))
                try:
                    os.link(temp, path)
                    return
                except FileExistsError:
                    continue
            finally:
                os.remove(temp)
        _, holder = self._read_local()
        raise LeaseHeld(lease_held_message(holder or {}, self.where))

    def _temp_holding(self, text):
        directory = os.path.dirname(self.location["path"]) or "."
        fd, temp = tempfile.mkstemp(prefix=".lake2oci-lease-", suffix=".tmp", dir=directory)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return temp

    def _renew_local(self):
        _, holder = self._read_local()
        if not holder or holder.get("runId") != self.run_id:
            raise LeaseLost(f"the lease {self.where} is no longer this run's "
                            f"(held by {(holder or {}).get('runId') or 'nobody'})")
        temp = self._temp_with_body()
        os.replace(temp, self.location["path"])

    def _release_local(self):
        _, holder = self._read_local()
        if holder and holder.get("runId") == self.run_id:
            try:
                os.remove(self.location["path"])
            except FileNotFoundError:
                pass

    # ---- DATAFLOW: an object ----

    def _call(self, fn, what):
        result, _ = call_with_retry(fn, what=what, **self._retry_options)
        return result

    def _put(self, **conditions):
        loc = self.location
        body = self._body().encode("utf-8")
        response = self._call(lambda: self._client.put_object(loc["namespace"], loc["bucket"], loc["object"], body,
                                                               content_length=len(body),
                                                               content_type="application/json", **conditions),
                              f"put_object {loc['object']}")
        self._etag = response.headers.get("etag")

    def _get_oci(self):
        """(etag, holder) of the lease object, or (None, None) when there is none."""
        loc = self.location
        try:
            response = self._call(lambda: self._client.get_object(loc["namespace"], loc["bucket"], loc["object"]),
                                  f"get_object {loc['object']}")
        except oci.exceptions.ServiceError as err:
            if err.status == 404:
                return None, None
            raise
        return response.headers.get("etag"), self._parse(response.data.content.decode("utf-8", errors="replace"))

    def _acquire_oci(self, break_lease):
        holder = None
        for _ in range(5):
            try:
                self._put(if_none_match="*")
                return
            except oci.exceptions.ServiceError as err:
                if err.status not in (409, 412):
                    raise
            etag, holder = self._get_oci()
            if etag is None:
                continue
            if self._live(holder) and not break_lease:
                raise LeaseHeld(lease_held_message(holder, self.where))
            try:
                self._put(if_match=etag)
                return
            except oci.exceptions.ServiceError as err:
                if err.status not in (409, 412):
                    raise
        raise LeaseHeld(lease_held_message(holder or {}, self.where))

    def _renew_oci(self):
        try:
            self._put(if_match=self._etag)
        except oci.exceptions.ServiceError as err:
            if err.status in (404, 409, 412):
                raise LeaseLost(f"the lease {self.where} is no longer this run's (it was taken or removed)") from None
            raise

    def _release_oci(self):
        loc = self.location
        try:
            self._call(lambda: self._client.delete_object(loc["namespace"], loc["bucket"], loc["object"],
                                                          if_match=self._etag),
                       f"delete_object {loc['object']}")
        except oci.exceptions.ServiceError as err:
            if err.status not in (404, 409, 412):
                raise

    # ---- the run's side ----

    def acquire(self, break_lease=False):
        """Takes the lease, or raises LeaseHeld naming the live holder. break_lease takes it even from a live holder
        (after a crash, when the holder is known to be gone)."""
        if self._is_oci:
            self._acquire_oci(break_lease)
        else:
            self._acquire_local(break_lease)
        self._held = True
        return self

    def renew(self):
        if not self._held:
            return
        if self._is_oci:
            self._renew_oci()
        else:
            self._renew_local()

    def start_renewing(self):
        """Renews the lease every seconds/4 from a daemon thread until release(); a renewal that finds the lease
        taken sets `lost` (the driver checks it before it commits and writes the log) and stops."""
        interval = self.seconds / 4

        def loop():
            while not self._stop.wait(interval):
                try:
                    self.renew()
                except LeaseLost as error:
                    self.lost = error
                    return
                except Exception:  # noqa: BLE001 - a failed renewal is retried at the next tick
                    continue

        self._thread = threading.Thread(target=loop, name="lake2oci-lease", daemon=True)
        self._thread.start()
        return self

    def check(self):
        """Raises LeaseLost when the renewing thread found the lease taken."""
        if self.lost is not None:
            raise self.lost

    def release(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if not self._held:
            return
        self._held = False
        if self._is_oci:
            self._release_oci()
        else:
            self._release_local()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False
