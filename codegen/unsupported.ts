// The one error of the translator: TypeScript outside the subset that translates to Python exactly. It lists every
// problem found (not just the first), each as `file:line: what; what to write instead`, sorted by file and line.

export interface Problem {
  /** Relative to the repository root. */
  file: string;
  line: number;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

export class UnsupportedConstructError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = [...problems].sort((a, b) =>
      a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1,
    );
    const lines = sorted.map(formatProblem);
    super(
      `codegen: ${sorted.length} construct${sorted.length === 1 ? "" : "s"} outside the TypeScript subset that ` +
        `translates to Python (see codegen/README.md):\n${lines.join("\n")}`,
    );
    this.name = "UnsupportedConstructError";
    this.problems = sorted;
  }
}
