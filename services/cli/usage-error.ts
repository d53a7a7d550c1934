/**
 * @module services/cli/usage-error
 * A command-line usage mistake: printed without a stack trace, exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
