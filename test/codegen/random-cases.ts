// Seeded random cases for the randomized parity test (test/codegen/random-parity.test.ts): names that stress UTF-16
// versus code points (astral characters, U+FFFD, U+E000-U+FFFF, combining marks, unpaired surrogates, controls),
// empty inputs, sizes up to 10 TiB, and ties; each case names the driver of test/codegen/vector-drivers.ts that runs
// it. The same seed gives the same cases. Also a greedy shrinker for JSON values, to report the smallest failing case.
//
// The Python side is the module as emitted, native equivalents included (codegen/shims/native.py): names come in
// three kinds so that both a native's own path and its way to the translation are taken: plain ASCII, clean Unicode
// (astral, U+E000-U+FFFF), and names with unpaired surrogates.
import { type Random, TRICKY_CHARACTERS, seededRandom } from "../core/seeded-random.ts";

export interface RandomCase {
  driver: string;
  given: unknown;
}

const TIB = 1099511627776;
const MAX_SIZE = 10 * TIB;

const NAME_CHARACTERS: readonly string[] = [
  ...TRICKY_CHARACTERS,
  "\u0301",
  "e\u0301",
  "\ud800",
  "\udc00",
  "\u0000",
  "\n",
  "\r",
  '"',
  "\\",
  "\u007f",
  "\u00a0",
  "\ufeff",
];

const GLOB_PIECES: readonly string[] = [
  "a",
  "b",
  "/",
  ".",
  "😀",
  "é",
  "\ufffd",
  "*",
  "*",
  "**",
  "**/",
  "?",
  "[ab]",
  "[!a]",
  "[^/]",
  "[a-z]",
  "[😀-😁]",
  "[z-a]",
  "[",
  "]",
  "\\*",
  "\\",
  "-",
];

function name(random: Random, max: number, alphabet: readonly string[] = NAME_CHARACTERS): string {
  const length = random.below(max + 1);
  let out = "";
  for (let i = 0; i < length; i++) out += random.pick(alphabet);
  return out;
}

function size(random: Random): number {
  const kind = random.below(8);
  if (kind === 0) return 0;
  if (kind === 1) return MAX_SIZE - random.below(2);
  if (kind === 2) return random.below(MAX_SIZE);
  if (kind === 3) return 128 * 1048576 + random.below(3) - 1;
  return random.below(kind < 6 ? 100 : 1 << 30);
}

const ASCII_NAME: readonly string[] = ["a", "b", "/", ".", "-", "0"];
const CLEAN_NAME: readonly string[] = ["a", "b", "/", "😀", "\ufffd", "\uffff", "\ue000", "é", "\u{10ffff}"];
const SURROGATE_NAME: readonly string[] = ["a", "/", "😀", "\ue000", "\ufffd", "\ud800", "\udbff", "\udc00", "\udfff"];

/** A short name of one of three kinds: ASCII, clean Unicode, or (one in eight) with unpaired surrogates. */
function shortName(random: Random, max: number): string {
  const kind = random.below(8);
  return name(random, max, kind < 3 ? ASCII_NAME : kind < 7 ? CLEAN_NAME : SURROGATE_NAME);
}

/** `count` names from a small alphabet, so that equal names, prefixes and ties are frequent. */
function names(random: Random, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(random.below(4) === 0 && out.length > 0 ? random.pick(out) : shortName(random, 4));
  }
  return out;
}

/** Mapped sources in any order, with collision groups and equal names; `size` numbers them, so order shows. */
function mappedSources(random: Random): unknown {
  const prefix = random.pick(["", "p/", "😀/"]);
  const sources = names(random, random.below(14)).map((n, i) => ({
    sourceName: n,
    targetName: random.below(5) === 0 ? "p/same" : prefix + n,
    size: i,
    md5: "",
  }));
  return { sources };
}

function compareNames(random: Random): unknown {
  const a = name(random, 6);
  const tie = random.below(4);
  const b = tie === 0 ? a : tie === 1 ? a + name(random, 2) : name(random, 6);
  return random.below(2) === 0 ? { a, b } : { a: b, b: a };
}

function glob(random: Random): unknown {
  let pattern = "";
  const pieces = random.below(6);
  for (let i = 0; i < pieces; i++) pattern += random.pick(GLOB_PIECES);
  let n = "";
  const parts = random.below(6);
  for (let i = 0; i < parts; i++) n += random.pick(["a", "b", "/", ".", "😀", "é", "\ufffd", "*", "z", "-"]);
  return { pattern, name: n };
}

function md5(random: Random): string | null | undefined {
  const kind = random.below(6);
  if (kind === 0) return undefined;
  if (kind === 1) return null;
  if (kind === 2) return "";
  if (kind === 3) return "x-2";
  return random.pick(["AAAA", "BBBB"]);
}

