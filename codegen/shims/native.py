# Native equivalents: hand-written Python for a short list of core functions whose translation is exact but slow
# (it walks names one UTF-16 code unit at a time through the _js_* shims). codegen/emit-core.ts emits the translated
# function under a private name (`_translated_<name>`) and the block below under the public name, so every caller in
# the core and in the runtime gets the native one, and the translation stays in app.py as what src/core says.
#
# Block headers (read by codegen/emit-core.ts; the text up to the next header is copied into app.py):
#   # native: NAME (SOURCE FILE) pin: HASH [needs: HELPER ...] [imports: MODULE ...]
#       replaces the translation of the function NAME of SOURCE FILE (Python names); HASH fingerprints the
#       translation it was checked against (nativePin in codegen/emit-core.ts; test/codegen/native-parity.test.ts
#       fails when the translation changes, so that the native is looked at again)
#   # native-helper: NAME [needs: HELPER ...] [imports: MODULE ...]
#       module-level code natives share, emitted once before the translated core's files
#
# The rule every native keeps: it returns exactly what its translated twin returns, for every input of the
# declared types, or it calls the twin. Each block says why. test/codegen/native-parity.test.ts checks each native
# against its twin on random inputs (ASCII, astral characters, unpaired surrogates, U+FFFD, U+E000-U+FFFF,
# controls, long names), and the parity tests run the emitted module, natives included, against TypeScript.
#
# The common fact: a Python str holding no code point in U+D800-U+DFFF is a sequence of Unicode scalar values; its
# UTF-16 form (what the twins walk) is well formed, with each astral character as a surrogate pair. For such
# strings, UTF-16 order with the code point fix-up (compareNames) is code point order, which is Python's own `<`,
# and the UTF-8 length is len(s.encode("utf-8")). A str with a code point in U+D800-U+DFFF (an unpaired surrogate,
# or the two halves of a pair as two code points) goes to the twin.
#
# This file is not a module of its own: the blocks use the translated core's names.

# native-helper: patterns imports: re
# Any code point in U+D800-U+DFFF: a string with one goes to the translated twin.
_SURROGATE_CHAR = re.compile("[\ud800-\udfff]")
# Any code point that is a UTF-16 surrogate unit in JavaScript: U+D800-U+DFFF, or astral (a surrogate pair).
_SURROGATE_UNIT = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
# What objectNameProblem has to look at one character at a time: NUL, LF, CR and U+D800-U+DFFF.
_NAME_CHECK_CHAR = re.compile("[\x00\n\r\ud800-\udfff]")


# native: compare_names (src/core/compare-names.ts) pin: 24836ca6b396 needs: patterns
# Equal to the twin: both return 0 when a == b. Otherwise, when neither name holds a code point in U+D800-U+DFFF,
# both UTF-16 forms are well formed and compareNames (first differing unit, surrogates moved above U+E000-U+FFFF)
# orders them by code point, as Python's `<` does; a != b, so the result is -1 or 1 as the twin's. Any other
# name goes to the twin.
def compare_names(a: str, b: str) -> float:
    """Negative when `a` sorts before `b`, 0 when equal, positive after; code point (= UTF-8 byte) order."""
    if a == b:
        return 0
    if (a.isascii() or _SURROGATE_CHAR.search(a) is None) and (b.isascii() or _SURROGATE_CHAR.search(b) is None):
        return -1 if a < b else 1
    return _translated_compare_names(a, b)


# native: has_surrogates (src/core/compare-names.ts) pin: e99d082e37a3 needs: patterns
# Equal to the twin for every str: the twin looks for a unit in U+D800-U+DFFF in the UTF-16 form (_u16), which
# holds one exactly where the str holds a code point in U+D800-U+DFFF (kept as it is) or an astral code point
# (written as a pair). No fallback is needed.
def has_surrogates(name: str) -> bool:
    """True when `name` holds a UTF-16 surrogate unit (an astral character or an unpaired surrogate)."""
    return not name.isascii() and _SURROGATE_UNIT.search(name) is not None


