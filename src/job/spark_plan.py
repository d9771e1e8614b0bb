# The diff as Spark computations (issue 11, deliverable 2): the source and target listings (and the equality state)
# are RDDs, joined by object name; every name is judged by the translated core's own steps (intake_source for each
# source, merge_step for each name with its sources and its object, tally_* for the totals, deletion_guard at the
# end), so the entries, errors and summary are those diff_listings gives for the same listings. The driver receives
# totals, errors and per-partition boundary names; the entries stay Spark data, sorted by object name.
#
# Several independent plans can be computed at once (each record carries its plan id): the job makes one (id 0),
# the parity test thousands in one Spark job.
#
# What diff_listings does in one loop and where it happens here:
#   - options prepared (prepare_plan): on the driver, per plan; invalid options -> those errors alone
#   - target order checked (target_order_problem): per partition, and across partition boundaries on the driver;
#     a violation -> that one invalid-listing error alone, as diff_listings
#   - intake of each source (directories, filters, name mapping, name problems): map, numbered by listing order
#     (zipWithIndex) so that invalid-name errors come out in source listing order
#   - the merge: a cogroup by (plan, object name); per name, its sources in merge order (sort_sources) and its object
#     (with its equality-state record applied) go through merge_step once: the sequential merge meets every name in
#     one step too, and a step depends on nothing but that name's group and object
#   - totals: tallied per partition, added up (add_summary); collisions sorted by object name; the deletion guard
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


def _order_scan(index, items):
    """Per partition of the target listing: for each plan, its first and last object name and its first order
    problem inside the partition ((name, message) or None)."""
    seen = {}
    for plan_id, target in items:
        name = target["name"]
        state = seen.get(plan_id)
        if state is None:
            seen[plan_id] = [name, name, None]
            continue
        if state[2] is None:
            problem = target_order_problem(state[1], name)
            if problem is not None:
                state[2] = (name, problem)
        state[1] = name
    yield index, seen


def target_order_errors(targets):
    """{plan id: the invalid-listing error} for each plan whose target listing is not strictly in name order,
    found as diff_listings finds it (the first violation in listing order)."""
    scans = sorted(targets.mapPartitionsWithIndex(_order_scan).collect(), key=lambda s: s[0])
    last = {}
    found = {}
    for _index, seen in scans:
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
    def intake(items):
        for (plan_id, source), index in items:
            result = intake_source(source, _prepared(plan_id, options))
            yield plan_id, index, result["kind"], result["source"], result["error"]
    return intake


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


def _summary_partition(items):
    """Per partition: {plan id: summary} of the intake results or steps in it."""
    summaries = {}
    for item in items:
        plan_id = item[0]
        summary = summaries.get(plan_id)
        if summary is None:
            summary = summaries[plan_id] = empty_summary()
        if len(item) == 3:  # a merge step
            tally_step(summary, item[2])
        else:  # an intake result
            tally_intake(summary, item[2])
            if item[4] is not None:
                tally_error(summary)
    return list(summaries.items())


def _entries_of_step(item):
    plan_id, name, step = item
    key = name_order_key(name)
    if step["entry"] is not None:
        yield (plan_id, key, 0), step["entry"]
    if step["entries"] is not None:
        for seq, entry in enumerate(step["entries"]):
            yield (plan_id, key, seq), entry


def _merge_summaries(a, b):
    add_summary(a, b)
    return a


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
    for plan_id, error in target_order_errors(targets).items():
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

    intake = sources.filter(keep).zipWithIndex().mapPartitions(_intake_partition(options))
    intake = intake.persist(StorageLevel.MEMORY_AND_DISK)
    tagged = intake.filter(lambda r: r[3] is not None).map(lambda r: ((r[0], r[3]["targetName"]), (0, r[3])))
    tagged = tagged.union(targets.filter(keep).map(lambda kv: ((kv[0], kv[1]["name"]), (1, kv[1]))))
    if states is not None:
        tagged = tagged.union(states.filter(keep).map(lambda kv: ((kv[0], kv[1]["name"]), (2, kv[1]))))
    steps = tagged.groupByKey(partitions).map(_judge(options)).filter(lambda s: s is not None)
    steps = steps.persist(StorageLevel.MEMORY_AND_DISK)

    totals = intake.mapPartitions(_summary_partition).union(steps.mapPartitions(_summary_partition)) \
        .reduceByKey(_merge_summaries).collectAsMap()
    invalid = intake.filter(lambda r: r[4] is not None).map(lambda r: (r[0], r[1], r[4])).collect()
    collisions = steps.filter(lambda s: s[2]["error"] is not None) \
        .map(lambda s: (s[0], name_order_key(s[1]), s[2]["error"])).collect()
    for plan_id in live:
        summary = empty_summary()
        if plan_id in totals:
            add_summary(summary, totals[plan_id])
        summaries[plan_id] = summary
        errors[plan_id] = []
    for plan_id, _index, error in sorted(invalid, key=lambda e: (e[0], e[1])):
        errors[plan_id].append(error)
    for plan_id, _key, error in sorted(collisions, key=lambda e: (e[0], e[1])):
        errors[plan_id].append(error)
    for plan_id in live:
        guard = deletion_guard(summaries[plan_id], prepare_plan(live[plan_id])["plan"])
        if guard is not None:
            errors[plan_id].append(guard)
            tally_error(summaries[plan_id])
    entries = steps.flatMap(_entries_of_step).sortByKey(numPartitions=partitions)
    return SparkDiff(summaries, errors, entries, [intake, steps])
