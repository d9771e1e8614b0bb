# Checks each native equivalent (codegen/shims/native.py) against its translated twin (`_translated_<name>`) on
# seeded random inputs, in Python, in the module as emitted (test/codegen/native-parity.test.ts runs it).
# Usage: python native_twins.py MODULE_DIR MODULE_NAME SEED COUNT NATIVE... [--mutate]
# Prints one JSON line: {"results": {NAME: {"cases": n, "differ": n, "example": "..."}}, "missing": [NAME...]}.
# `missing` lists natives this file has no input generator for (add one to GENERATORS). --mutate plants a bug in
# every native first (see MUTANTS), to show that the comparison catches one.
import copy
import importlib
import json
import operator
import random
import re
import sys

# Characters that tell code point order, UTF-16 order and byte counts apart, and what the natives send to their
# twins: ASCII around "/" and ".", the characters objectNameProblem refuses, Latin-1 and CJK (2 and 3 bytes), the
# last BMP character before the surrogates, U+E000-U+FFFF (U+FFFD among them), astral characters, unpaired
# surrogates (each end of both halves' ranges), and a surrogate pair written as two code points.
TRICKY = [
    "a", "b", "z", "A", "0", "/", ".", "-", " ", "*",
    "\x00", "\n", "\r", "\t", "\x7f",
    "é", "ÿ", "中",
    "\ud7ff", "\ue000", "\uf8ff", "\ufffd", "\uffff",
    "😀", "😁", "𝄞", "\U00010000", "\U0010ffff",
    "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00",
]
# Mostly clean names (the natives' own path): ASCII, then astral and U+E000-U+FFFF.
ASCII = ["a", "b", "/", ".", "-", "_", "0", "9", "x"]
CLEAN = ASCII + ["é", "中", "\ue000", "\ufffd", "\uffff", "😀", "\U0010ffff"]
SMALL = ["a", "b", "/", "😀", "\ufffd", "\ue000", "\ud800"]


