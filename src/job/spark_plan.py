# The diff as Spark computations (issue 11, deliverable 2): the source and target listings (and the equality state)
# are RDDs, joined by object name; every name is judged by the translated core's own steps (intake_source for each
# source, merge_step for each name with its sources and its object, tally_* for the totals, deletion_guard at the
# end), so the entries, errors and summary are those diff_listings gives for the same listings. The driver receives
# totals, errors, per-partition boundary names and a sample of names; the entries stay Spark data, in name order.
#
# Several independent plans can be computed at once (each record carries its plan id): the job makes one (id 0),
# the parity test thousands in one Spark job.
#
# What diff_listings does in one loop and where it happens here (four Spark jobs; no listing is read twice):
#   - options prepared (prepare_plan): on the driver, per plan; invalid options -> those errors alone
#   - target order checked (target_order_problem): per partition, and across partition boundaries on the driver;
#     a violation -> that one invalid-listing error alone, as diff_listings (job 1, which also samples names)
#   - intake of each source (directories, filters, name mapping, name problems): numbered (partition, position), so
#     that invalid-name errors come out in source listing order; tallied and sampled in the same pass (job 2)
#   - the merge: one shuffle by (plan, object name), range-partitioned on the sampled names; per name, its sources
#     in merge order (sort_sources) and its object (with its equality-state record applied) go through merge_step
#     once: the sequential merge meets every name in one step too, and a step depends on nothing but that name's
#     group and object; the steps tallied per partition (job 3); totals added up (add_summary), collisions in
#     object name order, then the deletion guard
#   - the entries: each partition's steps sorted by name (partition i holds names before partition i + 1's), so
#     the entries come out in object name order without a second shuffle (read by the caller: job 4)
import bisect
import random
import re

from lake2oci_core import (
    add_summary, apply_state, deletion_guard, empty_summary, intake_source, merge_step, prepare_plan, sort_sources,
    tally_error, tally_intake, tally_step, target_order_problem,
)

# Any code point at or above U+D800: a name holding one sorts by compare_names' remapped key (below).
_HIGH_CHAR = re.compile("[\ud800-\U0010ffff]")


def _unit_key(unit):
    if unit < 0xD800:
        return chr(unit)
    if unit >= 0xE000:
        return chr(unit - 0x800)
    return chr(unit + 0x2000)


def name_order_key(name):
    """A sort key whose plain order is compare_names' order as the TypeScript core defines it (UTF-16 units, each
    unit from U+D800 up remapped: surrogates above U+E000-U+FFFF): the name itself when it holds no code point from
    U+D800 up (then that order is Python's `<`), else its UTF-16 units remapped, one character each. Remapped units
    stay at or above U+D800 and the remapping is one to one, so every two keys compare as the names do, unpaired
    surrogates included."""
    if name.isascii() or _HIGH_CHAR.search(name) is None:
        return name
    data = name.encode("utf-16-be", "surrogatepass")
    return "".join(_unit_key(int.from_bytes(data[i:i + 2], "big")) for i in range(0, len(data), 2))


# Prepared plans per options mapping: (the mapping, kept so that its id is not reused, {plan id: prepared plan}).
_PREPARED = {}


def _prepared(plan_id, options_by_plan):
    """The prepared plan of `plan_id`, made once per Python process and options mapping (a prepared plan holds
    compiled globs, which are not shipped: the options are)."""
    held = _PREPARED.get(id(options_by_plan))
    if held is None:
        if len(_PREPARED) >= 4:
            _PREPARED.clear()
        held = _PREPARED[id(options_by_plan)] = (options_by_plan, {})
    prepared = held[1].get(plan_id)
    if prepared is None:
        prepared = held[1][plan_id] = prepare_plan(options_by_plan[plan_id])["plan"]
    return prepared


# Keys kept per partition (a reservoir) to cut the join into ranges of object names.
SAMPLE_PER_PARTITION = 64


class _Reservoir:
    """A fixed-size uniform sample of a partition's keys (Algorithm R), seeded by the partition index."""

    def __init__(self, index, size=SAMPLE_PER_PARTITION):
        self.keys = []
        self.seen = 0
        self.size = size
        self.random = random.Random(index)

    def add(self, key):
        self.seen += 1
        if len(self.keys) < self.size:
            self.keys.append(key)
        else:
            slot = self.random.randrange(self.seen)
            if slot < self.size:
                self.keys[slot] = key


def _order_scan(index, items):
    """Per partition of the target listing: for each plan, its first and last object name and its first order
    problem inside the partition ((name, message) or None); and a sample of its (plan, name key)s."""
    seen = {}
    sample = _Reservoir(index)
    for (plan_id, name), _target in items:
        sample.add((plan_id, name_order_key(name)))
        state = seen.get(plan_id)
        if state is None:
            seen[plan_id] = [name, name, None]
            continue
        if state[2] is None:
            problem = target_order_problem(state[1], name)
            if problem is not None:
                state[2] = (name, problem)
        state[1] = name
    yield index, seen, sample.keys