function version(random: Random): string | null | undefined {
  const kind = random.below(6);
  if (kind === 0) return undefined;
  if (kind === 1) return null;
  if (kind === 2) return "";
  return random.pick(["v1", "v2", '"0x8D1"']);
}

/** A state record for target `t`: its own name, size and md5 (so that it applies) unless a field is changed. */
function stateRecord(random: Random, t: Record<string, unknown>): Record<string, unknown> {
  const listed = typeof t.md5 === "string" ? t.md5 : "";
  const change = random.below(6);
  return {
    name: change === 0 ? `${t.name as string}x` : t.name,
    size: change === 1 ? (t.size as number) + 1 : t.size,
    md5: change === 2 ? random.pick(["AAAA", "BBBB", "x-2", ""]) : listed,
    sourceVersion: version(random) ?? null,
    sourceMd5: random.pick([null, "AAAA", "BBBB"]),
  };
}

function applyStateGiven(random: Random): unknown {
  const target: Record<string, unknown> = { name: shortName(random, 3), size: random.below(3) };
  const m = md5(random);
  if (m !== undefined) target.md5 = m;
  if (random.below(4) === 0) target.sourceMd5 = random.pick([null, "AAAA"]);
  if (random.below(4) === 0) target.sourceVersion = random.pick([null, "v0"]);
  return { target, record: random.below(5) === 0 ? null : stateRecord(random, target) };
}

/** Prefixes without unpaired surrogates (encodeURIComponent refuses those in both languages). */
function stateNameGiven(random: Random): unknown {
  const clean = (max: number) => name(random, max, random.below(2) === 0 ? ASCII_NAME : CLEAN_NAME);
  const prefix = random.below(4) === 0 ? "" : clean(6) + random.pick(["", "/", " ?#&=+%@:;,!~*'()"]);
  return { logName: random.pick(["log.json", "/tmp/x y/log.json", "log/😀.json"]), namespace: clean(3), bucket: clean(3), prefix };
}