# native: utf8_length (src/core/utf8-length.ts) pin: 937568bcd28b needs: patterns
# Equal to the twin for names without a code point in U+D800-U+DFFF: the twin counts 1, 2 or 3 bytes for each BMP
# unit below 0x80, 0x800 and 0x10000 and 4 for each surrogate pair, which is UTF-8's length of each code point.
# Other names go to the twin (it counts an unpaired surrogate 3 bytes and a pair split into two code points 4).
def utf8_length(text: str) -> float:
    """Bytes `text` takes in UTF-8. An unpaired surrogate counts 3 bytes."""
    if text.isascii():
        return len(text)
    if _SURROGATE_CHAR.search(text) is None:
        return len(text.encode("utf-8"))
    return _translated_utf8_length(text)


# native: object_name_problem (src/core/object-name.ts) pin: 59593dbb56fa needs: patterns
# Decides only the common case, a name the twin accepts: not empty, no NUL, LF or CR, no code point in
# U+D800-U+DFFF (the twin's only character rules), and at most MAX_OBJECT_NAME_BYTES bytes of UTF-8 (what the twin
# counts for such a name, see utf8_length). Every other name goes to the twin, which writes the message.
def object_name_problem(name: str) -> str | None:
    """Why OCI would refuse `name` as an object name, or None when it is acceptable."""
    if name != "" and _NAME_CHECK_CHAR.search(name) is None:
        size = len(name) if name.isascii() else len(name.encode("utf-8"))
        if size <= MAX_OBJECT_NAME_BYTES:
            return None
    return _translated_object_name_problem(name)


# native: sort_sources (src/core/sort-sources.ts) pin: 41cf916d07ca needs: patterns imports: operator
# Equal to the twin when no name holds a code point in U+D800-U+DFFF: compare_mapped is then the order of the tuple
# (targetName, sourceName) under Python's `<` (see compare_names), a total preorder, and a stable sort by it has one
# result: the twin's bottom-up merge sort is stable (it takes the right element only when strictly smaller), and so
# is sorted(). Both return a new list of the same dicts and leave the input as it is. Otherwise the twin sorts.
def sort_sources(sources: list[MappedSource]) -> list[MappedSource]:
    """A new array with the sources in merge order; the input is not changed."""
    if len(sources) < 2:
        return sources[0:]
    for source in sources:
        target_name = source["targetName"]
        source_name = source["sourceName"]
        if not (target_name.isascii() or _SURROGATE_CHAR.search(target_name) is None) or not (
            source_name.isascii() or _SURROGATE_CHAR.search(source_name) is None
        ):
            return _translated_sort_sources(sources)
    return sorted(sources, key=operator.itemgetter("targetName", "sourceName"))


# native: code_points_of (src/core/code-points.ts) pin: aeb8db2a51a9 needs: patterns
# Equal to the twin for names without a code point in U+D800-U+DFFF: their UTF-16 form pairs every surrogate, the
# twin joins each pair into its code point and passes every other unit through, so its result is the str's code
# points, which is what ord gives for each character. Other names go to the twin.
def code_points_of(text: str) -> list[float]:
    """The code points of `text`, in order."""
    if text.isascii() or _SURROGATE_CHAR.search(text) is None:
        return list(map(ord, text))
    return _translated_code_points_of(text)