def _order_errors(scans):
    """{plan id: the invalid-listing error} for each plan whose target listing is not strictly in name order,
    found as diff_listings finds it (the first violation in listing order), from the partitions' scans."""
    last = {}
    found = {}
    for _index, seen, _sample in sorted(scans, key=lambda s: s[0]):
        for plan_id, (first, final, problem) in seen.items():
            if plan_id in found:
                continue
            if plan_id in last:
                across = target_order_problem(last[plan_id], first)
                if across is not None:
                    problem = (first, across)
            if problem is not None:
                found[plan_id] = {"kind": "invalid-listing", "names": [problem[0]], "message": problem[1]}
            last[plan_id] = final
    return found


def _intake_partition(options):
    """Each source through intake_source, numbered (partition index, position): listing order without a job."""
    def intake(index, items):
        for position, (plan_id, source) in enumerate(items):
            result = intake_source(source, _prepared(plan_id, options))
            yield plan_id, (index, position), result["kind"], result["source"], result["error"]
    return intake


def _intake_stats(index, items):
    """Per partition of the intake: {plan id: summary} of what intake did, its invalid-name errors (plan id,
    number, error), and a sample of the mapped sources' (plan, object name key)s."""
    summaries = {}
    errors = []
    sample = _Reservoir(index)
    for plan_id, number, kind, source, error in items:
        summary = summaries.get(plan_id)
        if summary is None:
            summary = summaries[plan_id] = empty_summary()
        tally_intake(summary, kind)
        if error is not None:
            tally_error(summary)
            errors.append((plan_id, number, error))
        if source is not None:
            sample.add((plan_id, name_order_key(source["targetName"])))
    yield summaries, errors, sample.keys


def _step_stats(items):
    """Per partition of the steps: {plan id: summary} and the collisions (plan id, name key, error)."""
    summaries = {}
    errors = []
    for plan_id, name, step in items:
        summary = summaries.get(plan_id)
        if summary is None:
            summary = summaries[plan_id] = empty_summary()
        tally_step(summary, step)
        if step["error"] is not None:
            errors.append((plan_id, name_order_key(name), step["error"]))
    yield summaries, errors


def range_bounds(keys, partitions):
    """partitions - 1 boundaries taken evenly from the sorted sample of keys (fewer when the sample is small)."""
    keys = sorted(set(keys))
    if partitions <= 1 or not keys:
        return []
    step = len(keys) / partitions
    bounds = []
    for i in range(1, partitions):
        key = keys[min(len(keys) - 1, int(i * step))]
        if not bounds or key > bounds[-1]:
            bounds.append(key)
    return bounds


def _range_partitioner(bounds):
    """The partition of a (plan id, object name) key: its range among the bounds, so that partition i holds names
    before partition i + 1's (what makes the entries come out sorted with a sort inside each partition only)."""
    def partition(key):
        return bisect.bisect_right(bounds, (key[0], name_order_key(key[1])))
    return partition


def _in_name_order(items):
    """A partition's steps sorted by (plan, object name key), then their entries keyed for the plan's order."""
    ordered = sorted(items, key=lambda s: (s[0], name_order_key(s[1])))
    for item in ordered:
        yield from _entries_of_step(item)


def _judge(options):
    """Per object name: its sources (in merge order) and its object, with its equality-state record applied,
    through merge_step. Returns (plan id, name, step), or None for a state record alone."""
    def judge(item):
        (plan_id, name), tagged = item
        sources = []
        target = None
        record = None
        for kind, value in tagged:
            if kind == 0:
                sources.append(value)
            elif kind == 1:
                target = value
            else:
                record = value
        if not sources and target is None:
            return None
        if target is not None and record is not None:
            target = apply_state(target, record)
        step = merge_step(sort_sources(sources) if len(sources) > 1 else sources, target,
                          _prepared(plan_id, options))
        return plan_id, name, step
    return judge


def _entries_of_step(item):
    plan_id, name, step = item
    key = name_order_key(name)
    if step["entry"] is not None:
        yield (plan_id, key, 0), step["entry"]
    if step["entries"] is not None:
        for seq, entry in enumerate(step["entries"]):
            yield (plan_id, key, seq), entry


