/** An error meant for the person at the terminal: its message is printed as one line, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  /** The message is the whole line (it starts with `lake2oci: `): printed without the command's prefix. */
  readonly whole: boolean;
  constructor(message: string, options: { exitCode?: number; cause?: unknown; whole?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 1;
    this.whole = options.whole ?? false;
  }
}
