// Glob patterns for include/exclude, matched by hand (no regular expressions, so the Python translation behaves the
// same). A pattern is matched against the WHOLE source name, relative to the file system root (the same string as
// the object name without the target prefix); matching is case-sensitive and works on code points (so `?` matches
// one emoji, not half of it).
//
//   *        any run of characters except "/" (possibly empty)
//   **/      at the start of the pattern or right after "/": zero or more whole directories ("a/**/b" matches "a/b",
//            "a/x/b", "a/x/y/b"; "**/*.tmp" matches "x.tmp" and "d/e/x.tmp")
//   **       anywhere else: any run of characters including "/" ("logs/**" matches everything under logs/)
//   ?        one character except "/"
//   [abc]    one of the listed characters; [a-z] a range; [!a-z] or [^a-z] negated; "]" first in the class is a
//            member; a class never matches "/"
//   \c       the character c itself (escapes *, ?, [, ] and \)
//
// A pattern without wildcards matches only that exact name: "*.parquet" matches root-level files only; write
// "**/*.parquet" for any depth. Errors: an empty pattern, an unterminated class, a reversed range, a trailing "\".
// Matching simulates the pattern as a small automaton (a set of live positions), so time is at most
// name length × pattern length, whatever the pattern. Position k is "before token k"; a "dirs" token also has an
// inner state "inside a directory name", which only a "/" leaves.
import { codePointsOf } from "./code-points.ts";

export type GlobTokenKind = "literal" | "one" | "class" | "star" | "globstar" | "dirs";

export interface GlobToken {
  kind: GlobTokenKind;
  /** The character of a "literal" token; 0 otherwise. */
  point: number;
  /** Inclusive [low, high] pairs of a "class" token, flattened; empty otherwise. */
  ranges: number[];
  /** A "class" token matches characters NOT in its ranges. */
  negated: boolean;
}

export interface CompiledGlob {
  pattern: string;
  tokens: GlobToken[];
  /** The pattern has no wildcard and no escape: it matches exactly the name equal to `pattern`. */
  literal: boolean;
  /** Why the pattern is invalid ("" when valid). An invalid pattern matches nothing. */
  error: string;
}

const SLASH = 0x2f;
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BACKSLASH = 0x5c;
const BANG = 0x21;
const CARET = 0x5e;
const DASH = 0x2d;

function token(kind: GlobTokenKind, point: number, ranges: number[], negated: boolean): GlobToken {
  return { kind: kind, point: point, ranges: ranges, negated: negated };
}

function invalid(pattern: string, error: string): CompiledGlob {
  return { pattern: pattern, tokens: [], literal: false, error: error };
}

/** Parses `pattern` into tokens; check `error` before use. */
export function compileGlob(pattern: string): CompiledGlob {
  if (pattern.length === 0) {
    return invalid(pattern, "the pattern is empty");
  }
  const points = codePointsOf(pattern);
  const n = points.length;
  const tokens: GlobToken[] = [];
  let literal = true;
  // True at the start of the pattern and right after an unescaped "/": where "**/" means "zero or more directories".
  let atSegmentStart = true;
  let i = 0;
  while (i < n) {
    const c = points[i];
    if (c === BACKSLASH) {
      if (i + 1 >= n) {
        return invalid(pattern, "it ends with an escape character '\\'");
      }
      tokens.push(token("literal", points[i + 1], [], false));
      // An escaped name is not the pattern text itself, so it takes the general path.
      literal = false;
      atSegmentStart = false;
      i += 2;
      continue;
    }
    if (c === STAR) {
      literal = false;
      let j = i;
      while (j < n && points[j] === STAR) {
        j += 1;
      }
      if (j - i === 1) {
        tokens.push(token("star", 0, [], false));
        atSegmentStart = false;
        i = j;
      } else if (atSegmentStart && j < n && points[j] === SLASH) {
        // Still at a segment start afterwards: "**/**/x" is two optional directory runs.
        tokens.push(token("dirs", 0, [], false));
        i = j + 1;
      } else {
        tokens.push(token("globstar", 0, [], false));
        atSegmentStart = false;
        i = j;
      }
      continue;
    }
    if (c === QUESTION) {
      literal = false;
      tokens.push(token("one", 0, [], false));
      atSegmentStart = false;
      i += 1;
      continue;
    }
    if (c === OPEN) {
      literal = false;
      const start = i;
      let j = i + 1;
      let negated = false;
      if (j < n && (points[j] === BANG || points[j] === CARET)) {
        negated = true;
        j += 1;
      }
      const ranges: number[] = [];
      let first = true;
      let closed = false;
      while (j < n) {
        let member = points[j];
        if (member === CLOSE && !first) {
          closed = true;
          j += 1;
          break;
        }
        if (member === BACKSLASH) {
          if (j + 1 >= n) {
            return invalid(pattern, "it ends with an escape character '\\'");
          }
          j += 1;
          member = points[j];
        }
        first = false;
        j += 1;
        // A range "a-z": a dash between two members (a dash right before "]" is a member itself).
        if (j + 1 < n && points[j] === DASH && points[j + 1] !== CLOSE) {
          let high = points[j + 1];
          j += 2;
          if (high === BACKSLASH) {
            if (j >= n) {
              return invalid(pattern, "it ends with an escape character '\\'");
            }
            high = points[j];
            j += 1;
          }
          if (high < member) {
            return invalid(pattern, `the range at character ${start} is reversed (its end comes before its start)`);
          }
          ranges.push(member);
          ranges.push(high);
        } else {
          ranges.push(member);
          ranges.push(member);
        }
      }
      if (!closed) {
        return invalid(pattern, `the character class '[' at character ${start} is not closed with ']'`);
      }
      tokens.push(token("class", 0, ranges, negated));
      atSegmentStart = false;
      i = j;
      continue;
    }
    tokens.push(token("literal", c, [], false));
    atSegmentStart = c === SLASH;
    i += 1;
  }
  return { pattern: pattern, tokens: tokens, literal: literal, error: "" };
}