class SparkDiff:
    """The result of diff_on_spark: per plan its summary and errors (on the driver), and its entries (an RDD)."""

    def __init__(self, summaries, errors, entries, cached):
        self.summaries = summaries
        self.errors = errors
        self.entries = entries
        self._cached = cached

    def entries_of(self, plan_id):
        """The plan's entries, in object name order (empty when the plan has errors of its options or listing)."""
        return self.entries.filter(lambda kv: kv[0][0] == plan_id).values()

    def unpersist(self):
        for rdd in self._cached:
            rdd.unpersist()


def diff_on_spark(sources, targets, options_by_plan, states=None, partitions=0):
    """The diff of each plan, as diff_listings computes it, on Spark.

    sources: RDD of (plan id, source entry), in listing order (only the order of invalid-name errors depends on it);
    targets: RDD of (plan id, target entry), each plan's in listing order, partition after partition;
    states: RDD of (plan id, equality state record) or None; options_by_plan: {plan id: plan options};
    partitions: for the join and the sort (0: the larger listing's partition count, at least the default
    parallelism)."""
    from pyspark import StorageLevel

    sc = sources.context
    summaries = {}
    errors = {}
    for plan_id, options in options_by_plan.items():
        prepared = prepare_plan(options)
        if prepared["errors"]:
            summary = empty_summary()
            for _ in prepared["errors"]:
                tally_error(summary)
            summaries[plan_id] = summary
            errors[plan_id] = list(prepared["errors"])
    # The targets are read twice (the order scan, the join): kept, so a listing is never made twice.
    keyed_targets = targets.map(lambda kv: ((kv[0], kv[1]["name"]), kv[1])).persist(StorageLevel.MEMORY_AND_DISK)
    scans = keyed_targets.mapPartitionsWithIndex(_order_scan).collect()
    for plan_id, error in _order_errors(scans).items():
        if plan_id in errors:
            continue
        summary = empty_summary()
        tally_error(summary)
        summaries[plan_id] = summary
        errors[plan_id] = [error]
    live = {plan_id: options for plan_id, options in options_by_plan.items() if plan_id not in errors}
    if partitions <= 0:
        partitions = max(sources.getNumPartitions(), targets.getNumPartitions(), sc.defaultParallelism)
    options = live  # small: shipped with each task

    def keep(kv):
        return kv[0] in options

    def keep_keyed(kv):
        return kv[0][0] in options

    intake = sources.filter(keep).mapPartitionsWithIndex(_intake_partition(options))
    intake = intake.persist(StorageLevel.MEMORY_AND_DISK)
    stats = intake.mapPartitionsWithIndex(_intake_stats).collect()
    sample = [key for scan in scans for key in scan[2] if key[0] in options]
    sample.extend(key for _summaries, _errors, keys in stats for key in keys)
    bounds = range_bounds(sample, partitions)
    tagged = intake.filter(lambda r: r[3] is not None).map(lambda r: ((r[0], r[3]["targetName"]), (0, r[3])))
    tagged = tagged.union(keyed_targets.filter(keep_keyed).map(lambda kv: (kv[0], (1, kv[1]))))
    if states is not None:
        tagged = tagged.union(states.filter(keep).map(lambda kv: ((kv[0], kv[1]["name"]), (2, kv[1]))))
    steps = tagged.groupByKey(len(bounds) + 1, _range_partitioner(bounds)).map(_judge(options)) \
        .filter(lambda s: s is not None).persist(StorageLevel.MEMORY_AND_DISK)
    step_stats = steps.mapPartitions(_step_stats).collect()

    invalid = []
    collisions = []
    totals = {}
    for part_summaries, part_errors, _keys in stats:
        for plan_id, summary in part_summaries.items():
            add_summary(totals.setdefault(plan_id, empty_summary()), summary)
        invalid.extend(part_errors)
    for part_summaries, part_errors in step_stats:
        for plan_id, summary in part_summaries.items():
            add_summary(totals.setdefault(plan_id, empty_summary()), summary)
        collisions.extend(part_errors)
    for plan_id in live:
        summary = empty_summary()
        if plan_id in totals:
            add_summary(summary, totals[plan_id])
        summaries[plan_id] = summary
        errors[plan_id] = []
    for plan_id, _number, error in sorted(invalid, key=lambda e: (e[0], e[1])):
        errors[plan_id].append(error)
    for plan_id, _key, error in sorted(collisions, key=lambda e: (e[0], e[1])):
        errors[plan_id].append(error)
    for plan_id in live:
        guard = deletion_guard(summaries[plan_id], prepare_plan(live[plan_id])["plan"])
        if guard is not None:
            errors[plan_id].append(guard)
            tally_error(summaries[plan_id])
    # Partition i holds names before partition i + 1's: a sort inside each partition puts every entry in order.
    entries = steps.mapPartitions(_in_name_order, preservesPartitioning=True)
    return SparkDiff(summaries, errors, entries, [keyed_targets, intake, steps])
