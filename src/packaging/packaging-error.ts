/**
 * A build or deploy problem the person running it must fix (a bad config, a missing key file, wheels not fetched, a
 * bucket that does not exist). The message names the file, field or object and says what to do; `exitCode` is 2 for
 * a bad config or bad options, 1 otherwise.
 */
export class PackagingError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "PackagingError";
    this.exitCode = options.exitCode ?? 1;
  }
}