function diff(random: Random): unknown {
  const sources = names(random, random.below(8)).map((n) => {
    const s: Record<string, unknown> = { name: n, size: random.below(3) === 0 ? size(random) : random.below(3) };
    const m = md5(random);
    if (m !== undefined) s.md5 = m;
    const v = version(random);
    if (v !== undefined) s.version = v;
    if (random.below(8) === 0) s.isDirectory = true;
    return s;
  });
  const prefix = random.pick(["", "", "p/", "/p", "😀/"]);
  let targetNames = names(random, random.below(8)).map((n) => (random.below(2) === 0 ? prefix.replace(/^\//, "") + n : n));
  if (random.below(6) !== 0) {
    // Sorted and unique by code point order (compareNames): what OCI lists. Otherwise left as generated.
    const key = (s: string) => Array.from(s).map((c) => (c.codePointAt(0) ?? 0).toString(16).padStart(6, "0"));
    targetNames = [...new Set(targetNames)].sort((x, y) => {
      const a = key(x).join(" ");
      const b = key(y).join(" ");
      return a < b ? -1 : a > b ? 1 : 0;
    });
  }
  const targets = targetNames.map((n) => {
    const t: Record<string, unknown> = { name: n, size: random.below(3) === 0 ? size(random) : random.below(3) };
    const m = md5(random);
    if (m !== undefined) t.md5 = m;
    const s = md5(random);
    if (s !== undefined) t.sourceMd5 = s;
    const v = version(random);
    if (v !== undefined && random.below(3) === 0) t.sourceVersion = v;
    return t;
  });
  // Equality state records for some targets (applied by the driver): mostly matching the object, sometimes not.
  const state: Record<string, unknown>[] = [];
  for (const t of targets) {
    if (random.below(2) === 0) state.push(stateRecord(random, t));
  }
  const options: Record<string, unknown> = {};
  if (random.below(2) === 0) options.targetPrefix = prefix;
  if (random.below(3) === 0) options.include = [(glob(random) as { pattern: string }).pattern];
  if (random.below(3) === 0) options.exclude = ["**/b*", (glob(random) as { pattern: string }).pattern];
  if (random.below(2) === 0) options.compare = random.pick(["size-md5", "size", "md5", "bogus"]);
  if (random.below(2) === 0) options.mirror = true;
  if (random.below(3) === 0) options.maxDeletions = random.pick([0, 1, 2, 1.5, -1]);
  if (random.below(2) === 0) options.strictNames = random.below(12) === 0 ? "yes" : random.below(2) === 0;
  return random.below(3) === 0 ? { options, sources, targets } : { options, sources, targets, state };
}

function partition(random: Random): unknown {
  const actions = ["copy", "copy", "copy", "skip", "delete", "keep", "hash", "fail"];
  const entries = names(random, random.below(12)).map((n) => {
    const action = random.pick(actions);
    const s = size(random);
    const source = action === "delete" || action === "keep" ? null : n;
    return {
      sourceName: source,
      sourceSize: source === null ? null : s,
      targetName: `t/${n}`,
      targetSize: null,
      status: "new",
      action,
      reason: "",
    };
  });
  const options: Record<string, unknown> = {};
  if (random.below(4) !== 0) options.targetTasks = random.pick([1, 2, 3, 7, 24, 1000]);
  if (random.below(3) === 0) options.multipartThreshold = random.pick([1, 1048576, 16 * 1048576]);
  if (random.below(3) === 0) options.minPartSize = random.pick([1, 1048576, 5 * 1048576 + 1, 100 * 1048576]);
  if (random.below(3) === 0) options.fileCost = random.pick([0, 1, 1048576]);
  if (random.below(20) === 0) options.targetTasks = random.pick([0, 2.5]);
  return { entries, options };
}

/** `count` cases for `seed`, spread over the drivers. */
export function randomCases(seed: number, count: number): RandomCase[] {
  const random = seededRandom(seed);
  const makers: [string, number, (r: Random) => unknown][] = [
    ["compareNamesCase", 25, compareNames],
    ["sortNamesCase", 5, (r) => ({ names: names(r, r.below(10)) })],
    ["sortSourcesCase", 6, mappedSources],
    ["hasSurrogatesCase", 3, (r) => ({ name: r.below(2) === 0 ? shortName(r, 6) : name(r, 6) })],
    ["codePointsCase", 3, (r) => ({ name: r.below(2) === 0 ? shortName(r, 6) : name(r, 6) })],
    [
      "objectNamesCase",
      12,
      (r) => ({ name: r.below(20) === 0 ? name(r, 3).repeat(300) : r.below(3) === 0 ? shortName(r, 8) : name(r, 8) }),
    ],
    ["globCase", 18, glob],
    ["mappingCase", 8, (r) => ({ prefix: r.pick(["", "/", "a", "/a/", "a//b/", name(r, 3)]), sourceName: name(r, 5) })],
    ["scopeCase", 8, (r) => ({ prefix: r.pick(["", "/", "a", "😀/"]), objectName: r.pick(["a/", "😀/", ""]) + name(r, 4) })],
    ["formatBytesCase", 3, (r) => ({ bytes: r.below(3) === 0 ? r.below(MAX_SIZE * 800) : size(r) })],
    ["groupDigitsCase", 3, (r) => ({ count: r.below(2) === 0 ? r.below(10000) : size(r) })],
    ["quoteNameCase", 3, (r) => ({ name: name(r, 6) })],
    ["diffCase", 8, diff],
    ["partitionCase", 8, partition],
    ["applyStateCase", 4, applyStateGiven],
    ["stateNameCase", 3, stateNameGiven],
  ];
  const weights = makers.reduce((s, m) => s + m[1], 0);
  const out: RandomCase[] = [];
  for (let i = 0; i < count; i++) {
    let pick = random.below(weights);
    let k = 0;
    while (pick >= makers[k][1]) {
      pick -= makers[k][1];
      k += 1;
    }
    out.push({ driver: makers[k][0], given: makers[k][2](random) });
  }
  return out;
}

/** Smaller variants of a JSON value: shorter arrays and strings, zeroed or halved numbers, shrunk fields. */
function* smaller(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield [...value.slice(0, i), ...value.slice(i + 1)];
    for (let i = 0; i < value.length; i++) {
      for (const v of smaller(value[i])) yield [...value.slice(0, i), v, ...value.slice(i + 1)];
    }
    return;
  }
  if (typeof value === "string") {
    const chars = Array.from(value);
    for (let i = 0; i < chars.length; i++) yield [...chars.slice(0, i), ...chars.slice(i + 1)].join("");
    for (let i = 0; i < chars.length; i++) {
      if (chars[i] !== "a") yield [...chars.slice(0, i), "a", ...chars.slice(i + 1)].join("");
    }
    return;
  }
  if (typeof value === "number") {
    if (value !== 0) yield 0;
    if (Math.abs(value) > 1) yield Math.trunc(value / 2);
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [key, v] of entries) {
      for (const s of smaller(v)) yield { ...(value as Record<string, unknown>), [key]: s };
    }
  }
}

/** Greedily shrinks `value` while `fails` holds, trying at most `budget` candidates. */
export async function shrink(value: unknown, fails: (v: unknown) => Promise<boolean>, budget = 3000): Promise<unknown> {
  let current = value;
  let tries = 0;
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (const candidate of smaller(current)) {
      tries += 1;
      if (tries > budget) break;
      if (await fails(candidate)) {
        current = candidate;
        progress = true;
        break;
      }
    }
  }
  return current;
}

/** `count` random diff cases for `seed` (the diffCase driver's input), for the parity test of the diff on Spark. */
export function randomDiffCases(seed: number, count: number): unknown[] {
  const random = seededRandom(seed);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push(diff(random));
  return out;
}
