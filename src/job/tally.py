"""The run's summary from mergeable pieces: a RecordTally holds what the summary table and the exit status need of
the run's log records (O(outcome x status groups) plus at most FAILED_LISTED failures), so the records can stay on
the executors (one tally per partition, merged on the driver) instead of in one list on the driver.

    tally = RecordTally(); tally.add(record) ...; tally.merge(other)   # other tallies, in record order
    tally.table() == summary_table(records)                            # with at most FAILED_LISTED failures

On Spark: rdd.aggregate(RecordTally(), lambda t, r: t.add(r), lambda a, b: a.merge(b)) (plain attributes: picklable).
"""
import datetime

from .log import DATE_FORMAT, _human_bytes, format_run_time

FAILED_LISTED = 20


class RecordTally:
    """Counts of a run's records, mergeable: per (outcome, status) files and bytes (source_size, else targe_size,
    as summary_table counts them); the copied files' count, bytes (source_size) and earliest start / latest end; the
    failed count and the first FAILED_LISTED failures (name, error, attempts) in the order added or merged; the
    stopped count and bytes (source_size); the number of records."""

    def __init__(self):
        self.groups = {}          # (outcome, status) -> [files, bytes]
        self.records = 0
        self.copied = 0
        self.copied_bytes = 0
        self.first_start = None   # datetime of the earliest start_date of a copied record
        self.last_end = None      # datetime of the latest end_date of a copied record
        self.failed = 0
        self.failures = []        # [(name, error, attempts)], the first FAILED_LISTED failed records
        self.stopped = 0
        self.stopped_bytes = 0

    def add(self, record):
        """Counts one log record; returns self."""
        outcome = record.get("outcome")
        key = (outcome or "", record.get("status") or "")
        size = int(record.get("source_size") or record.get("targe_size") or 0)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = [1, size]
        else:
            group[0] += 1
            group[1] += size
        self.records += 1
        if outcome == "copied":
            self.copied += 1
            self.copied_bytes += int(record.get("source_size") or 0)
            if record.get("start_date"):
                start = datetime.datetime.strptime(record["start_date"], DATE_FORMAT)
                if self.first_start is None or start < self.first_start:
                    self.first_start = start
            if record.get("end_date"):
                end = datetime.datetime.strptime(record["end_date"], DATE_FORMAT)
                if self.last_end is None or end > self.last_end:
                    self.last_end = end
        elif outcome == "failed":
            self.failed += 1
            if len(self.failures) < FAILED_LISTED:
                self.failures.append((record.get("source_name") or record.get("targe_name"), record.get("error"),
                                      record.get("attempts")))
        elif outcome == "stopped":
            self.stopped += 1
            self.stopped_bytes += int(record.get("source_size") or 0)
        return self

    def merge(self, other):
        """Adds another tally's counts, its records taken as coming after this one's (the failures listed keep
        that order); returns self."""
        if other is self:
            raise ValueError("RecordTally.merge: a tally cannot be merged with itself")
        for key, (files, size) in other.groups.items():
            group = self.groups.get(key)
            if group is None:
                self.groups[key] = [files, size]
            else:
                group[0] += files
                group[1] += size
        self.records += other.records
        self.copied += other.copied
        self.copied_bytes += other.copied_bytes
        if other.first_start is not None and (self.first_start is None or other.first_start < self.first_start):
            self.first_start = other.first_start
        if other.last_end is not None and (self.last_end is None or other.last_end > self.last_end):
            self.last_end = other.last_end
        self.failed += other.failed
        room = FAILED_LISTED - len(self.failures)
        if room > 0:
            self.failures.extend(other.failures[:room])
        self.stopped += other.stopped
        self.stopped_bytes += other.stopped_bytes
        return self

    def table(self):
        """summary_table's text for the records counted: files and bytes per outcome and status, the copies'
        throughput, the failures with their errors and attempts (the first FAILED_LISTED, then how many more)."""
        rows = [("outcome", "status", "files", "bytes")]
        for (outcome, status), (files, size) in sorted(self.groups.items()):
            rows.append((outcome, status, str(files), _human_bytes(size)))
        total_bytes = sum(size for _, size in self.groups.values())
        rows.append(("total", "", str(self.records), _human_bytes(total_bytes)))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = []
        for n, row in enumerate(rows):
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                     row[3].rjust(widths[3])]
            lines.append("  ".join(cells).rstrip())
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        if self.copied:
            if self.first_start is not None and self.last_end is not None:
                wall = max(1.0, (self.last_end - self.first_start).total_seconds() + 1)
            else:
                wall = 1.0
            lines.append(f"copied {self.copied} files, {_human_bytes(self.copied_bytes)} in about "
                         f"{format_run_time(wall)}: {_human_bytes(self.copied_bytes / wall)}/s")
        if self.failed:
            lines.append(f"{self.failed} failed:")
            for name, error, attempts in self.failures:
                lines.append(f"  {name}: {error or 'unknown error'} (attempts: {attempts})")
            if self.failed > len(self.failures):
                lines.append(f"  ... and {self.failed - len(self.failures)} more (see the log)")
        return "\n".join(lines)


def tally_records(records):
    """The RecordTally of a list (or any iterable) of log records."""
    tally = RecordTally()
    for record in records or ():
        tally.add(record)
    return tally
