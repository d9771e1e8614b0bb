// A problem with a config, worded for the person who wrote it.

export interface ConfigError {
  /** Where: a dotted path such as "source.auth.accountKey" or "filter.include[1]"; for a file that cannot be read
   * or parsed, the file name (with ":line:column" for a syntax error). */
  field: string;
  /** What is wrong with the value, e.g. "is required". Never contains a secret field's value. */
  problem: string;
  /** What to do about it, a clause such as `add "bucket": "target-azure"` (formatConfigErrors capitalises it). */
  fix: string;
}