function inClass(t: GlobToken, point: number): boolean {
  const ranges = t.ranges;
  let k = 0;
  let found = false;
  while (k < ranges.length) {
    if (point >= ranges[k] && point <= ranges[k + 1]) {
      found = true;
      break;
    }
    k += 2;
  }
  return found !== t.negated;
}

/** Adds the positions reachable without consuming a character (past *, ** and **\/, which may match nothing). */
function closeOver(tokens: GlobToken[], live: boolean[]): void {
  let k = 0;
  while (k < tokens.length) {
    if (live[k]) {
      const kind = tokens[k].kind;
      if (kind === "star" || kind === "globstar" || kind === "dirs") {
        live[k + 1] = true;
      }
    }
    k += 1;
  }
}

/** True when the compiled pattern matches the whole name given as code points. Invalid patterns match nothing. */
export function globMatchesPoints(glob: CompiledGlob, name: number[]): boolean {
  if (glob.error !== "") {
    return false;
  }
  const tokens = glob.tokens;
  const size = tokens.length + 1;
  let live: boolean[] = [];
  let inside: boolean[] = [];
  for (let k = 0; k < size; k++) {
    live.push(k === 0);
    inside.push(false);
  }
  closeOver(tokens, live);
  for (const c of name) {
    const next: boolean[] = [];
    const nextInside: boolean[] = [];
    for (let k = 0; k < size; k++) {
      next.push(false);
      nextInside.push(false);
    }
    let any = false;
    for (let k = 0; k < tokens.length; k++) {
      if (inside[k]) {
        // Inside a directory name of a "dirs" run: a "/" ends the name (back at a directory boundary).
        if (c === SLASH) {
          next[k] = true;
        } else {
          nextInside[k] = true;
        }
        any = true;
      }
      if (!live[k]) {
        continue;
      }
      const t = tokens[k];
      const kind = t.kind;
      if (kind === "literal") {
        if (c === t.point) {
          next[k + 1] = true;
          any = true;
        }
      } else if (kind === "one") {
        if (c !== SLASH) {
          next[k + 1] = true;
          any = true;
        }
      } else if (kind === "class") {
        if (c !== SLASH && inClass(t, c)) {
          next[k + 1] = true;
          any = true;
        }
      } else if (kind === "star") {
        if (c !== SLASH) {
          next[k] = true;
          any = true;
        }
      } else if (kind === "globstar") {
        next[k] = true;
        any = true;
      } else {
        // "dirs" at a directory boundary: a "/" completes an (empty) directory name, anything else starts one.
        if (c === SLASH) {
          next[k] = true;
        } else {
          nextInside[k] = true;
        }
        any = true;
      }
    }
    if (!any) {
      return false;
    }
    closeOver(tokens, next);
    live = next;
    inside = nextInside;
  }
  return live[size - 1];
}

/** True when the compiled pattern matches the whole of `name`. */
export function globMatches(glob: CompiledGlob, name: string): boolean {
  if (glob.error !== "") {
    return false;
  }
  if (glob.literal) {
    return name === glob.pattern;
  }
  return globMatchesPoints(glob, codePointsOf(name));
}

/** Compiles and matches in one call (for tests and one-off checks; compile once when matching many names). */
export function matchGlob(pattern: string, name: string): boolean {
  return globMatches(compileGlob(pattern), name);
}