# native-helper: glob_automata imports: copy threading
class _GlobAutomaton:
    """The automaton of glob_matches_points' twin made deterministic, built lazily: a state is the twin's pair of
    position sets (live, inside) after a character, and each transition is computed once, by _glob_step, which does
    what one turn of the twin's loop does. Matching a name is then a dictionary look-up per code point. Adding a
    transition holds a lock (threads may share an automaton); a transition is published last, after its state."""

    def __init__(self, tokens: list[GlobToken]) -> None:
        self.lock = threading.Lock()
        self.tokens = copy.deepcopy(tokens)
        size = len(tokens) + 1
        live = [k == 0 for k in range(size)]
        _close_over(self.tokens, live)
        start = (tuple(live), (False,) * size)
        self.states: list[tuple[tuple[bool, ...], tuple[bool, ...]]] = [start]
        self.index = {start: 0}
        self.rows: list[dict[float, int]] = [{}]
        self.accepting = [live[size - 1]]
        self.transitions = 0

    def add(self, state: int, c: float) -> int:
        """The state after `state` reads `c`, -1 when no position is left (the twin returns False there)."""
        live, inside = self.states[state]
        target = _glob_step(self.tokens, list(live), list(inside), c)
        with self.lock:
            if target is None:
                nxt = -1
            else:
                nxt = self.index.get(target, -2)
                if nxt == -2:
                    nxt = len(self.states)
                    self.states.append(target)
                    self.rows.append({})
                    self.accepting.append(target[0][-1])
                    self.index[target] = nxt
            self.rows[state][c] = nxt
            self.transitions += 1
        return nxt


def _glob_step(
    tokens: list[GlobToken], live: list[bool], inside: list[bool], c: float
) -> tuple[tuple[bool, ...], tuple[bool, ...]] | None:
    """One turn of the twin's loop over the name: the positions after reading `c`, None when there are none."""
    size = len(tokens) + 1
    next_ = [False] * size
    next_inside = [False] * size
    any_ = False
    for k in range(len(tokens)):
        if inside[k]:
            if c == _SLASH:
                next_[k] = True
            else:
                next_inside[k] = True
            any_ = True
        if not live[k]:
            continue
        t = tokens[k]
        kind = t["kind"]
        if kind == "literal":
            if c == t["point"]:
                next_[k + 1] = True
                any_ = True
        elif kind == "one":
            if c != _SLASH:
                next_[k + 1] = True
                any_ = True
        elif kind == "class":
            if c != _SLASH and _in_class(t, c):
                next_[k + 1] = True
                any_ = True
        elif kind == "star":
            if c != _SLASH:
                next_[k] = True
                any_ = True
        elif kind == "globstar":
            next_[k] = True
            any_ = True
        else:
            if c == _SLASH:
                next_[k] = True
            else:
                next_inside[k] = True
            any_ = True
    if not any_:
        return None
    _close_over(tokens, next_)
    return (tuple(next_), tuple(next_inside))


# Automata by pattern text; an entry is used only while its tokens equal the glob's (a deep copy is kept), so a
# glob built or changed by hand gets an automaton of its own.
_GLOB_AUTOMATA: dict[str, _GlobAutomaton] = {}


def _glob_automaton(glob: CompiledGlob) -> _GlobAutomaton:
    automaton = _GLOB_AUTOMATA.get(glob["pattern"])
    if automaton is None or automaton.tokens != glob["tokens"] or automaton.transitions > 100000:
        if len(_GLOB_AUTOMATA) >= 256:
            _GLOB_AUTOMATA.clear()
        automaton = _GlobAutomaton(glob["tokens"])
        _GLOB_AUTOMATA[glob["pattern"]] = automaton
    return automaton


# native: glob_matches_points (src/core/glob.ts) pin: b2b30d8a257b needs: glob_automata
# Equal to the twin: the twin runs a set of positions over the name, and its next positions depend only on the
# current ones and the code point read (the tokens are fixed); _glob_step is that computation, so the automaton's
# state after each code point is the twin's, and the answer is the twin's `live[size - 1]`. Where the twin stops
# early (no position left), the automaton reaches -1 and answers False, as the twin does. The transitions are
# memoized, so a name costs one look-up per code point instead of a pass over every token.
def glob_matches_points(glob: CompiledGlob, name: list[float]) -> bool:
    """True when the compiled pattern matches the whole name given as code points. Invalid patterns match nothing."""
    if glob["error"] != "":
        return False
    automaton = _glob_automaton(glob)
    rows = automaton.rows
    state = 0
    for c in name:
        nxt = rows[state].get(c)
        if nxt is None:
            nxt = automaton.add(state, c)
        if nxt < 0:
            return False
        state = nxt
    return automaton.accepting[state]