def name(r: random.Random, longest: int = 12) -> str:
    kind = r.randrange(10)
    alphabet = ASCII if kind < 3 else CLEAN if kind < 6 else TRICKY
    text = "".join(r.choice(alphabet) for _ in range(r.randrange(longest + 1)))
    if r.randrange(40) == 0:
        # Around OCI's 1,024-byte limit: ASCII, 2-, 3- and 4-byte characters.
        unit = r.choice(["a", "é", "中", "😀", "ab/"])
        text = unit * (1024 // len(unit.encode("utf-8")) + r.randrange(-2, 3)) + text[: r.randrange(3)]
    return text


# Where UTF-16 order, the code point fix-up and code point order part: the first difference at one of these.
HIGH = ["\ud7ff", "\ue000", "\ufffd", "\uffff", "😀", "\U00010000", "\U0010ffff", "\ud800", "\udbff", "\udc00", "\udfff",
        "\ud83d\ude00", "\ud83d", "a"]


def pair(r: random.Random) -> tuple:
    a = name(r, 8)
    tie = r.randrange(6)
    if tie == 0:
        b = a
    elif tie == 1:
        b = a + name(r, 2)
    elif tie == 2 and a != "":
        i = r.randrange(len(a))
        b = a[:i] + r.choice(TRICKY) + a[i + 1 :]
    elif tie == 3:
        common = a[: r.randrange(4)]
        a = common + r.choice(HIGH) + name(r, 2)
        b = common + r.choice(HIGH) + name(r, 2)
    else:
        b = name(r, 8)
    return (a, b) if r.randrange(2) == 0 else (b, a)


def sources(r: random.Random) -> tuple:
    alphabet = SMALL if r.randrange(3) == 0 else ["a", "b", "/", "😀", "\ufffd"]
    items = []
    for _ in range(r.randrange(14)):
        if items and r.randrange(4) == 0:
            # Same target name (a collision group), or the very same names: only the input order tells them apart.
            other = r.choice(items)
            source_name = other["sourceName"] if r.randrange(2) == 0 else "".join(r.choice(alphabet) for _ in range(3))
            target_name = other["targetName"]
        else:
            source_name = "".join(r.choice(alphabet) for _ in range(r.randrange(4)))
            target_name = r.choice(["", "p/"]) + source_name
        items.append({"sourceName": source_name, "targetName": target_name, "size": r.randrange(3), "md5": ""})
    return (items,)


GLOB_PIECES = ["a", "b", "/", ".", "😀", "é", "\ufffd", "\ue000", "*", "*", "**", "**/", "?", "[ab]", "[!a]", "[^/]",
               "[a-z]", "[😀-😁]", "[\ue000-\uffff]", "[z-a]", "[", "]", "\\*", "\\", "-", "\ud800"]
GLOB_NAME = ["a", "b", "/", ".", "😀", "é", "\ufffd", "\ue000", "*", "z", "-", "\ud800", "\udc00"]


def glob_case(module, r: random.Random, globs: list) -> tuple:
    if not globs or r.randrange(4) == 0:
        pattern = "".join(r.choice(GLOB_PIECES) for _ in range(1 + r.randrange(6)))
        glob = module.compile_glob(pattern)
        if r.randrange(8) == 0 and glob["tokens"]:
            # The same pattern text with other tokens (built by hand): an automaton cached by pattern must not apply.
            glob = copy.deepcopy(glob)
            token = r.choice(glob["tokens"])
            token["negated"] = not token["negated"]
            token["kind"] = r.choice(["literal", "one", "class", "star", "globstar", "dirs"])
        globs.append(glob)
    glob = r.choice(globs)
    text = "".join(r.choice(GLOB_NAME) for _ in range(r.randrange(9)))
    return (glob, module._translated_code_points_of(text))


def generators(module):
    globs: list = []
    return {
        "compare_names": pair,
        "has_surrogates": lambda r: (name(r),),
        "utf8_length": lambda r: (name(r),),
        "object_name_problem": lambda r: (name(r),),
        "code_points_of": lambda r: (name(r),),
        "sort_sources": sources,
        "glob_matches_points": lambda r: glob_case(module, r, globs),
    }


def same(x, y) -> bool:
    """Equal values of the same types, all the way down (1 is not 1.0, True is not 1)."""
    if type(x) is not type(y):
        return False
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    if isinstance(x, dict):
        return list(x) == list(y) and all(same(x[k], y[k]) for k in x)
    return x == y


def outcome(fn, args):
    try:
        return ("ok", fn(*args))
    except Exception as error:  # noqa: BLE001 - an exception is an outcome both functions must share
        return ("error", type(error).__name__, str(error))


def agree(name_: str, native, twin, args) -> bool:
    before = copy.deepcopy(args)
    got = outcome(native, args)
    if not same(args, before):
        return False  # the native changed its input
    want = outcome(twin, copy.deepcopy(args) if name_ != "sort_sources" else args)
    if name_ == "sort_sources" and got[0] == "ok" and want[0] == "ok":
        # The same dicts in the same order (identity: equal entries are told apart by their input position).
        return [id(x) for x in got[1]] == [id(x) for x in want[1]]
    return same(got, want)


class SwappedOperator:
    """operator with itemgetter's keys reversed: sort_sources ordering by source name first."""

    @staticmethod
    def itemgetter(*keys):
        return operator.itemgetter(*reversed(keys))


def mutate(module) -> None:
    """Plants one plausible bug in each native: guards that let through what must go to the twin, a sort key in the
    wrong order, a wrong transition. (The twins call the public names, so sort_sources' twin would share a bug of
    compare_names: each native gets a bug of its own.)"""
    module._SURROGATE_CHAR = re.compile("(?!)")  # no name goes to the twin
    module._NAME_CHECK_CHAR = re.compile("[\x00\n\ud800-\udfff]")  # forgets CR
    module._SURROGATE_UNIT = re.compile("[\ud800-\udfff]")  # forgets astral characters
    module.operator = SwappedOperator
    step = module._glob_step
    module._glob_step = lambda tokens, live, inside, c: step(tokens, live, inside, 0x2F if c == 0x2E else c)
    module._GLOB_AUTOMATA.clear()


def main() -> int:
    directory, module_name, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    natives = [a for a in sys.argv[5:] if not a.startswith("--")]
    sys.path.insert(0, directory)
    module = importlib.import_module(module_name)
    if "--mutate" in sys.argv:
        mutate(module)
    makers = generators(module)
    results = {}
    for native_name in natives:
        maker = makers.get(native_name)
        if maker is None:
            continue
        r = random.Random(f"{seed}:{native_name}")
        native = getattr(module, native_name)
        twin = getattr(module, "_translated_" + native_name.lstrip("_"))
        differ = 0
        example = ""
        for _ in range(count):
            args = maker(r)
            if not agree(native_name, native, twin, args):
                differ += 1
                if example == "":
                    example = (
                        f"{native_name}{ascii(args)[:400]}: native {ascii(outcome(native, copy.deepcopy(args)))[:300]}, "
                        f"translation {ascii(outcome(twin, copy.deepcopy(args)))[:300]}"
                    )
        results[native_name] = {"cases": count, "differ": differ, "example": example}
    missing = [n for n in natives if n not in makers]
    sys.stdout.write(json.dumps({"results": results, "missing": missing}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
